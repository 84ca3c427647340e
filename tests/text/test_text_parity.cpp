// Parity with the reference text path (label parity): transformers' UMT5EncoderModel and
// T5TokenizerFast on a tiny random model and a tokenizer trained by the helper, with Wan's
// ftfy-based prompt cleaning (umt5_reference.py). Weights are loaded both from the
// transformers save_pretrained folder (HF names, renamed by io) and from a Wan-named file.
// Error metric: max |ours - reference| / max |reference| <= 1e-4 in fp32.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "io/checkpoint.h"
#include "text/parity_support.h"
#include "text/prompt_clean.h"
#include "text/text_encoder.h"
#include "text/tokenizer.h"

using namespace svg2;

namespace {

struct Reference {
  test::fs::path dir;
  nlohmann::json prompts;
  io::Checkpoint tensors;
};

const Reference& reference() {
  static const Reference ref = [] {
    const auto dir = test::cached_reference("text/umt5_reference.py");
    if (dir.empty()) throw std::runtime_error("umt5 reference helper failed");
    return Reference{dir, nlohmann::json::parse(test::read_text_file(dir / "prompts.json")),
                     io::Checkpoint::open(dir / "reference.safetensors")};
  }();
  return ref;
}

double max_rel_error(const at::Tensor& ours, const at::Tensor& ref) {
  return ((ours.to(at::kDouble) - ref.to(at::kDouble)).abs().max() / ref.to(at::kDouble).abs().max())
      .item<double>();
}

std::vector<int64_t> to_vector(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kLong).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

void expect_encoder_matches(const test::fs::path& weights) {
  const Reference& ref = reference();
  text::TextEncoder encoder =
      text::TextEncoder::load(weights, ref.dir / "tokenizer.model", at::kCPU, at::kFloat);
  EXPECT_EQ(encoder.config().d_model, ref.prompts["d_model"].get<int64_t>());
  EXPECT_EQ(encoder.config().num_layers, 2);
  EXPECT_EQ(encoder.config().num_heads, 2);
  EXPECT_EQ(encoder.config().d_kv, 64);

  // Prompt -> trimmed context, all prompts in one batch (different lengths, one of them truncated).
  std::vector<std::string> prompts;
  for (const auto& p : ref.prompts["prompts"]) prompts.push_back(p["prompt"].get<std::string>());
  const auto contexts = encoder.encode(prompts);
  ASSERT_EQ(contexts.size(), prompts.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const at::Tensor expected = ref.tensors.load("context_" + std::to_string(i));
    ASSERT_EQ(contexts[i].sizes(), expected.sizes()) << "prompt " << i;
    const double err = max_rel_error(contexts[i], expected);
    std::printf("[parity] umT5 context %zu (%s): max rel error %.2e\n", i, weights.filename().c_str(), err);
    EXPECT_LE(err, 1e-4) << "prompt " << i << " (" << weights.filename() << ")";
  }

  // The raw batched forward over 512 positions with the mask, as the reference calls it.
  c10::InferenceMode guard;
  const at::Tensor hidden =
      encoder.encoder()->forward(ref.tensors.load("ids_batch"), ref.tensors.load("mask_batch"));
  const at::Tensor expected = ref.tensors.load("hidden_batch");
  ASSERT_EQ(hidden.sizes(), expected.sizes());
  const double err = max_rel_error(hidden, expected);
  std::printf("[parity] umT5 512-wide batch (%s): max rel error %.2e\n", weights.filename().c_str(), err);
  EXPECT_LE(err, 1e-4);
}

}  // namespace

TEST(TextParity, PromptCleaningMatchesFtfyAndHtmlUnescape) {
  for (const auto& p : reference().prompts["prompts"]) {
    EXPECT_EQ(text::clean_prompt(p["prompt"].get<std::string>()), p["cleaned"].get<std::string>());
  }
  for (const auto& c : reference().prompts["clean_cases"]) {
    EXPECT_EQ(text::clean_prompt(c["input"].get<std::string>()), c["cleaned"].get<std::string>())
        << "input: " << c["input"].get<std::string>();
  }
}

TEST(TextParity, TokenIdsMatchTransformersAndSentencePiece) {
  const Reference& ref = reference();
  const text::Tokenizer tok = text::Tokenizer::load(ref.dir / "tokenizer.model");
  int i = 0;
  for (const auto& p : ref.prompts["prompts"]) {
    const std::string key = std::to_string(i++);
    const auto ours = tok.tokenize(p["prompt"].get<std::string>(), 512);
    EXPECT_EQ(ours.ids, to_vector(ref.tensors.load("ids_" + key))) << "prompt " << key;
    EXPECT_EQ(ours.mask, to_vector(ref.tensors.load("mask_" + key))) << "prompt " << key;
    EXPECT_EQ(ours.length, p["length"].get<int>());
    EXPECT_EQ(ours.truncated, p["spm_length"].get<int>() + 1 > 512);
    // Raw SentencePiece ids of the cleaned prompt (the Python package vs libsentencepiece).
    std::vector<int64_t> raw;
    for (int id : tok.encode(p["cleaned"].get<std::string>())) raw.push_back(id);
    std::vector<int64_t> expected = to_vector(ref.tensors.load("spm_" + key));
    if (expected == std::vector<int64_t>{-1}) expected.clear();
    EXPECT_EQ(raw, expected) << "prompt " << key;
  }
}

TEST(TextParity, Umt5FromWanNamedWeights) {
  expect_encoder_matches(reference().dir / "umt5_wan.safetensors");
}

TEST(TextParity, Umt5FromTransformersFolder) {
  expect_encoder_matches(reference().dir / "umt5_hf");
}
