#pragma once
// Automatic quality check of a clip against a procedural prompt: parse the prompt (colors,
// shapes, motion, background), then estimate from the pixels the dominant non-background object
// colors, each object's shape class and its centroid trajectory, and compare. Used to score the
// demo model's renders and to test the generator itself. Plain C++, no LibTorch.
#include <string>
#include <vector>

#include "svg2/procedural.h"
#include "svg2/video.h"

namespace svg2::procedural {

struct PromptObject {
  int color = 0;  // index into object_colors()
  Shape shape = Shape::Circle;
};

struct ParsedPrompt {
  std::vector<PromptObject> objects;  // 1 or 2
  Motion motion = Motion::Left;
  int background = 0;  // index into backgrounds()
};

// Throws svg2::Error naming the part it did not understand and listing the vocabulary.
ParsedPrompt parse_prompt(const std::string& prompt);

// What the checker saw for one expected object.
struct DetectedObject {
  int color = -1;              // index into object_colors(); -1 = none found
  double pixel_share = 0;      // share of foreground pixels with this color
  std::optional<Shape> shape;  // empty when undecided
  std::optional<Motion> motion;
  std::vector<float> cx, cy, area;  // per frame (pixels); area 0 = not seen in that frame
  double harmonic[7] = {0};         // mean radial-signature harmonics 0..6 (shape evidence)
  double rotation = 0;              // estimated rotation over the clip, radians
};

struct CheckResult {
  bool color_ok = false;   // the dominant non-background colors are the prompt's
  bool shape_ok = false;   // every object's shape class matches
  bool motion_ok = false;  // every object's motion class matches
  bool passed() const { return color_ok && shape_ok && motion_ok; }
  std::vector<DetectedObject> objects;  // in prompt order
  std::vector<int> dominant_colors;     // detected, most pixels first
  double foreground_share = 0;          // share of pixels that differ from the background
  std::string summary;                  // one line, for logs and reports
};

CheckResult check_clip(const Video& clip, const std::string& prompt);
CheckResult check_clip(const Video& clip, const ParsedPrompt& expected);

}  // namespace svg2::procedural
