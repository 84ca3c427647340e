// Builds without SentencePiece: the tokenizer cannot load; everything else in text/ still works.
// The SentencePiece build compiles engine/text/spm/ instead, which defines these functions.
#include "svg2/build_config.h"

#if !SVG2_HAVE_SENTENCEPIECE
#include "core/check.h"
#include "text/tokenizer.h"
#include "text/tokenizer_trainer.h"

namespace svg2::text {

struct Tokenizer::Impl {};

bool Tokenizer::available() {
  return false;
}
Tokenizer Tokenizer::load(const std::filesystem::path& model_file) {
  fail(
      "cannot load tokenizer '{}': this build has no SentencePiece (install libsentencepiece-dev and "
      "rebuild)",
      model_file.string());
}
Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;
std::vector<int> Tokenizer::encode(std::string_view) const {
  return {};
}
std::string Tokenizer::decode(const std::vector<int>&) const {
  return {};
}
TokenizedPrompt Tokenizer::tokenize(std::string_view, int, bool) const {
  return {};
}
int Tokenizer::vocab_size() const {
  return 0;
}
int Tokenizer::pad_id() const {
  return 0;
}
int Tokenizer::eos_id() const {
  return 1;
}
int Tokenizer::unk_id() const {
  return 3;
}
const std::string& Tokenizer::model_file() const {
  static const std::string none;
  return none;
}

TokenizerTrainResult train_tokenizer(const std::vector<std::string>&, int,
                                     const std::filesystem::path& out_path, const TokenizerTrainOptions&) {
  fail(
      "cannot train tokenizer '{}': this build has no SentencePiece (install libsentencepiece-dev and "
      "rebuild)",
      out_path.string());
}

}  // namespace svg2::text
#endif
