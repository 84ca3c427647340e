// svg2 export: a clip or render folder to MP4 (H.264/H.265), WebM, GIF or PNG frames, or two or
// more clips side by side as one labelled video with speed captions.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "cli/cli_context.h"
#include "svg2/error.h"
#include "svg2/media.h"

namespace svg2::cli {

namespace {

struct ExportCommand {
  std::string input, out, format, labels, captions = "auto";
  std::vector<std::string> side_by_side;
  double fps = 0;
  int from = 0, to = -1, quality = -1;
  bool diff = false;
};

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, sep);) out.push_back(item);
  if (!text.empty() && text.back() == sep) out.push_back("");
  return out;
}

std::string display_name(const std::string& path) {
  std::filesystem::path p(path);
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // "dir/" -> "dir"
  return p.has_stem() ? p.stem().string() : p.string();
}

std::string human_bytes(std::uint64_t bytes) {
  char b[32];
  if (bytes >= (1u << 20)) {
    std::snprintf(b, sizeof b, "%.1f MB", double(bytes) / (1 << 20));
  } else {
    std::snprintf(b, sizeof b, "%.1f KB", double(bytes) / 1024);
  }
  return b;
}

std::string fixed(double v, int digits) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

struct Panel {
  std::string path;
  Video video;
  ClipSummary summary;
};

Panel load(const std::string& path) {
  const ClipFiles files = find_clip_files(path);
  Panel p{path, read_video(files.video), read_clip_summary(files.sidecar)};
  if (p.summary.fps > 0) p.video.fps = p.summary.fps;  // the sidecar's rate is exact; GIF delays are not
  return p;
}

// Builds the side-by-side video; fills `inputs` with what was read for the JSON result.
Video compose(const ExportCommand& c, nlohmann::json& inputs) {
  if (c.side_by_side.size() < 2)
    throw Error("--side-by-side needs at least two clips (got " + std::to_string(c.side_by_side.size()) +
                ")");
  std::vector<Panel> panels;
  for (const auto& path : c.side_by_side) panels.push_back(load(path));
  const std::vector<std::string> labels =
      c.labels.empty() ? std::vector<std::string>{} : split(c.labels, ',');
  if (!labels.empty() && labels.size() != panels.size())
    throw Error("--labels names " + std::to_string(labels.size()) + " labels for " +
                std::to_string(panels.size()) + " clips (separate them with commas, e.g. \"Dense,SVG2\")");
  std::vector<std::string> captions(panels.size());
  if (c.captions == "auto") {
    // From the sidecars: DiT time, speedup over the first clip, density of sparse attention.
    const double base = panels.front().summary.dit_seconds;
    for (std::size_t i = 0; i < panels.size(); ++i) {
      const ClipSummary& s = panels[i].summary;
      const double speedup = (i > 0 && base > 0 && s.dit_seconds > 0) ? base / s.dit_seconds : -1;
      const double density = (s.attention != "dense" && s.density >= 0 && s.density < 1) ? s.density : -1;
      captions[i] = speed_caption(s.dit_seconds, speedup, density);
    }
  } else if (c.captions != "none" && !c.captions.empty()) {
    captions = split(c.captions, '|');
    if (captions.size() != panels.size())
      throw Error("--captions gives " + std::to_string(captions.size()) + " captions for " +
                  std::to_string(panels.size()) + " clips (separate them with '|', or use auto / none)");
  }
  std::vector<SideBySidePanel> layout;
  for (std::size_t i = 0; i < panels.size(); ++i) {
    const std::string label = labels.empty()
                                  ? attention_label(panels[i].summary.attention, display_name(panels[i].path))
                                  : labels[i];
    layout.push_back({&panels[i].video, label, captions[i]});
    inputs.push_back({{"path", panels[i].path},
                      {"frames", panels[i].video.frames},
                      {"width", panels[i].video.width},
                      {"height", panels[i].video.height},
                      {"label", label},
                      {"caption", captions[i]}});
  }
  Video heat;
  if (c.diff) {
    const QualityMetrics q = compare_videos(panels[0].video, panels[1].video);
    heat = difference_video(panels[0].video, panels[1].video);
    const std::string psnr = std::isinf(q.mean_psnr) ? "inf" : fixed(q.mean_psnr, 2);
    layout.push_back({&heat, "Difference", "PSNR " + psnr + " dB \u00B7 SSIM " + fixed(q.mean_ssim, 3)});
    inputs.push_back(
        {{"path", "difference"},
         {"mean_psnr", std::isinf(q.mean_psnr) ? nlohmann::json(nullptr) : nlohmann::json(q.mean_psnr)},
         {"mean_ssim", q.mean_ssim}});
  }
  return side_by_side(layout);
}

int run(const ExportCommand& c, const CliContext& ctx) {
  const bool single = !c.input.empty();
  if (single == !c.side_by_side.empty())
    throw Error(single ? "give either --input or --side-by-side, not both"
                       : "nothing to export: give --input <clip or render folder> or --side-by-side A B");
  if (single && (c.diff || !c.labels.empty() || c.captions != "auto"))
    throw Error("--labels, --captions and --diff apply only to --side-by-side");

  ExportOptions o;
  o.format = c.format.empty() ? video_format_for_path(c.out) : video_format_from_string(c.format);
  o.fps = c.fps;
  o.first_frame = c.from;
  o.last_frame = c.to;
  o.quality = c.quality;
  const bool show_progress = !ctx.json && !ctx.quiet && ::isatty(STDERR_FILENO);
  if (show_progress)
    o.progress = [](int done, int total) {
      std::fprintf(stderr, "\rexporting frame %d/%d", done, total);
      if (done == total) std::fprintf(stderr, "\n");
      return true;
    };

  nlohmann::json inputs = nlohmann::json::array();
  Video video;
  if (single) {
    Panel p = load(c.input);
    inputs.push_back({{"path", c.input},
                      {"frames", p.video.frames},
                      {"width", p.video.width},
                      {"height", p.video.height},
                      {"fps", p.video.fps}});
    video = std::move(p.video);
  } else {
    video = compose(c, inputs);
  }
  const ExportResult r = export_video(video, c.out, o);

  nlohmann::json j = {{"ok", true},         {"path", r.path},     {"format", to_string(r.format)},
                      {"codec", r.codec},   {"frames", r.frames}, {"width", r.width},
                      {"height", r.height}, {"fps", r.fps},       {"bytes", r.bytes},
                      {"padded", r.padded}, {"inputs", inputs}};
  std::string human = "wrote " + r.path + " (" + to_string(r.format) + ", " + r.codec + ", " +
                      std::to_string(r.frames) + " frames " + std::to_string(r.width) + "x" +
                      std::to_string(r.height) + " at " + fixed(r.fps, r.fps == std::floor(r.fps) ? 0 : 3) +
                      " fps, " + human_bytes(r.bytes) + ")" + (r.padded ? ", padded to even size" : "") +
                      "\n";
  print_result(ctx, j, human);
  return 0;
}

}  // namespace

void add_export_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("export",
                                 "Export a clip or render folder to MP4 (H.264/H.265), WebM (VP9), GIF or "
                                 "PNG frames, or clips side by side");
  auto c = std::make_shared<ExportCommand>();
  cmd->add_option("--input,-i", c->input,
                  "Clip file (mp4, webm, gif), render folder (clip.mp4 + clip.json) or PNG folder");
  cmd->add_option("--side-by-side", c->side_by_side, "Two or more clips or render folders, left to right")
      ->expected(2, 16);
  cmd->add_option("--out,-o", c->out, "Output file, or folder for PNG frames")->required();
  cmd->add_option(
      "--format,-f", c->format,
      "mp4 (H.264), h265 (H.265 in MP4), webm (VP9), gif, png (folder of frames); default from --out's "
      "extension");
  cmd->add_option("--fps", c->fps, "Frame rate (default: the clip's own, 16 for Wan)");
  cmd->add_option("--from", c->from, "First frame to export, 0-based (default 0)");
  cmd->add_option("--to", c->to, "Last frame to export, inclusive (default: the last)");
  cmd->add_option(
      "--quality,-q", c->quality,
      "CRF, lower = better: H.264/H.265 0-51 (default 18/23), VP9 0-63 (default 30); ignored for GIF/PNG");
  cmd->add_option("--labels", c->labels,
                  "Side-by-side labels, comma-separated (default: from the sidecars, e.g. Dense,SVG2)");
  cmd->add_option("--captions", c->captions,
                  "Side-by-side captions separated by '|', or auto (speed from the sidecars) or none")
      ->capture_default_str();
  cmd->add_flag("--diff", c->diff, "Side by side: add a difference heatmap of the first two clips");
  cmd->callback([&ctx, c] { ctx.action = [&ctx, c]() -> int { return run(*c, ctx); }; });
}

}  // namespace svg2::cli
