#pragma once
// UTF-8 <-> code points for the prompt cleaning. Invalid bytes decode to U+FFFD (as Python's
// errors="replace" would), so cleaning never throws on arbitrary input.
#include <string>
#include <string_view>

namespace svg2::text {

std::u32string utf8_decode(std::string_view utf8);
std::string utf8_encode(std::u32string_view codepoints);
void utf8_append(std::string& out, char32_t codepoint);

// Python's str.isspace(): what `re.sub(r"\s+", " ", text)` and str.strip() treat as whitespace.
bool is_python_space(char32_t c);

}  // namespace svg2::text
