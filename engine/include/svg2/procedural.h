#pragma once
// Procedural training clips for the bundled demo model: one or two colored shapes moving over a
// named background, the prompt that describes them (from templates) and the ground truth
// (per-frame object tracks). Everything is deterministic for a given seed. Plain C++, no
// LibTorch, so the CLI, the UI and tests can use it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "svg2/video.h"

namespace svg2::procedural {

enum class Shape { Circle, Square, Triangle, Star };

enum class Motion {
  Left,
  Right,
  Up,
  Down,
  UpLeft,
  UpRight,
  DownLeft,
  DownRight,
  Bouncing,
  Orbiting,
  Growing,
  Spinning,
};

struct Rgb {
  float r = 0, g = 0, b = 0;  // [0, 1]
};

struct NamedColor {
  std::string name;
  Rgb rgb;
};

enum class BackgroundKind { Plain, Gradient, Checkered, Striped, Dotted };

struct BackgroundStyle {
  std::string name;  // as in prompts, e.g. "a blue background", "a dark gradient"
  BackgroundKind kind = BackgroundKind::Plain;
  Rgb first, second;  // plain: first; gradient: top -> bottom; textures: base, pattern
};

// The vocabulary. Indices into these tables identify colors and backgrounds.
const std::vector<NamedColor>& object_colors();
const std::vector<BackgroundStyle>& backgrounds();
const std::vector<Shape>& all_shapes();
const std::vector<Motion>& all_motions();
std::string shape_name(Shape shape);       // "circle", ...
std::string motion_phrase(Motion motion);  // "moving left", "bouncing", ...
std::string motion_name(Motion motion);    // "left", "up-right", "bouncing", ...
bool is_linear(Motion motion);
// False when `color` is too close to one of `background`'s colors: the generator never draws it
// there, so on that background it can only be the background itself (or a smear of it).
bool color_fits_background(int color, int background);

// One object of a scene. Positions and sizes are normalized: x in [0,1] across the width,
// y in [0,1] down the height, sizes as a fraction of min(width, height); time t in [0,1] runs
// over the whole clip.
struct ObjectSpec {
  Shape shape = Shape::Circle;
  int color = 0;        // index into object_colors()
  float radius = 0.1f;  // circumradius at t = 0
  float x0 = 0.5f, y0 = 0.5f;
  // Motion parameters (which ones apply depends on the scene's motion).
  float vx = 0, vy = 0;     // linear: displacement over the clip; bouncing: vx drift
  float bounce_height = 0;  // bouncing: apex height above the floor
  float bounce_count = 0;   // bouncing: hops over the clip
  float bounce_phase = 0;   // bouncing: phase of the first hop, in hops
  float orbit_cx = 0.5f, orbit_cy = 0.5f, orbit_radius = 0, orbit_phase = 0, orbit_turns = 0;
  float growth = 1;  // growing: final radius / start radius
  float spin = 0;    // spinning: rotation over the clip, radians (sign = direction)
};

struct Scene {
  std::uint64_t seed = 0;
  Motion motion = Motion::Left;     // shared by every object
  int background = 0;               // index into backgrounds()
  std::vector<ObjectSpec> objects;  // 1 or 2
  std::string prompt;
};

struct SceneOptions {
  double two_object_fraction = 0.35;  // share of scenes with two objects
  // Held-out prompts: a prompt whose hash falls into the held-out bucket is never produced by
  // sample_scene(split = Train) and always by split = HeldOut. About 1 in held_out_modulus.
  int held_out_modulus = 40;
};

enum class Split { Train, HeldOut, Any };

// A random scene; the same (seed, options, split) always gives the same scene.
Scene sample_scene(std::uint64_t seed, const SceneOptions& options = {}, Split split = Split::Any);
bool is_held_out(const std::string& prompt, const SceneOptions& options = {});

// The prompt text for a scene's content (templates; deterministic from the content and seed).
std::string make_prompt(const Scene& scene);

// Where an object is at normalized time t: center (normalized), circumradius (normalized),
// rotation (radians).
struct ObjectPose {
  float x = 0, y = 0, radius = 0, angle = 0;
};
ObjectPose pose_at(const ObjectSpec& object, Motion motion, float t);

// Ground truth for a rendered clip, in pixels.
struct TrackPoint {
  float cx = 0, cy = 0;  // centroid, pixels (x right, y down; pixel centers at +0.5)
  float radius = 0;      // circumradius, pixels
  float angle = 0;       // rotation, radians
};
struct ObjectTrack {
  Shape shape = Shape::Circle;
  int color = 0;
  std::vector<TrackPoint> frames;
};
struct GroundTruth {
  Motion motion = Motion::Left;
  int background = 0;
  std::vector<ObjectTrack> objects;
};

struct ClipSize {
  int frames = 33;
  int width = 256;
  int height = 256;
};

GroundTruth ground_truth(const Scene& scene, const ClipSize& size);

// Anti-aliased 8-bit render (svg2::Video at 16 fps). Throws svg2::Error on invalid sizes.
Video render_clip(const Scene& scene, const ClipSize& size);
// The background alone: one frame, planar [3][height][width] floats in [0,1] (the checker compares to it).
std::vector<float> render_background(int background, int width, int height);

}  // namespace svg2::procedural
