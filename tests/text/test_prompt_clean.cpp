// Wan's prompt cleaning without Python: the parts that change what a prompt tokenizes to.
// (tests/text/test_text_parity.cpp checks the same function against ftfy + html on more cases.)
#include <gtest/gtest.h>

#include "text/prompt_clean.h"

using svg2::text::clean_prompt;
using svg2::text::html_unescape;

TEST(PromptClean, CollapsesAndStripsAllUnicodeWhitespace) {
  EXPECT_EQ(clean_prompt("  a\tred\n\n ball\r\n "), "a red ball");
  EXPECT_EQ(clean_prompt("a\u3000b\u00a0c\u2003d"), "a b c d");  // ideographic, no-break, em space
  EXPECT_EQ(clean_prompt(" \t\n "), "");
  EXPECT_EQ(clean_prompt(""), "");
}

TEST(PromptClean, UnescapesHtmlEntitiesLikeTheReference) {
  EXPECT_EQ(clean_prompt("cats &amp; dogs &lt;3 &quot;hi&quot; &#39;x&#39; &#x41;"),
            "cats & dogs <3 \"hi\" 'x' A");
  EXPECT_EQ(clean_prompt("&amp;lt;b&amp;gt;"), "<b>");  // nested escapes unescape fully
  EXPECT_EQ(clean_prompt("caf&eacute; &hellip;"), "caf\u00e9 \u2026");
  EXPECT_EQ(clean_prompt("&unknownentity; & alone"), "&unknownentity; & alone");
}

TEST(PromptClean, PythonHtmlUnescapeEdgeCases) {
  EXPECT_EQ(html_unescape("&ampfoo &copy2024 &notanentity"), "&foo \u00a92024 \u00acanentity");
  EXPECT_EQ(html_unescape("&#0; &#x110000; &#128;"), "\ufffd \ufffd \u20ac");
  EXPECT_EQ(html_unescape("&#1;&#x7f;"), "");  // invalid code points vanish
  EXPECT_EQ(html_unescape("no entities"), "no entities");
  EXPECT_EQ(html_unescape("&#; &#x; &"), "&#; &#x; &");
}

TEST(PromptClean, StraightensCurlyQuotesAndFixesCharacters) {
  EXPECT_EQ(clean_prompt("\u201cquoted\u201d it\u2019s"), "\"quoted\" it's");
  EXPECT_EQ(clean_prompt("\uff26\uff55\uff4c\uff4c \uff11\uff12"), "Full 12");  // full-width forms
  EXPECT_EQ(clean_prompt("\ufb01sh \ufb02ow"), "fish flow");                    // Latin ligatures
  EXPECT_EQ(clean_prompt("a\u0093b\u0094"), "a\"b\"");                          // C1 controls as cp1252
  EXPECT_EQ(clean_prompt("\x1b[31mred\x1b[0m text"), "red text");               // terminal escapes
  EXPECT_EQ(clean_prompt("a\x01\x7f\ufeffb"), "ab");                            // control characters
}

TEST(PromptClean, KeepsOrdinaryTextAndInvalidUtf8DoesNotThrow) {
  const std::string chinese = "\u4e00\u53ea\u5c0f\u732b\uff0c\u8272\u8c03\u8273\u4e3d";
  EXPECT_EQ(clean_prompt(chinese), "\u4e00\u53ea\u5c0f\u732b,\u8272\u8c03\u8273\u4e3d");  // full-width comma
  EXPECT_EQ(clean_prompt("a red ball"), "a red ball");
  EXPECT_EQ(clean_prompt(std::string("ok \xff\xfe end")), "ok \ufffd\ufffd end");
}
