#include "core/check.h"
#include "core/log.h"
#include "text/tokenizer.h"

namespace svg2::text {

TokenizedPrompt pad_and_truncate(const std::vector<int>& ids, int eos_id, int pad_id, int text_len) {
  SVG2_CHECK(text_len >= 1 && text_len <= (1 << 20), "text length {} out of range (allowed 1..{})", text_len,
             1 << 20);
  TokenizedPrompt out;
  out.original_length = static_cast<int>(ids.size()) + 1;
  // HF truncation keeps room for the EOS: the first text_len-1 tokens, then EOS.
  const int keep = std::min<int>(static_cast<int>(ids.size()), text_len - 1);
  out.truncated = out.original_length > text_len;
  out.length = keep + 1;
  out.ids.assign(text_len, pad_id);
  out.mask.assign(text_len, 0);
  for (int i = 0; i < keep; ++i) out.ids[i] = ids[i];
  out.ids[keep] = eos_id;
  for (int i = 0; i < out.length; ++i) out.mask[i] = 1;
  if (out.truncated) {
    log_warn("prompt is {} tokens long (including the end-of-text token); truncated to {} tokens",
             out.original_length, text_len);
  }
  return out;
}

}  // namespace svg2::text
