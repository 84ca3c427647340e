// SentencePiece training (libsentencepiece_train), compiled only when SentencePiece is available.
#include "text/tokenizer_trainer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <string>
#include <unordered_map>

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/log.h"

namespace svg2::text {
namespace {

// Feeds the corpus from memory, skipping empty lines (SentencePiece rejects them).
class LineIterator : public sentencepiece::SentenceIterator {
 public:
  explicit LineIterator(const std::vector<std::string>& lines) : lines_(lines) { skip_empty(); }
  bool done() const override { return index_ >= lines_.size(); }
  void Next() override {
    ++index_;
    skip_empty();
  }
  const std::string& value() const override { return lines_[index_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void skip_empty() {
    while (index_ < lines_.size() && lines_[index_].find_first_not_of(" \t\r\n") == std::string::npos)
      ++index_;
  }
  const std::vector<std::string>& lines_;
  std::size_t index_ = 0;
};

}  // namespace

TokenizerTrainResult train_tokenizer(const std::vector<std::string>& corpus_lines, int vocab_size,
                                     const std::filesystem::path& out_path,
                                     const TokenizerTrainOptions& options) {
  SVG2_CHECK(vocab_size >= 5 && vocab_size <= 1000000,
             "tokenizer vocab_size {} out of range (allowed 5..1000000)", vocab_size);
  std::size_t non_empty = 0;
  for (const auto& line : corpus_lines) non_empty += line.find_first_not_of(" \t\r\n") != std::string::npos;
  SVG2_CHECK(non_empty > 0, "cannot train tokenizer '{}': the corpus has no non-empty lines",
             out_path.string());
  SVG2_CHECK(options.model_type == "unigram" || options.model_type == "bpe" || options.model_type == "word" ||
                 options.model_type == "char",
             "tokenizer model_type '{}' unknown (allowed: unigram, bpe, word, char)", options.model_type);

  const std::unordered_map<std::string, std::string> args = {
      {"vocab_size", std::to_string(vocab_size)},
      {"model_type", options.model_type},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"hard_vocab_limit", options.hard_vocab_limit ? "true" : "false"},
      {"num_threads", std::to_string(options.num_threads)},
      {"seed_sentencepiece_size", std::to_string(options.seed_sentencepiece_size)},
      // umT5's special-id layout.
      {"pad_id", "0"},
      {"eos_id", "1"},
      {"bos_id", "2"},
      {"unk_id", "3"},
      {"pad_piece", "<pad>"},
      {"eos_piece", "</s>"},
      {"bos_piece", "<s>"},
      {"unk_piece", "<unk>"},
      // Same text normalization as T5/umT5's spiece.model.
      {"normalization_rule_name", "nmt_nfkc"},
      {"minloglevel", "1"},
  };
  LineIterator lines(corpus_lines);
  std::string model;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &lines, &model);
  SVG2_CHECK(status.ok(), "training tokenizer '{}' failed: {}", out_path.string(), status.ToString());

  sentencepiece::SentencePieceProcessor check;
  SVG2_CHECK(check.LoadFromSerializedProto(model).ok(), "trained tokenizer '{}' does not load back",
             out_path.string());
  write_file_atomic(out_path, model);
  TokenizerTrainResult result{check.GetPieceSize(), out_path};
  log_info("trained {} tokenizer '{}': {} pieces from {} lines", options.model_type, out_path.string(),
           result.vocab_size, non_empty);
  return result;
}

}  // namespace svg2::text
