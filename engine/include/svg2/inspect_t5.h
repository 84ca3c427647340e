#pragma once
// `svg2 inspect t5`: run the umT5 text encoder on prompts or on saved token ids and save the
// result as safetensors (the hook the parity tests and debugging use). Plain C++, no LibTorch.
#include <string>
#include <vector>

namespace svg2 {

struct InspectT5Options {
  // Where the weights and tokenizer come from: a model folder (any layout of docs/models.md),
  // and/or explicit files, which take precedence.
  std::string model_dir;
  std::string weights;    // umT5 weights: Wan .pth, safetensors file, or a transformers folder
  std::string tokenizer;  // SentencePiece model (spiece.model); needed for prompts only

  // Input: prompts (cleaned, tokenized, padded/truncated to text_len like the reference) ...
  std::vector<std::string> prompts;
  // ... or a safetensors file with "ids" [B, L] (integer) and optionally "mask" [B, L].
  std::string ids_file;

  // Output safetensors. Prompts: "context_<i>" [len_i, d_model] (trimmed to the real tokens incl.
  // EOS, as the DiT receives it), "ids_<i>" / "mask_<i>" [text_len]. Ids: "hidden" [B, L, d_model]
  // (every position), "lengths" [B].
  std::string out;

  std::string device = "auto";  // auto, cpu, cuda, cuda:N
  std::string dtype = "fp32";   // fp32, bf16, fp16 (the reference runs bf16 on the GPU)
  int text_len = 512;
};

// Returns a JSON object: inputs, output shapes, lengths, truncation, timings, peak memory.
// Throws svg2::Error on bad options or files.
std::string inspect_t5(const InspectT5Options& options);

}  // namespace svg2
