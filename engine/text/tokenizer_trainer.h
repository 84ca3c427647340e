#pragma once
// Trains a small SentencePiece tokenizer (e.g. on the demo model's template prompts) with
// umT5's special-id layout, so the result is a drop-in for spiece.model:
// pad 0 "<pad>", eos 1 "</s>", bos 2 "<s>" (unused, like umT5), unk 3 "<unk>".
#include <filesystem>
#include <string>
#include <vector>

namespace svg2::text {

struct TokenizerTrainOptions {
  std::string model_type = "unigram";  // umT5's type; also "bpe", "word", "char"
  double character_coverage = 1.0;     // keep every character of a small corpus
  // When false (default) vocab_size is an upper bound: a small corpus yields fewer pieces
  // instead of failing.
  bool hard_vocab_limit = false;
  int num_threads = 2;
  int seed_sentencepiece_size = 1000000;
};

struct TokenizerTrainResult {
  int vocab_size = 0;  // pieces in the trained model, special pieces included
  std::filesystem::path model_file;
};

// Writes the model atomically to out_path. Throws svg2::Error on an empty corpus, a vocab size
// out of range (5..1,000,000) or a SentencePiece failure (its message included).
TokenizerTrainResult train_tokenizer(const std::vector<std::string>& corpus_lines, int vocab_size,
                                     const std::filesystem::path& out_path,
                                     const TokenizerTrainOptions& options = {});

}  // namespace svg2::text
