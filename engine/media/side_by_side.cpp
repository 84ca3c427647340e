// Two (or more) renders as one labelled video: "Dense" vs "SVG2" with speed captions.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "core/check.h"
#include "media/utf8.h"
#include "media/video_checks.h"
#include "svg2/media.h"

namespace svg2 {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  if (text.empty()) return lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Cuts a line to fit `max_width` pixels, ending it with "…" when anything was cut.
std::string fit_line(const std::string& line, int scale, int max_width) {
  if (text_width(line, scale) <= max_width) return line;
  std::u32string codes = media::decode_utf8(line);
  std::string out;
  while (!codes.empty()) {
    codes.pop_back();
    out.clear();
    for (char32_t c : codes) {  // re-encode; every code point came from valid decoding or is U+FFFD
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6)), out += static_cast<char>(0x80 | (c & 0x3F));
      } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12)), out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
      } else {
        out += static_cast<char>(0xF0 | (c >> 18)), out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F)), out += static_cast<char>(0x80 | (c & 0x3F));
      }
    }
    out += "\u2026";
    if (text_width(out, scale) <= max_width) return out;
  }
  return "";
}

// The largest scale <= `wanted` at which every text fits its panel (at least 1).
int fitting_scale(int wanted, const std::vector<SideBySidePanel>& panels, int margin,
                  const std::function<std::vector<std::string>(const SideBySidePanel&)>& texts) {
  int scale = std::max(1, wanted);
  for (; scale > 1; --scale) {
    bool fits = true;
    for (const auto& p : panels)
      for (const auto& t : texts(p)) fits = fits && text_width(t, scale) <= p.video->width - 2 * margin;
    if (fits) break;
  }
  return scale;
}

void fill(Image& image, int x0, int y0, int w, int h, Rgb c) {
  for (int y = std::max(0, y0); y < std::min(image.height, y0 + h); ++y)
    for (int x = std::max(0, x0); x < std::min(image.width, x0 + w); ++x) {
      std::uint8_t* p = &image.rgb[(std::size_t(y) * image.width + x) * 3];
      p[0] = c.r, p[1] = c.g, p[2] = c.b;
    }
}

}  // namespace

std::string speed_caption(double dit_seconds, double speedup, double density) {
  std::vector<std::string> parts;
  if (dit_seconds >= 0) parts.push_back(fmt::format("DiT {:.1f} s", dit_seconds));
  if (speedup >= 0) parts.push_back(fmt::format("{:.1f}\u00D7", speedup));
  if (density >= 0) parts.push_back(fmt::format("density {:.0f}%", density * 100.0));
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " \u00B7 " : "") + parts[i];
  return out;
}

Video side_by_side(const std::vector<SideBySidePanel>& panels, const SideBySideOptions& options) {
  SVG2_CHECK(!panels.empty(), "side-by-side needs at least one video");
  SVG2_CHECK(options.gap >= 0 && options.gap <= 1000, "side-by-side gap {} is out of range [0, 1000]",
             options.gap);
  SVG2_CHECK(options.label_scale >= 0 && options.label_scale <= 64, "label scale {} is out of range [0, 64]",
             options.label_scale);
  SVG2_CHECK(options.caption_scale >= 0 && options.caption_scale <= 64,
             "caption scale {} is out of range [0, 64]", options.caption_scale);
  int frames = 0, height = 0, width = 0, min_height = 0;
  for (std::size_t i = 0; i < panels.size(); ++i) {
    SVG2_CHECK(panels[i].video != nullptr, "side-by-side panel {} has no video", i + 1);
    media::check_video(*panels[i].video, fmt::format("video of side-by-side panel {}", i + 1));
    const Video& v = *panels[i].video;
    frames = std::max(frames, v.frames);
    height = std::max(height, v.height);
    min_height = i == 0 ? v.height : std::min(min_height, v.height);
    width += v.width + (i ? options.gap : 0);
  }

  // Text sizes: labels about 6% of the panel height (7 rows x scale), 60% of that for captions.
  const int wanted_label =
      options.label_scale ? options.label_scale : std::max(1, int(std::lround(min_height / 120.0)));
  const int margin = std::max(4, 3 * wanted_label);
  const int label_scale =
      options.label_scale ? options.label_scale
                          : fitting_scale(wanted_label, panels, margin,
                                          [](const auto& p) { return std::vector<std::string>{p.label}; });
  const int wanted_caption =
      options.caption_scale ? options.caption_scale : std::max(1, int(std::lround(label_scale * 0.6)));
  const int caption_scale = options.caption_scale
                                ? options.caption_scale
                                : fitting_scale(wanted_caption, panels, margin,
                                                [](const auto& p) { return split_lines(p.caption); });
  bool any_label = false;
  std::size_t caption_lines = 0;
  for (const auto& p : panels) {
    any_label = any_label || !p.label.empty();
    caption_lines = std::max(caption_lines, split_lines(p.caption).size());
  }
  const int label_h = any_label ? text_height(label_scale) : 0;
  const int caption_line_h = 10 * caption_scale;  // glyph rows plus one row of spacing
  const int caption_gap = (any_label && caption_lines) ? 3 * caption_scale : 0;
  const int header = (any_label || caption_lines)
                         ? margin + label_h + caption_gap + int(caption_lines) * caption_line_h + margin
                         : 0;

  // The header strip, drawn once.
  Image strip{width, std::max(header, 1),
              std::vector<std::uint8_t>(std::size_t(width) * std::max(header, 1) * 3)};
  fill(strip, 0, 0, strip.width, strip.height, options.background);
  int x = 0;
  for (const auto& p : panels) {
    const int w = p.video->width;
    auto centred = [&](const std::string& text, int scale) { return x + (w - text_width(text, scale)) / 2; };
    if (!p.label.empty()) {
      const std::string label = fit_line(p.label, label_scale, w - 2 * margin);
      draw_text(strip, centred(label, label_scale), margin, label, label_scale, options.label_color);
    }
    int y = margin + label_h + caption_gap;
    for (const auto& raw : split_lines(p.caption)) {
      const std::string line = fit_line(raw, caption_scale, w - 2 * margin);
      draw_text(strip, centred(line, caption_scale), y, line, caption_scale, options.caption_color);
      y += caption_line_h;
    }
    x += w + options.gap;
  }

  Video out;
  out.frames = frames, out.width = width, out.height = header + height;
  out.fps = panels.front().video->fps > 0 ? panels.front().video->fps : 16.0;
  out.rgb.resize(out.frame_bytes() * frames);
  Image canvas{out.width, out.height, std::vector<std::uint8_t>(out.frame_bytes())};
  fill(canvas, 0, 0, canvas.width, canvas.height, options.background);
  if (header > 0) std::memcpy(canvas.rgb.data(), strip.rgb.data(), std::size_t(width) * header * 3);
  for (int f = 0; f < frames; ++f) {
    x = 0;
    for (const auto& p : panels) {
      const Video& v = *p.video;
      const std::uint8_t* src = v.frame(std::min(f, v.frames - 1));  // a shorter clip holds its last frame
      const int top = header + (height - v.height) / 2;
      for (int row = 0; row < v.height; ++row)
        std::memcpy(&canvas.rgb[(std::size_t(top + row) * out.width + x) * 3],
                    src + std::size_t(row) * v.width * 3, std::size_t(v.width) * 3);
      x += v.width + options.gap;
    }
    std::memcpy(out.frame(f), canvas.rgb.data(), out.frame_bytes());
  }
  return out;
}

}  // namespace svg2
