// `svg2 train text`: the demo model's tokenizer and text encoder start. SentencePiece (unigram,
// umT5's special ids) learns the template vocabulary from training-split prompts; the tiny umT5
// gets the reference's random init. The encoder is then trained jointly with the DiT (`svg2
// train dit`): there is no text-only objective that teaches it what the video model needs, and
// the joint gradient costs under 1% of a DiT step.
#include <c10/core/InferenceMode.h>

#include <set>

#include "core/check.h"
#include "core/log.h"
#include "io/safetensors_writer.h"
#include "svg2/procedural.h"
#include "text/tokenizer.h"
#include "text/tokenizer_trainer.h"
#include "text/umt5_encoder.h"
#include "train/rng.h"
#include "train/train_run.h"

namespace svg2 {

using namespace svg2::train;

TrainReport train_text(const TextTrainOptions& o) {
  SVG2_CHECK(o.corpus_prompts >= 100 && o.corpus_prompts <= 1000000,
             "--corpus must be in [100, 1000000], got {}", o.corpus_prompts);
  SVG2_CHECK(
      o.d_model >= 8 && o.num_layers >= 1 && o.num_heads >= 1 && o.d_kv >= 4 && o.d_ff >= 8,
      "text encoder sizes must be positive (d_model {} >= 8, layers {} >= 1, heads {} >= 1, d_kv {} >= 4, "
      "d_ff {} >= 8)",
      o.d_model, o.num_layers, o.num_heads, o.d_kv, o.d_ff);
  SVG2_CHECK(o.text_len >= 8 && o.text_len <= 512, "--text-len must be in [8, 512], got {}", o.text_len);
  const RunFiles run = open_run(o.run_dir, /*create=*/true);
  const auto start = std::chrono::steady_clock::now();

  // Corpus: training-split prompts plus every vocabulary word on its own line, so no word of a
  // held-out prompt can be missing.
  std::vector<std::string> corpus;
  std::size_t longest_words = 0;
  for (int i = 0; i < o.corpus_prompts; ++i) {
    const auto scene = procedural::sample_scene(mix_seed(o.seed, 0x7e47 + static_cast<std::uint64_t>(i)), {},
                                                procedural::Split::Train);
    corpus.push_back(scene.prompt);
    longest_words =
        std::max<std::size_t>(longest_words, std::count(scene.prompt.begin(), scene.prompt.end(), ' ') + 1);
  }
  for (const auto& c : procedural::object_colors()) corpus.push_back(c.name);
  for (auto s : procedural::all_shapes()) corpus.push_back(procedural::shape_name(s));
  for (auto m : procedural::all_motions()) corpus.push_back(procedural::motion_phrase(m));
  for (const auto& b : procedural::backgrounds()) corpus.push_back(b.name);
  const text::TokenizerTrainResult tok = text::train_tokenizer(corpus, o.vocab_size, run.tokenizer());

  // The longest prompt must fit the context with its EOS.
  const text::Tokenizer tokenizer = text::Tokenizer::load(run.tokenizer());
  int longest_tokens = 0;
  for (const auto& line : corpus)
    longest_tokens = std::max(longest_tokens, static_cast<int>(tokenizer.encode(line).size()) + 1);
  SVG2_CHECK(longest_tokens <= o.text_len,
             "the longest template prompt has {} tokens; --text-len {} is too short", longest_tokens,
             o.text_len);

  text::UMT5Config config;
  config.vocab_size = tok.vocab_size;
  config.d_model = o.d_model;
  config.num_heads = o.num_heads;
  config.d_kv = o.d_kv;
  config.d_ff = o.d_ff;
  config.num_layers = o.num_layers;
  config.num_buckets = o.num_buckets;
  text::UMT5Encoder encoder(config, at::TensorOptions().dtype(at::kFloat));
  text::init_random_umt5(*encoder, o.seed);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& item : encoder->named_parameters())
    tensors.emplace_back(item.key(), item.value().detach().clone());
  io::save_safetensors(run.text_encoder(), tensors, {{"svg2", "demo-model text encoder (init)"}});
  update_manifest(run, {{"text_len", o.text_len}});

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_info("text: tokenizer with {} pieces (longest prompt {} tokens incl. EOS), umT5 {} ({} parameters)",
           tok.vocab_size, longest_tokens, config.describe(), config.parameter_count());
  return make_report("text", 0, 0, seconds, {},
                     {{"vocab_size", tok.vocab_size},
                      {"longest_prompt_tokens", longest_tokens},
                      {"text_len", o.text_len},
                      {"corpus_lines", corpus.size()},
                      {"text_encoder", config.describe()},
                      {"text_encoder_parameters", config.parameter_count()}});
}

}  // namespace svg2
