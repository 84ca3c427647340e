// Tokenizer over libsentencepiece (compiled only when SentencePiece is available).
#include <sentencepiece_processor.h>

#include <filesystem>

#include "core/check.h"
#include "text/prompt_clean.h"
#include "text/tokenizer.h"

namespace svg2::text {

struct Tokenizer::Impl {
  sentencepiece::SentencePieceProcessor processor;
  std::string model_file;
  int pad = 0;
  int eos = 1;
};

bool Tokenizer::available() {
  return true;
}

Tokenizer Tokenizer::load(const std::filesystem::path& model_file) {
  std::error_code ec;
  SVG2_CHECK(std::filesystem::is_regular_file(model_file, ec), "tokenizer model '{}' not found",
             model_file.string());
  auto impl = std::make_unique<Impl>();
  impl->model_file = model_file.string();
  const auto status = impl->processor.Load(impl->model_file);
  SVG2_CHECK(status.ok(), "cannot load tokenizer model '{}' (expected a SentencePiece .model file): {}",
             model_file.string(), status.ToString());
  impl->eos = impl->processor.eos_id();
  SVG2_CHECK(impl->eos >= 0, "tokenizer model '{}' has no end-of-text piece (</s>); umT5 needs eos id 1",
             model_file.string());
  // umT5's pad id is 0; a model without a pad piece pads with 0 like the reference.
  impl->pad = impl->processor.pad_id() >= 0 ? impl->processor.pad_id() : 0;
  return Tokenizer(std::move(impl));
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<int> Tokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  const auto status = impl_->processor.Encode(text, &ids);
  SVG2_CHECK(status.ok(), "tokenizer '{}' failed on the prompt: {}", impl_->model_file, status.ToString());
  return ids;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  const int size = vocab_size();
  for (int id : ids)
    SVG2_CHECK(id >= 0 && id < size, "token id {} out of range (vocabulary 0..{})", id, size - 1);
  std::string text;
  const auto status = impl_->processor.Decode(ids, &text);
  SVG2_CHECK(status.ok(), "tokenizer '{}' cannot decode: {}", impl_->model_file, status.ToString());
  return text;
}

TokenizedPrompt Tokenizer::tokenize(std::string_view prompt, int text_len, bool clean) const {
  const std::string text = clean ? clean_prompt(prompt) : std::string(prompt);
  return pad_and_truncate(encode(text), impl_->eos, impl_->pad, text_len);
}

int Tokenizer::vocab_size() const {
  return impl_->processor.GetPieceSize();
}
int Tokenizer::pad_id() const {
  return impl_->pad;
}
int Tokenizer::eos_id() const {
  return impl_->eos;
}
int Tokenizer::unk_id() const {
  return impl_->processor.unk_id();
}
const std::string& Tokenizer::model_file() const {
  return impl_->model_file;
}

}  // namespace svg2::text
