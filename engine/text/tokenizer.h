#pragma once
// The umT5 tokenizer: a SentencePiece model (Wan ships google/umt5-xxl/spiece.model) plus the
// reference's padding semantics (HF tokenizer, add_special_tokens=True, padding='max_length',
// truncation=True): tokens, then EOS, truncated to text_len (keeping the EOS), padded with the
// pad id; the mask is 1 on the real tokens including the EOS.
// The implementation lives in spm/ (libsentencepiece); builds without it throw a clear error.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace svg2::text {

inline constexpr int kWanTextLen = 512;

struct TokenizedPrompt {
  std::vector<std::int64_t> ids;   // text_len entries: tokens, EOS, then pad ids
  std::vector<std::int64_t> mask;  // 1 on tokens and EOS, 0 on padding
  int length = 0;                  // real tokens including the EOS (== mask sum)
  int original_length = 0;         // tokens including the EOS before truncation
  bool truncated = false;
};

class Tokenizer {
 public:
  // Loads a SentencePiece model file (.model protobuf). Throws svg2::Error naming the file.
  static Tokenizer load(const std::filesystem::path& model_file);
  // Whether this build has SentencePiece (otherwise load() throws).
  static bool available();

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // SentencePiece ids of `text` as given: no cleaning, no EOS.
  std::vector<int> encode(std::string_view text) const;
  std::string decode(const std::vector<int>& ids) const;

  // The reference's full path: clean_prompt (when `clean`), encode, EOS, truncate (warning that
  // names the original length), pad to text_len.
  TokenizedPrompt tokenize(std::string_view prompt, int text_len = kWanTextLen, bool clean = true) const;

  int vocab_size() const;
  int pad_id() const;  // 0 for umT5
  int eos_id() const;  // 1 for umT5
  int unk_id() const;
  const std::string& model_file() const;

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Pads/truncates already-encoded ids (without EOS) by the reference's rules. Shared by
// Tokenizer::tokenize and by callers that bring their own ids.
TokenizedPrompt pad_and_truncate(const std::vector<int>& ids, int eos_id, int pad_id, int text_len);

}  // namespace svg2::text
