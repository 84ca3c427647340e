#include "text/prompt_clean.h"

#include <string>
#include <unordered_map>

#include "text/prompt_clean_tables.h"
#include "text/utf8.h"

namespace svg2::text {
namespace {

using u32 = std::u32string;

bool is_ascii_digit(char32_t c) {
  return c >= '0' && c <= '9';
}
bool is_ascii_hex(char32_t c) {
  return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_ascii_alnum(char32_t c) {
  return is_ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string ascii_of(const u32& s, std::size_t begin, std::size_t end) {
  std::string out;
  for (std::size_t i = begin; i < end; ++i) utf8_append(out, s[i]);
  return out;
}

struct EntityTables {
  std::unordered_map<std::string, u32> with_semicolon;  // "amp;" and ftfy's "EACUTE;"
  std::unordered_map<std::string, u32> legacy;          // "amp": accepted without ';'
};

const EntityTables& entity_tables() {
  static const EntityTables tables = [] {
    EntityTables t;
    for (const auto& e : html_entities()) {
      t.with_semicolon.emplace(std::string(e.name) + ";", utf8_decode(e.utf8));
      if (e.without_semicolon) t.legacy.emplace(std::string(e.name), utf8_decode(e.utf8));
    }
    return t;
  }();
  return tables;
}

const std::unordered_map<std::string, u32>& ftfy_uppercase_entities() {
  static const std::unordered_map<std::string, u32> table = [] {
    std::unordered_map<std::string, u32> t;
    for (const auto& e : uppercase_html_entities()) t.emplace(std::string(e.from) + ";", utf8_decode(e.to));
    return t;
  }();
  return table;
}

std::unordered_map<char32_t, u32> codepoint_map(const std::vector<CodepointMapping>& rows) {
  std::unordered_map<char32_t, u32> m;
  for (const auto& r : rows) m.emplace(r.from, utf8_decode(r.to));
  return m;
}

// Python's html._replace_charref for a numeric reference.
u32 numeric_reference(std::uint64_t num) {
  static const auto c1 = codepoint_map(c1_as_windows1252());
  if (num == 0x00) return U"\uFFFD";
  if (num == 0x0D) return U"\r";
  if (num >= 0x80 && num <= 0x9F) return c1.at(static_cast<char32_t>(num));
  if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) return U"\uFFFD";
  const bool invalid = (num >= 0x1 && num <= 0x8) || num == 0xB || (num >= 0xE && num <= 0x1F) ||
                       num == 0x7F || (num >= 0xFDD0 && num <= 0xFDEF) || (num & 0xFFFE) == 0xFFFE;
  if (invalid) return U"";
  return u32(1, static_cast<char32_t>(num));
}

// Parses digits at s[i..) in `base`; saturates (anything above 0x10FFFF is invalid anyway).
std::uint64_t parse_saturating(const u32& s, std::size_t begin, std::size_t end, int base) {
  std::uint64_t v = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const char32_t c = s[i];
    const int d = is_ascii_digit(c)        ? int(c - '0')
                  : (c >= 'a' && c <= 'f') ? int(c - 'a' + 10)
                                           : int(c - 'A' + 10);
    v = v * base + d;
    if (v > 0x7FFFFFFF) v = 0x7FFFFFFF;
  }
  return v;
}

u32 html_unescape_u32(const u32& s) {
  if (s.find(U'&') == u32::npos) return s;
  const auto& tables = entity_tables();
  u32 out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != U'&') {
      out.push_back(s[i++]);
      continue;
    }
    const std::size_t start = i + 1;
    // &#123;  &#x1F;  (the ';' is optional)
    if (start < s.size() && s[start] == U'#') {
      std::size_t j = start + 1;
      int base = 10;
      if (j < s.size() && (s[j] == U'x' || s[j] == U'X') && j + 1 < s.size() && is_ascii_hex(s[j + 1])) {
        base = 16;
        ++j;
      }
      const std::size_t digits = j;
      while (j < s.size() && (base == 16 ? is_ascii_hex(s[j]) : is_ascii_digit(s[j]))) ++j;
      if (j == digits) {  // no match: '&' stays literal
        out.push_back(s[i++]);
        continue;
      }
      const std::uint64_t num = parse_saturating(s, digits, j, base);
      if (j < s.size() && s[j] == U';') ++j;
      out += numeric_reference(num);
      i = j;
      continue;
    }
    // Named: up to 32 characters outside "\t\n\f <&#;", then an optional ';'.
    std::size_t j = start;
    while (j < s.size() && j - start < 32) {
      const char32_t c = s[j];
      if (c == U'\t' || c == U'\n' || c == U'\f' || c == U' ' || c == U'<' || c == U'&' || c == U'#' ||
          c == U';')
        break;
      ++j;
    }
    if (j == start) {
      out.push_back(s[i++]);
      continue;
    }
    if (j < s.size() && s[j] == U';') ++j;
    const std::string name = ascii_of(s, start, j);
    if (auto it = tables.with_semicolon.find(name); it != tables.with_semicolon.end()) {
      out += it->second;
    } else if (auto it2 = tables.legacy.find(name); it2 != tables.legacy.end()) {
      out += it2->second;
    } else {
      // The longest prefix that is a legacy name (length >= 2), e.g. "&ampfoo" -> "&foo".
      bool found = false;
      for (std::size_t len = (j - start) - 1; len >= 2 && !found; --len) {
        if (auto p = tables.legacy.find(ascii_of(s, start, start + len)); p != tables.legacy.end()) {
          out += p->second;
          out.append(s, start + len, j - (start + len));
          found = true;
        }
      }
      if (!found) {
        out.push_back(U'&');
        out.append(s, start, j - start);
      }
    }
    i = j;
  }
  return out;
}

// ftfy.fixes.unescape_html: only "&name;" / "&#...;" forms of at most 24 alphanumerics.
u32 ftfy_unescape(const u32& s) {
  const auto& tables = entity_tables();
  const auto& upper = ftfy_uppercase_entities();
  u32 out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == U'&') {
      std::size_t j = i + 1;
      const bool numeric = j < s.size() && s[j] == U'#';
      if (numeric) ++j;
      const std::size_t body = j;
      while (j < s.size() && j - body < 24 && is_ascii_alnum(s[j])) ++j;
      if (j > body && j < s.size() && s[j] == U';') {
        const u32 match = s.substr(i, j + 1 - i);
        const std::string key = ascii_of(s, i + 1, j + 1);  // "amp;" / "#39;"
        if (!numeric) {
          if (auto it = tables.with_semicolon.find(key); it != tables.with_semicolon.end()) {
            out += it->second;
          } else if (auto it2 = upper.find(key); it2 != upper.end()) {
            out += it2->second;
          } else {
            out += match;
          }
        } else {
          const u32 decoded = html_unescape_u32(match);
          out += decoded.find(U';') == u32::npos ? decoded : match;  // must consume the ';'
        }
        i = j + 1;
        continue;
      }
    }
    out.push_back(s[i++]);
  }
  return out;
}

u32 translate(const u32& s, const std::unordered_map<char32_t, u32>& map) {
  u32 out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (auto it = map.find(c); it != map.end()) {
      out += it->second;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool is_ftfy_control(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
         c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

// One pass of ftfy's fixers after unescaping, in ftfy's order.
u32 ftfy_character_fixes(const u32& in) {
  static const auto c1 = codepoint_map(c1_as_windows1252());
  static const auto ligatures = codepoint_map(latin_ligatures());
  static const auto width = codepoint_map(width_map());
  u32 s = translate(in, c1);
  s = translate(s, ligatures);
  s = translate(s, width);
  // uncurl_quotes
  for (char32_t& c : s) {
    if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) c = U'\'';
    if (c >= 0x201C && c <= 0x201F) c = U'"';
  }
  // fix_line_breaks: CRLF, CR, U+2028, U+2029, U+0085 -> LF
  u32 lines;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c == U'\r') {
      if (i + 1 < s.size() && s[i + 1] == U'\n') ++i;
      lines.push_back(U'\n');
    } else if (c == 0x2028 || c == 0x2029 || c == 0x85) {
      lines.push_back(U'\n');
    } else {
      lines.push_back(c);
    }
  }
  // remove_terminal_escapes: ESC '[' [0-9;]* [A-Za-z]
  u32 plain;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] == 0x1B && i + 1 < lines.size() && lines[i + 1] == U'[') {
      std::size_t j = i + 2;
      while (j < lines.size() && (is_ascii_digit(lines[j]) || lines[j] == U';')) ++j;
      if (j < lines.size() &&
          ((lines[j] >= 'a' && lines[j] <= 'z') || (lines[j] >= 'A' && lines[j] <= 'Z'))) {
        i = j;
        continue;
      }
    }
    plain.push_back(lines[i]);
  }
  u32 out;
  for (char32_t c : plain) {
    if (!is_ftfy_control(c)) out.push_back(c);
  }
  return out;
}

}  // namespace

std::string html_unescape(std::string_view text) {
  return utf8_encode(html_unescape_u32(utf8_decode(text)));
}

std::string fix_text(std::string_view text) {
  const u32 s = utf8_decode(text);
  u32 out;
  bool unescape = true;  // ftfy's "auto": off from the first line that contains '<' on
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t end = s.find(U'\n', pos);
    end = end == u32::npos ? s.size() : end + 1;
    u32 segment = s.substr(pos, end - pos);
    if (unescape && segment.find(U'<') != u32::npos) unescape = false;
    for (int round = 0; round < 16; ++round) {  // ftfy repeats until nothing changes
      const u32 before = segment;
      if (unescape) segment = ftfy_unescape(segment);
      segment = ftfy_character_fixes(segment);
      if (segment == before) break;
    }
    out += segment;
    pos = end;
  }
  return utf8_encode(out);
}

std::string clean_prompt(std::string_view prompt) {
  const u32 fixed = utf8_decode(fix_text(prompt));
  const u32 unescaped = html_unescape_u32(html_unescape_u32(fixed));
  // strip + collapse whitespace runs + strip == split on whitespace and join with one space.
  u32 out;
  bool pending_space = false;
  for (char32_t c : unescaped) {
    if (is_python_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(U' ');
    pending_space = false;
    out.push_back(c);
  }
  return utf8_encode(out);
}

}  // namespace svg2::text
