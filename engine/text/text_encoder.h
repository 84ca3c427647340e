#pragma once
// Prompt -> umT5 context, the way Wan's T5EncoderModel does it: clean, tokenize (EOS, 512-token
// padding/truncation), encode with the key padding mask, and return each prompt's hidden states
// trimmed to its real length (tokens incl. EOS). The DiT zero-pads them back to text_len.
//
// Prompts are encoded at the batch's longest real length instead of always 512: with the key
// mask applied, real positions do not depend on trailing padding (the relative bias is a
// function of i - j only and masked keys get zero weight), so the result is the reference's.
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <filesystem>
#include <string>
#include <vector>

#include "text/tokenizer.h"
#include "text/umt5_encoder.h"

namespace svg2::io {
class Checkpoint;
}

namespace svg2::text {

// Builds the encoder with the sizes found in `weights` (a wan_t5 checkpoint, any key format the
// io rename tables know) and loads it in `dtype` on `device`.
UMT5Encoder load_umt5_encoder(const io::Checkpoint& weights, c10::Device device, c10::ScalarType dtype);

class TextEncoder {
 public:
  TextEncoder(UMT5Encoder encoder, Tokenizer tokenizer, int text_len = kWanTextLen);

  // Opens the weights (file or folder) and the SentencePiece model.
  static TextEncoder load(const std::filesystem::path& weights, const std::filesystem::path& tokenizer_model,
                          c10::Device device, c10::ScalarType dtype, int text_len = kWanTextLen);

  std::vector<TokenizedPrompt> tokenize(const std::vector<std::string>& prompts) const;
  // One [length_i, d_model] tensor per prompt, in the encoder's dtype and on its device.
  std::vector<at::Tensor> encode(const std::vector<std::string>& prompts);
  std::vector<at::Tensor> encode_tokens(const std::vector<TokenizedPrompt>& prompts);

  // Moves the weights (e.g. to the CPU after encoding, to free GPU memory for the DiT).
  void to(c10::Device device);
  c10::Device device() const;
  c10::ScalarType dtype() const;
  int text_len() const { return text_len_; }
  const UMT5Config& config() const { return encoder_->config(); }
  const Tokenizer& tokenizer() const { return tokenizer_; }
  UMT5Encoder& encoder() { return encoder_; }

 private:
  UMT5Encoder encoder_;
  Tokenizer tokenizer_;
  int text_len_;
};

}  // namespace svg2::text
