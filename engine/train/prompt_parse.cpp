// Parsing procedural prompts back into their parts: "a red circle and a blue star moving
// diagonally up and left over a dark gradient" -> objects, motion, background. Tolerant of
// case, punctuation and the "on"/"over" wording; strict about the vocabulary.
#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/check.h"
#include "svg2/clip_checker.h"

namespace svg2::procedural {
namespace {

std::vector<std::string> words_of(const std::string& text) {
  std::string clean;
  for (char ch : text) {
    const unsigned char u = static_cast<unsigned char>(ch);
    clean += std::isalpha(u) ? static_cast<char>(std::tolower(u)) : ' ';
  }
  std::istringstream in(clean);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

int color_index(const std::string& word) {
  const auto& colors = object_colors();
  for (std::size_t i = 0; i < colors.size(); ++i)
    if (colors[i].name == word || (word == "grey" && colors[i].name == "gray")) return static_cast<int>(i);
  return -1;
}

int shape_index(const std::string& word) {
  for (std::size_t i = 0; i < all_shapes().size(); ++i)
    if (shape_name(all_shapes()[i]) == word) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> color_names() {
  std::vector<std::string> n;
  for (const auto& c : object_colors()) n.push_back(c.name);
  return n;
}

}  // namespace

ParsedPrompt parse_prompt(const std::string& prompt) {
  const std::vector<std::string> words = words_of(prompt);
  SVG2_CHECK(!words.empty(),
             "prompt is empty; expected e.g. \"a red circle moving left on a blue background\"");
  ParsedPrompt parsed;

  // Background: "<modifier> background|gradient" after the last "on"/"over".
  std::size_t bg_at = words.size();
  for (std::size_t i = words.size(); i-- > 0;)
    if (words[i] == "on" || words[i] == "over") {
      bg_at = i;
      break;
    }
  SVG2_CHECK(bg_at + 1 < words.size(),
             "prompt \"{}\": no background found (expected \"... on a <style> background|gradient\")",
             prompt);
  std::string bg_phrase = "a";
  for (std::size_t i = bg_at + 1; i < words.size(); ++i)
    if (words[i] != "a" && words[i] != "an" && words[i] != "the") bg_phrase += " " + words[i];
  parsed.background = -1;
  std::vector<std::string> bg_names;
  for (std::size_t i = 0; i < backgrounds().size(); ++i) {
    bg_names.push_back(backgrounds()[i].name);
    if (backgrounds()[i].name == bg_phrase) parsed.background = static_cast<int>(i);
  }
  SVG2_CHECK(parsed.background >= 0, "prompt \"{}\": unknown background \"{}\" (known: {})", prompt,
             bg_phrase.substr(2), join(bg_names));

  // Motion: the first motion word before the background.
  std::size_t motion_at = bg_at;
  bool found = false;
  for (std::size_t i = 0; i < bg_at && !found; ++i) {
    const std::string& w = words[i];
    if (w == "bouncing" || w == "orbiting" || w == "growing" || w == "spinning") {
      parsed.motion = w == "bouncing"   ? Motion::Bouncing
                      : w == "orbiting" ? Motion::Orbiting
                      : w == "growing"  ? Motion::Growing
                                        : Motion::Spinning;
      motion_at = i;
      found = true;
    } else if (w == "moving") {
      int dx = 0, dy = 0;
      for (std::size_t j = i + 1; j < bg_at; ++j) {
        if (words[j] == "left")
          dx = -1;
        else if (words[j] == "right")
          dx = 1;
        else if (words[j] == "up")
          dy = -1;
        else if (words[j] == "down")
          dy = 1;
        else if (words[j] != "diagonally" && words[j] != "and" && words[j] != "to" && words[j] != "the")
          fail(
              "prompt \"{}\": unknown direction \"{}\" (use left, right, up, down or diagonally up/down and "
              "left/right)",
              prompt, words[j]);
      }
      SVG2_CHECK(dx != 0 || dy != 0, "prompt \"{}\": \"moving\" needs a direction (left, right, up, down)",
                 prompt);
      static const Motion table[3][3] = {{Motion::UpLeft, Motion::Up, Motion::UpRight},
                                         {Motion::Left, Motion::Left, Motion::Right},
                                         {Motion::DownLeft, Motion::Down, Motion::DownRight}};
      parsed.motion = table[dy + 1][dx + 1];
      motion_at = i;
      found = true;
    }
  }
  SVG2_CHECK(found,
             "prompt \"{}\": no motion found (use moving left|right|up|down, moving diagonally up and "
             "left, bouncing, orbiting, growing or spinning)",
             prompt);

  // Objects: "a <color> <shape> [and a <color> <shape>]".
  PromptObject current;
  int have_color = -1;
  for (std::size_t i = 0; i < motion_at; ++i) {
    const std::string& w = words[i];
    if (w == "a" || w == "an" || w == "and" || w == "the") continue;
    if (const int c = color_index(w); c >= 0) {
      have_color = c;
    } else if (const int s = shape_index(w); s >= 0) {
      SVG2_CHECK(have_color >= 0, "prompt \"{}\": the {} needs a color (known: {})", prompt, w,
                 join(color_names()));
      current.color = have_color;
      current.shape = all_shapes()[static_cast<std::size_t>(s)];
      parsed.objects.push_back(current);
      have_color = -1;
    } else {
      fail("prompt \"{}\": unknown word \"{}\" (colors: {}; shapes: circle, square, triangle, star)", prompt,
           w, join(color_names()));
    }
  }
  SVG2_CHECK(!parsed.objects.empty() && parsed.objects.size() <= 2,
             "prompt \"{}\": expected one or two objects (\"a <color> <shape>\"), found {}", prompt,
             parsed.objects.size());
  return parsed;
}

}  // namespace svg2::procedural
