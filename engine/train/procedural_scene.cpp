// Procedural scenes: vocabulary, random scene sampling, prompt templates, poses over time and
// ground-truth tracks.
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "core/check.h"
#include "svg2/procedural.h"
#include "train/rng.h"

namespace svg2::procedural {
namespace {

using train::Rng;
constexpr float kPi = std::numbers::pi_v<float>;

// Objects closer than this (RGB distance in [0,1] units) to any background color are not
// placed on that background, so the object always stands out and the checker can see it.
constexpr float kMinObjectBackgroundDistance = 0.42f;
// Two objects of one scene differ at least this much, so they can be told apart.
constexpr float kMinObjectObjectDistance = 0.40f;

float distance(const Rgb& a, const Rgb& b) {
  const float dr = a.r - b.r, dg = a.g - b.g, db = a.b - b.b;
  return std::sqrt(dr * dr + dg * dg + db * db);
}

Rgb mix(const Rgb& a, const Rgb& b, float t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 0x100000001b3ull;
  }
  return h;
}

// The template-independent description of a scene's content; held-out prompts are chosen on it
// so every wording of a held-out scene is held out together.
std::string canonical_prompt(const Scene& scene) {
  std::string s;
  for (std::size_t i = 0; i < scene.objects.size(); ++i) {
    const ObjectSpec& o = scene.objects[i];
    s += (i ? " and a " : "a ") + object_colors()[static_cast<std::size_t>(o.color)].name + " " +
         shape_name(o.shape);
  }
  return s + " " + motion_phrase(scene.motion) + " on " +
         backgrounds()[static_cast<std::size_t>(scene.background)].name;
}

// Margin that keeps an object of normalized circumradius r fully inside the frame.
float margin_for(float r) {
  return r + 0.03f;
}

void place_object(ObjectSpec& o, Motion motion, Rng& rng) {
  switch (motion) {
    case Motion::Left:
    case Motion::Right:
    case Motion::Up:
    case Motion::Down:
    case Motion::UpLeft:
    case Motion::UpRight:
    case Motion::DownLeft:
    case Motion::DownRight: {
      float dx = 0, dy = 0;
      if (motion == Motion::Left || motion == Motion::UpLeft || motion == Motion::DownLeft) dx = -1;
      if (motion == Motion::Right || motion == Motion::UpRight || motion == Motion::DownRight) dx = 1;
      if (motion == Motion::Up || motion == Motion::UpLeft || motion == Motion::UpRight) dy = -1;
      if (motion == Motion::Down || motion == Motion::DownLeft || motion == Motion::DownRight) dy = 1;
      const float norm = std::sqrt(dx * dx + dy * dy);
      const float m = margin_for(o.radius);
      const float room = 1 - 2 * m;  // how far an object can travel along one axis
      const float length = rng.uniform(0.35f, 0.6f) * (norm > 1 ? 1.15f : 1.0f);
      o.vx = std::clamp(dx / norm * length, -room, room);
      o.vy = std::clamp(dy / norm * length, -room, room);
      o.x0 = rng.uniform(m + std::max(0.0f, -o.vx), 1 - m - std::max(0.0f, o.vx));
      o.y0 = rng.uniform(m + std::max(0.0f, -o.vy), 1 - m - std::max(0.0f, o.vy));
      break;
    }
    case Motion::Bouncing: {
      const float m = margin_for(o.radius);
      o.vx = rng.uniform(-0.15f, 0.15f);
      o.x0 = rng.uniform(m + std::max(0.0f, -o.vx), 1 - m - std::max(0.0f, o.vx));
      o.y0 = 1 - m;  // the floor
      o.bounce_height = std::min(rng.uniform(0.3f, 0.5f), 1 - 2 * m);
      o.bounce_count = rng.uniform(1.5f, 2.5f);
      o.bounce_phase = rng.uniform(0.0f, 0.3f);
      break;
    }
    case Motion::Orbiting: {
      const float m = margin_for(o.radius);
      o.orbit_cx = 0.5f + rng.uniform(-0.05f, 0.05f);
      o.orbit_cy = 0.5f + rng.uniform(-0.05f, 0.05f);
      o.orbit_radius = std::min(rng.uniform(0.2f, 0.3f), 0.45f - m);
      o.orbit_phase = rng.uniform(0.0f, 1.0f);
      o.orbit_turns = rng.sign() * rng.uniform(0.75f, 1.1f);
      break;
    }
    case Motion::Growing: {
      o.growth = rng.uniform(1.8f, 2.4f);
      const float m = margin_for(o.radius * o.growth);
      o.x0 = rng.uniform(m, 1 - m);
      o.y0 = rng.uniform(m, 1 - m);
      break;
    }
    case Motion::Spinning: {
      const float m = margin_for(o.radius);
      o.x0 = rng.uniform(m, 1 - m);
      o.y0 = rng.uniform(m, 1 - m);
      o.spin = rng.sign() * rng.uniform(0.6f, 1.2f) * kPi;
      break;
    }
  }
}

bool objects_overlap(const Scene& scene) {
  if (scene.objects.size() < 2) return false;
  for (int i = 0; i <= 16; ++i) {
    const float t = static_cast<float>(i) / 16.0f;
    const ObjectPose a = pose_at(scene.objects[0], scene.motion, t);
    const ObjectPose b = pose_at(scene.objects[1], scene.motion, t);
    if (std::hypot(a.x - b.x, a.y - b.y) < a.radius + b.radius + 0.04f) return true;
  }
  return false;
}

// One attempt at a scene; false when the random draw did not fit (objects overlap).
bool draw_scene(Scene& scene, Rng& rng, int count) {
  scene.motion = all_motions()[static_cast<std::size_t>(rng.below(static_cast<int>(all_motions().size())))];
  scene.background = rng.below(static_cast<int>(backgrounds().size()));
  scene.objects.assign(static_cast<std::size_t>(count), ObjectSpec{});
  const int num_colors = static_cast<int>(object_colors().size());
  for (int i = 0; i < count; ++i) {
    ObjectSpec& o = scene.objects[static_cast<std::size_t>(i)];
    // Spinning circles look still: spinning scenes use the other shapes.
    const bool spinning = scene.motion == Motion::Spinning;
    o.shape = spinning ? all_shapes()[static_cast<std::size_t>(1 + rng.below(3))]
                       : all_shapes()[static_cast<std::size_t>(rng.below(4))];
    std::vector<int> allowed;
    for (int c = 0; c < num_colors; ++c) {
      if (!color_fits_background(c, scene.background)) continue;
      if (i == 1 && distance(object_colors()[static_cast<std::size_t>(c)].rgb,
                             object_colors()[static_cast<std::size_t>(scene.objects[0].color)].rgb) <
                        kMinObjectObjectDistance)
        continue;
      allowed.push_back(c);
    }
    if (allowed.empty()) return false;
    o.color = allowed[static_cast<std::size_t>(rng.below(static_cast<int>(allowed.size())))];
    if (scene.motion == Motion::Growing) {
      o.radius = count == 1 ? rng.uniform(0.05f, 0.07f) : rng.uniform(0.045f, 0.06f);
    } else {
      o.radius = count == 1 ? rng.uniform(0.08f, 0.13f) : rng.uniform(0.07f, 0.10f);
    }
    place_object(o, scene.motion, rng);
  }
  if (count == 2 && scene.motion == Motion::Orbiting) {
    // Two objects share one orbit on opposite sides.
    ObjectSpec& b = scene.objects[1];
    const ObjectSpec& a = scene.objects[0];
    b.orbit_cx = a.orbit_cx;
    b.orbit_cy = a.orbit_cy;
    b.orbit_radius = a.orbit_radius;
    b.orbit_turns = a.orbit_turns;
    b.orbit_phase = a.orbit_phase + 0.5f;
  }
  return !objects_overlap(scene);
}

}  // namespace

bool color_fits_background(int color, int background) {
  const Rgb& c = object_colors().at(static_cast<std::size_t>(color)).rgb;
  const BackgroundStyle& bg = backgrounds().at(static_cast<std::size_t>(background));
  float d = std::min(distance(c, bg.first), distance(c, bg.second));
  if (bg.kind == BackgroundKind::Gradient) d = std::min(d, distance(c, mix(bg.first, bg.second, 0.5f)));
  return d >= kMinObjectBackgroundDistance;
}

const std::vector<NamedColor>& object_colors() {
  static const std::vector<NamedColor> colors = {
      {"red", {0.90f, 0.16f, 0.16f}},    {"orange", {0.96f, 0.55f, 0.10f}}, {"yellow", {0.96f, 0.88f, 0.16f}},
      {"green", {0.16f, 0.72f, 0.24f}},  {"cyan", {0.16f, 0.85f, 0.90f}},   {"blue", {0.16f, 0.35f, 0.92f}},
      {"purple", {0.58f, 0.24f, 0.82f}}, {"pink", {0.98f, 0.50f, 0.78f}},   {"white", {0.96f, 0.96f, 0.96f}},
      {"black", {0.06f, 0.06f, 0.06f}},
  };
  return colors;
}

const std::vector<BackgroundStyle>& backgrounds() {
  using K = BackgroundKind;
  static const std::vector<BackgroundStyle> styles = {
      {"a black background", K::Plain, {0.04f, 0.04f, 0.05f}, {0.04f, 0.04f, 0.05f}},
      {"a white background", K::Plain, {0.95f, 0.95f, 0.95f}, {0.95f, 0.95f, 0.95f}},
      {"a gray background", K::Plain, {0.50f, 0.50f, 0.50f}, {0.50f, 0.50f, 0.50f}},
      {"a blue background", K::Plain, {0.12f, 0.22f, 0.55f}, {0.12f, 0.22f, 0.55f}},
      {"a green background", K::Plain, {0.12f, 0.40f, 0.18f}, {0.12f, 0.40f, 0.18f}},
      {"a purple background", K::Plain, {0.32f, 0.16f, 0.42f}, {0.32f, 0.16f, 0.42f}},
      {"a dark gradient", K::Gradient, {0.03f, 0.03f, 0.06f}, {0.20f, 0.20f, 0.28f}},
      {"a light gradient", K::Gradient, {0.98f, 0.98f, 0.98f}, {0.75f, 0.75f, 0.80f}},
      {"a blue gradient", K::Gradient, {0.05f, 0.12f, 0.35f}, {0.30f, 0.50f, 0.80f}},
      {"a purple gradient", K::Gradient, {0.20f, 0.06f, 0.28f}, {0.55f, 0.30f, 0.62f}},
      {"a checkered background", K::Checkered, {0.38f, 0.38f, 0.40f}, {0.52f, 0.52f, 0.55f}},
      {"a striped background", K::Striped, {0.10f, 0.24f, 0.28f}, {0.20f, 0.38f, 0.42f}},
      {"a dotted background", K::Dotted, {0.10f, 0.08f, 0.18f}, {0.30f, 0.26f, 0.42f}},
  };
  return styles;
}

const std::vector<Shape>& all_shapes() {
  static const std::vector<Shape> shapes = {Shape::Circle, Shape::Square, Shape::Triangle, Shape::Star};
  return shapes;
}

const std::vector<Motion>& all_motions() {
  static const std::vector<Motion> motions = {
      Motion::Left,     Motion::Right,    Motion::Up,       Motion::Down,
      Motion::UpLeft,   Motion::UpRight,  Motion::DownLeft, Motion::DownRight,
      Motion::Bouncing, Motion::Orbiting, Motion::Growing,  Motion::Spinning,
  };
  return motions;
}

std::string shape_name(Shape shape) {
  switch (shape) {
    case Shape::Circle:
      return "circle";
    case Shape::Square:
      return "square";
    case Shape::Triangle:
      return "triangle";
    case Shape::Star:
      return "star";
  }
  return "?";
}

std::string motion_phrase(Motion motion) {
  switch (motion) {
    case Motion::Left:
      return "moving left";
    case Motion::Right:
      return "moving right";
    case Motion::Up:
      return "moving up";
    case Motion::Down:
      return "moving down";
    case Motion::UpLeft:
      return "moving diagonally up and left";
    case Motion::UpRight:
      return "moving diagonally up and right";
    case Motion::DownLeft:
      return "moving diagonally down and left";
    case Motion::DownRight:
      return "moving diagonally down and right";
    case Motion::Bouncing:
      return "bouncing";
    case Motion::Orbiting:
      return "orbiting";
    case Motion::Growing:
      return "growing";
    case Motion::Spinning:
      return "spinning";
  }
  return "?";
}

std::string motion_name(Motion motion) {
  switch (motion) {
    case Motion::Left:
      return "left";
    case Motion::Right:
      return "right";
    case Motion::Up:
      return "up";
    case Motion::Down:
      return "down";
    case Motion::UpLeft:
      return "up-left";
    case Motion::UpRight:
      return "up-right";
    case Motion::DownLeft:
      return "down-left";
    case Motion::DownRight:
      return "down-right";
    case Motion::Bouncing:
      return "bouncing";
    case Motion::Orbiting:
      return "orbiting";
    case Motion::Growing:
      return "growing";
    case Motion::Spinning:
      return "spinning";
  }
  return "?";
}

bool is_linear(Motion motion) {
  return motion != Motion::Bouncing && motion != Motion::Orbiting && motion != Motion::Growing &&
         motion != Motion::Spinning;
}

bool is_held_out(const std::string& prompt_or_canonical, const SceneOptions& options) {
  if (options.held_out_modulus <= 1) return false;
  return fnv1a(prompt_or_canonical) % static_cast<std::uint64_t>(options.held_out_modulus) == 0;
}

std::string make_prompt(const Scene& scene) {
  // Two wordings; which one is a function of the seed, so the text is reproducible.
  std::string text = canonical_prompt(scene);
  if (train::mix_seed(scene.seed, 0x7e3a) % 3 == 0) {
    const std::size_t at = text.rfind(" on a ");
    if (at != std::string::npos) text.replace(at, 4, " over ");
  }
  return text;
}

Scene sample_scene(std::uint64_t seed, const SceneOptions& options, Split split) {
  SVG2_CHECK(options.two_object_fraction >= 0 && options.two_object_fraction <= 1,
             "two_object_fraction must be in [0, 1], got {}", options.two_object_fraction);
  Scene scene;
  scene.seed = seed;
  // The object count is drawn once per seed, so retries (overlaps, held-out prompts) keep the
  // requested share of two-object scenes.
  const int count = Rng(train::mix_seed(seed, 0xc0417ull)).chance(options.two_object_fraction) ? 2 : 1;
  for (std::uint64_t attempt = 0; attempt < 10000; ++attempt) {
    Rng rng(train::mix_seed(seed, attempt));
    if (!draw_scene(scene, rng, count)) continue;
    if (split != Split::Any) {
      const bool held = is_held_out(canonical_prompt(scene), options);
      if (held != (split == Split::HeldOut)) continue;
    }
    scene.prompt = make_prompt(scene);
    return scene;
  }
  fail("sample_scene: no scene found for seed {} (held_out_modulus {})", seed, options.held_out_modulus);
}

ObjectPose pose_at(const ObjectSpec& o, Motion motion, float t) {
  ObjectPose p{o.x0, o.y0, o.radius, 0.0f};
  switch (motion) {
    case Motion::Bouncing:
      p.x = o.x0 + o.vx * t;
      p.y = o.y0 - o.bounce_height * std::fabs(std::sin(kPi * (o.bounce_count * t + o.bounce_phase)));
      break;
    case Motion::Orbiting: {
      const float a = 2 * kPi * (o.orbit_phase + o.orbit_turns * t);
      p.x = o.orbit_cx + o.orbit_radius * std::cos(a);
      p.y = o.orbit_cy + o.orbit_radius * std::sin(a);
      break;
    }
    case Motion::Growing:
      p.radius = o.radius * (1 + (o.growth - 1) * t);
      break;
    case Motion::Spinning:
      p.angle = o.spin * t;
      break;
    default:
      p.x = o.x0 + o.vx * t;
      p.y = o.y0 + o.vy * t;
      break;
  }
  return p;
}

GroundTruth ground_truth(const Scene& scene, const ClipSize& size) {
  SVG2_CHECK(size.frames >= 1 && size.width >= 8 && size.height >= 8,
             "clip size must be at least 1 frame of 8x8 pixels, got {} frames of {}x{}", size.frames,
             size.width, size.height);
  GroundTruth truth;
  truth.motion = scene.motion;
  truth.background = scene.background;
  const float scale = static_cast<float>(std::min(size.width, size.height));
  for (const ObjectSpec& o : scene.objects) {
    ObjectTrack track;
    track.shape = o.shape;
    track.color = o.color;
    for (int f = 0; f < size.frames; ++f) {
      const float t = size.frames > 1 ? static_cast<float>(f) / static_cast<float>(size.frames - 1) : 0.0f;
      const ObjectPose p = pose_at(o, scene.motion, t);
      track.frames.push_back({p.x * static_cast<float>(size.width), p.y * static_cast<float>(size.height),
                              p.radius * scale, p.angle});
    }
    truth.objects.push_back(std::move(track));
  }
  return truth;
}

}  // namespace svg2::procedural
