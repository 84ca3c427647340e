// SentencePiece tokenizer with umT5's special ids and the reference's 512-token semantics, and
// the trainer the demo model uses. (Parity with transformers' tokenizer: test_text_parity.cpp.)
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "svg2/error.h"
#include "text/parity_support.h"
#include "text/prompt_clean.h"
#include "text/tokenizer.h"
#include "text/tokenizer_trainer.h"

using svg2::text::Tokenizer;

namespace {

std::vector<std::string> corpus() {
  std::vector<std::string> lines;
  const char* colors[] = {"red", "green", "blue", "yellow", "purple"};
  const char* shapes[] = {"ball", "cube", "triangle", "star"};
  const char* moves[] = {"moves left", "moves right", "bounces", "spins slowly", "falls down"};
  for (auto c : colors)
    for (auto s : shapes)
      for (auto m : moves)
        lines.push_back(std::string("a ") + c + " " + s + " " + m + " on a plain background");
  return lines;
}

struct TrainedTokenizer {
  svg2::test::ScratchDir dir;
  Tokenizer tok;
  TrainedTokenizer() : tok(train(dir)) {}
  static Tokenizer train(const svg2::test::ScratchDir& d) {
    const auto result = svg2::text::train_tokenizer(corpus(), 64, d / "tok.model");
    EXPECT_GT(result.vocab_size, 4);
    EXPECT_LE(result.vocab_size, 64);
    return Tokenizer::load(d / "tok.model");
  }
};

}  // namespace

TEST(Tokenizer, TrainedModelHasUmt5SpecialIds) {
  TrainedTokenizer t;
  EXPECT_EQ(t.tok.pad_id(), 0);
  EXPECT_EQ(t.tok.eos_id(), 1);
  EXPECT_EQ(t.tok.unk_id(), 3);
  EXPECT_LE(t.tok.vocab_size(), 64);
  const auto ids = t.tok.encode("a red ball bounces");
  ASSERT_FALSE(ids.empty());
  for (int id : ids) EXPECT_GE(id, 4) << "ordinary text must not produce special ids";
  EXPECT_EQ(t.tok.decode(ids), "a red ball bounces");
}

TEST(Tokenizer, PadsWithEosMaskAndRealLength) {
  TrainedTokenizer t;
  const auto raw = t.tok.encode("a blue cube spins slowly");
  const auto p = t.tok.tokenize("  a blue   cube\tspins slowly ", 512);
  ASSERT_EQ(p.ids.size(), 512u);
  ASSERT_EQ(p.mask.size(), 512u);
  EXPECT_EQ(p.length, static_cast<int>(raw.size()) + 1);
  EXPECT_FALSE(p.truncated);
  for (std::size_t i = 0; i < raw.size(); ++i) EXPECT_EQ(p.ids[i], raw[i]);
  EXPECT_EQ(p.ids[raw.size()], 1);  // EOS
  for (int i = 0; i < 512; ++i) {
    EXPECT_EQ(p.mask[i], i < p.length ? 1 : 0);
    if (i >= p.length) EXPECT_EQ(p.ids[i], 0);
  }
}

TEST(Tokenizer, EmptyPromptIsJustEos) {
  TrainedTokenizer t;
  const auto p = t.tok.tokenize("", 8);
  EXPECT_EQ(p.length, 1);
  EXPECT_EQ(p.ids, (std::vector<int64_t>{1, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(Tokenizer, LongPromptIsTruncatedKeepingEosWithAWarning) {
  TrainedTokenizer t;
  std::string prompt;
  for (int i = 0; i < 40; ++i) prompt += "a red ball bounces ";
  const auto raw = t.tok.encode(svg2::text::clean_prompt(prompt));
  const int full = static_cast<int>(raw.size()) + 1;
  ASSERT_GT(full, 16);
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const auto p = t.tok.tokenize(prompt, 16);
  const std::string log = testing::internal::GetCapturedStdout() + testing::internal::GetCapturedStderr();
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(p.original_length, full);
  EXPECT_EQ(p.length, 16);
  EXPECT_EQ(p.ids[15], 1);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(p.ids[i], raw[i]);
  EXPECT_NE(log.find("truncated"), std::string::npos) << log;
  EXPECT_NE(log.find(std::to_string(full)), std::string::npos)
      << "the warning names the original length: " << log;
}

TEST(Tokenizer, BadInputGivesClearErrors) {
  svg2::test::ScratchDir dir;
  try {
    Tokenizer::load(dir / "missing.model");
    FAIL() << "expected svg2::Error";
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.model"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "garbage.model") << "not a sentencepiece model";
  EXPECT_THROW(Tokenizer::load(dir / "garbage.model"), svg2::Error);
  EXPECT_THROW(svg2::text::train_tokenizer({"", "  "}, 32, dir / "t.model"), svg2::Error);
  EXPECT_THROW(svg2::text::train_tokenizer(corpus(), 2, dir / "t.model"), svg2::Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "t.model"));
  TrainedTokenizer t;
  EXPECT_THROW(t.tok.tokenize("x", 0), svg2::Error);
  EXPECT_THROW(t.tok.decode({100000}), svg2::Error);
}
