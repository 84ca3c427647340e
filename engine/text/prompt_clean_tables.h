#pragma once
// Character tables behind clean_prompt (generated into prompt_clean_tables.cpp by
// tests/text/generate_clean_tables.py).
#include <string_view>
#include <vector>

namespace svg2::text {

struct HtmlEntity {
  std::string_view name;   // without '&' and ';'
  std::string_view utf8;   // replacement text
  bool without_semicolon;  // html.unescape also decodes "&name" with no ';' (legacy names)
};

struct CharMapping {
  std::string_view from;
  std::string_view to;
};

struct CodepointMapping {
  char32_t from;
  std::string_view to;  // UTF-8
};

const std::vector<HtmlEntity>& html_entities();             // HTML 4 names plus &apos;
const std::vector<CharMapping>& uppercase_html_entities();  // ftfy's "&EACUTE;" -> "É"
const std::vector<CodepointMapping>& width_map();           // ftfy fix_character_width
const std::vector<CodepointMapping>& latin_ligatures();     // ftfy fix_latin_ligatures
const std::vector<CodepointMapping>& c1_as_windows1252();   // ftfy fix_c1_controls

}  // namespace svg2::text
