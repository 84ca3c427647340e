#include "text/text_encoder.h"

#include <ATen/ops/empty.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>

#include "core/check.h"
#include "core/device.h"
#include "core/log.h"
#include "io/checkpoint.h"

namespace svg2::text {

UMT5Encoder load_umt5_encoder(const io::Checkpoint& weights, c10::Device device, c10::ScalarType dtype) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& key : weights.keys()) shapes.emplace(key, weights.info(key).shape);
  const UMT5Config config = detect_umt5_config(shapes);
  log_info("{} from {} ({} on {})", config.describe(), weights.describe(), dtype_name(dtype), device.str());
  UMT5Encoder encoder(config, at::TensorOptions().dtype(dtype).device(device));
  encoder->eval();
  io::LoadOptions options;
  options.dtype = dtype;
  options.device = device;
  io::load_into(*encoder, weights, options);
  return encoder;
}

TextEncoder::TextEncoder(UMT5Encoder encoder, Tokenizer tokenizer, int text_len)
    : encoder_(std::move(encoder)), tokenizer_(std::move(tokenizer)), text_len_(text_len) {
  SVG2_CHECK(text_len_ >= 1, "text length must be at least 1, got {}", text_len_);
  SVG2_CHECK(tokenizer_.vocab_size() <= encoder_->config().vocab_size,
             "tokenizer '{}' has {} pieces but the text encoder's embedding has only {} rows",
             tokenizer_.model_file(), tokenizer_.vocab_size(), encoder_->config().vocab_size);
}

TextEncoder TextEncoder::load(const std::filesystem::path& weights,
                              const std::filesystem::path& tokenizer_model, c10::Device device,
                              c10::ScalarType dtype, int text_len) {
  Tokenizer tokenizer = Tokenizer::load(tokenizer_model);
  const io::Checkpoint checkpoint = io::Checkpoint::open(weights, io::ModelFamily::wan_t5);
  return TextEncoder(load_umt5_encoder(checkpoint, device, dtype), std::move(tokenizer), text_len);
}

std::vector<TokenizedPrompt> TextEncoder::tokenize(const std::vector<std::string>& prompts) const {
  std::vector<TokenizedPrompt> out;
  out.reserve(prompts.size());
  for (const auto& p : prompts) out.push_back(tokenizer_.tokenize(p, text_len_));
  return out;
}

std::vector<at::Tensor> TextEncoder::encode(const std::vector<std::string>& prompts) {
  return encode_tokens(tokenize(prompts));
}

std::vector<at::Tensor> TextEncoder::encode_tokens(const std::vector<TokenizedPrompt>& prompts) {
  if (prompts.empty()) return {};
  c10::InferenceMode guard;
  const auto batch = static_cast<int64_t>(prompts.size());
  int64_t longest = 0;
  bool uniform = true;
  for (const auto& p : prompts) {
    SVG2_CHECK(p.length >= 1 && p.length <= static_cast<int>(p.ids.size()) && p.mask.size() == p.ids.size(),
               "text encoder: malformed tokenized prompt (length {}, {} ids, {} mask entries)", p.length,
               p.ids.size(), p.mask.size());
    longest = std::max<int64_t>(longest, p.length);
    uniform = uniform && p.length == prompts.front().length;
  }
  for (const auto& p : prompts) {
    SVG2_CHECK(static_cast<int64_t>(p.ids.size()) >= longest,
               "text encoder: prompts padded to different lengths ({} < {} tokens)", p.ids.size(), longest);
  }
  at::Tensor ids = at::empty({batch, longest}, at::kLong);
  at::Tensor mask = at::empty({batch, longest}, at::kLong);
  for (int64_t b = 0; b < batch; ++b) {
    const auto& p = prompts[b];
    // Beyond its own length a prompt continues with its padding (pad id, mask 0), as in the
    // reference's 512-wide batch.
    std::copy_n(p.ids.data(), longest, ids[b].data_ptr<int64_t>());
    std::copy_n(p.mask.data(), longest, mask[b].data_ptr<int64_t>());
  }
  const at::Tensor hidden = encoder_->forward(ids, uniform ? at::Tensor() : mask);
  std::vector<at::Tensor> out;
  out.reserve(prompts.size());
  for (int64_t b = 0; b < batch; ++b) out.push_back(hidden[b].slice(0, 0, prompts[b].length).clone());
  return out;
}

void TextEncoder::to(c10::Device device) {
  encoder_->to(device);
}
c10::Device TextEncoder::device() const {
  return encoder_->token_embedding_weight.device();
}
c10::ScalarType TextEncoder::dtype() const {
  return encoder_->token_embedding_weight.scalar_type();
}

}  // namespace svg2::text
