// Procedural clips: determinism, vocabulary coverage, held-out split, ground truth, and the
// checker (passes every generator clip with its own prompt, fails wrong prompts).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include "svg2/clip_checker.h"
#include "svg2/error.h"
#include "svg2/procedural.h"

namespace p = svg2::procedural;

namespace {

const p::ClipSize kSize{33, 256, 256};

// Same content in prompt terms (what the checker can verify).
void expect_parse_matches(const p::Scene& s) {
  const p::ParsedPrompt parsed = p::parse_prompt(s.prompt);
  ASSERT_EQ(parsed.objects.size(), s.objects.size()) << s.prompt;
  for (std::size_t i = 0; i < s.objects.size(); ++i) {
    EXPECT_EQ(parsed.objects[i].color, s.objects[i].color) << s.prompt;
    EXPECT_EQ(parsed.objects[i].shape, s.objects[i].shape) << s.prompt;
  }
  EXPECT_EQ(parsed.motion, s.motion) << s.prompt;
  EXPECT_EQ(parsed.background, s.background) << s.prompt;
}

}  // namespace

TEST(Procedural, SameSeedGivesSameClip) {
  for (std::uint64_t seed : {1ull, 42ull, 9999ull}) {
    const p::Scene a = p::sample_scene(seed), b = p::sample_scene(seed);
    EXPECT_EQ(a.prompt, b.prompt);
    const svg2::Video va = p::render_clip(a, {9, 64, 64}), vb = p::render_clip(b, {9, 64, 64});
    EXPECT_EQ(va.rgb, vb.rgb);
  }
  std::set<std::string> prompts;
  for (std::uint64_t seed = 0; seed < 50; ++seed) prompts.insert(p::sample_scene(seed).prompt);
  EXPECT_GT(prompts.size(), 45u) << "different seeds should give different scenes";
}

TEST(Procedural, ScenesCoverTheVocabularyAndParseBack) {
  std::set<int> colors, backgrounds;
  std::set<p::Shape> shapes;
  std::set<p::Motion> motions;
  int two = 0;
  const int n = 3000;
  for (int seed = 0; seed < n; ++seed) {
    const p::Scene s = p::sample_scene(static_cast<std::uint64_t>(seed));
    ASSERT_TRUE(s.objects.size() == 1 || s.objects.size() == 2);
    two += s.objects.size() == 2;
    for (const auto& o : s.objects) {
      colors.insert(o.color);
      shapes.insert(o.shape);
      if (s.motion == p::Motion::Spinning)
        EXPECT_NE(o.shape, p::Shape::Circle) << "a spinning circle looks still";
    }
    if (s.objects.size() == 2) EXPECT_NE(s.objects[0].color, s.objects[1].color);
    motions.insert(s.motion);
    backgrounds.insert(s.background);
    expect_parse_matches(s);
  }
  EXPECT_EQ(colors.size(), p::object_colors().size());
  EXPECT_GE(p::object_colors().size(), 8u);
  EXPECT_EQ(shapes.size(), 4u);
  EXPECT_EQ(motions.size(), 12u);
  EXPECT_EQ(backgrounds.size(), p::backgrounds().size());
  EXPECT_NEAR(static_cast<double>(two) / n, 0.35, 0.05);
}

TEST(Procedural, TemplatesReadNaturally) {
  p::Scene s;
  s.seed = 3;  // the seed picks the "on" wording for this content
  s.motion = p::Motion::Left;
  s.background = 3;  // a blue background
  s.objects.push_back({});
  s.objects[0].color = 0;  // red
  s.objects[0].shape = p::Shape::Circle;
  const std::string text = p::make_prompt(s);
  EXPECT_TRUE(text == "a red circle moving left on a blue background" ||
              text == "a red circle moving left over a blue background")
      << text;
  const p::ParsedPrompt two =
      p::parse_prompt("A green star and a yellow square bouncing on a dark gradient.");
  ASSERT_EQ(two.objects.size(), 2u);
  EXPECT_EQ(p::object_colors()[static_cast<std::size_t>(two.objects[1].color)].name, "yellow");
  EXPECT_EQ(two.objects[1].shape, p::Shape::Square);
  EXPECT_EQ(two.motion, p::Motion::Bouncing);
  EXPECT_EQ(p::backgrounds()[static_cast<std::size_t>(two.background)].name, "a dark gradient");
  EXPECT_EQ(
      p::parse_prompt("a white triangle moving diagonally down and left over a striped background").motion,
      p::Motion::DownLeft);
}

TEST(Procedural, HeldOutSplitIsDisjoint) {
  std::set<std::string> train, held;
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    const p::Scene t = p::sample_scene(seed, {}, p::Split::Train);
    const p::Scene h = p::sample_scene(seed, {}, p::Split::HeldOut);
    train.insert(t.prompt);
    held.insert(h.prompt);
  }
  for (const auto& h : held) EXPECT_EQ(train.count(h), 0u) << h;
  EXPECT_GT(held.size(), 100u);
}

TEST(Procedural, GroundTruthMatchesRenderedPixels) {
  // A red square moving right on a black background: the red pixels' centroid is the track.
  p::Scene s;
  s.motion = p::Motion::Right;
  s.background = 0;
  p::ObjectSpec o;
  o.shape = p::Shape::Square;
  o.color = 0;
  o.radius = 0.1f;
  o.x0 = 0.25f;
  o.y0 = 0.5f;
  o.vx = 0.5f;
  s.objects.push_back(o);
  const p::ClipSize size{9, 128, 96};
  const svg2::Video v = p::render_clip(s, size);
  const p::GroundTruth gt = p::ground_truth(s, size);
  ASSERT_EQ(gt.objects.size(), 1u);
  ASSERT_EQ(gt.objects[0].frames.size(), 9u);
  for (int f = 0; f < size.frames; ++f) {
    double sum = 0, sx = 0, sy = 0;
    bool partial = false;
    for (int y = 0; y < size.height; ++y)
      for (int x = 0; x < size.width; ++x) {
        const std::uint8_t* px = v.frame(f) + (static_cast<std::size_t>(y) * size.width + x) * 3;
        const double w = (px[0] - 10.0) / (230.0 - 10.0);  // red channel: coverage
        if (w > 0.05 && w < 0.95) partial = true;
        if (w <= 0.01) continue;
        sum += w;
        sx += w * (x + 0.5);
        sy += w * (y + 0.5);
      }
    EXPECT_TRUE(partial) << "edges are anti-aliased";
    const auto& tp = gt.objects[0].frames[static_cast<std::size_t>(f)];
    EXPECT_NEAR(sx / sum, tp.cx, 0.3) << "frame " << f;
    EXPECT_NEAR(sy / sum, tp.cy, 0.3) << "frame " << f;
    // Square of circumradius r: area 2 r^2.
    EXPECT_NEAR(sum, 2 * tp.radius * tp.radius, 0.03 * sum) << "frame " << f;
  }
  EXPECT_NEAR(gt.objects[0].frames.back().cx - gt.objects[0].frames.front().cx, 0.5 * 128, 1e-3);
}

TEST(Procedural, ObjectsStayInsideTheFrame) {
  for (std::uint64_t seed = 0; seed < 500; ++seed) {
    const p::Scene s = p::sample_scene(seed);
    const p::GroundTruth gt = p::ground_truth(s, kSize);
    for (const auto& track : gt.objects)
      for (const auto& tp : track.frames) {
        EXPECT_GE(tp.cx - tp.radius, 0.0f) << s.prompt;
        EXPECT_LE(tp.cx + tp.radius, 256.0f) << s.prompt;
        EXPECT_GE(tp.cy - tp.radius, 0.0f) << s.prompt;
        EXPECT_LE(tp.cy + tp.radius, 256.0f) << s.prompt;
      }
  }
}

TEST(Procedural, InvalidInputIsNamed) {
  EXPECT_THROW(p::render_clip(p::sample_scene(1), {0, 64, 64}), svg2::Error);
  try {
    p::parse_prompt("a mauve circle moving left on a blue background");
    FAIL();
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("mauve"), std::string::npos) << e.what();
  }
  try {
    p::parse_prompt("a red circle moving left on a paisley background");
    FAIL();
  } catch (const svg2::Error& e) {
    EXPECT_NE(std::string(e.what()).find("paisley"), std::string::npos) << e.what();
  }
  EXPECT_THROW(p::parse_prompt("a red circle on a blue background"), svg2::Error);  // no motion
  EXPECT_THROW(p::parse_prompt(""), svg2::Error);
}

TEST(Checker, PassesEveryGeneratorClipWithItsOwnPrompt) {
  int failures = 0;
  for (std::uint64_t seed = 100; seed < 140; ++seed) {
    const p::Scene s = p::sample_scene(seed);
    const p::CheckResult r = p::check_clip(p::render_clip(s, kSize), s.prompt);
    if (!r.passed()) ++failures;
    EXPECT_TRUE(r.passed()) << s.prompt << "\n  " << r.summary;
  }
  EXPECT_EQ(failures, 0);
}

TEST(Checker, EveryMotionIsRecognized) {
  // Two scenes per motion, single objects, so each class is exercised regardless of sampling.
  for (p::Motion m : p::all_motions()) {
    int found = 0;
    for (std::uint64_t seed = 0; found < 2 && seed < 5000; ++seed) {
      const p::Scene s = p::sample_scene(seed);
      if (s.motion != m) continue;
      ++found;
      const p::CheckResult r = p::check_clip(p::render_clip(s, kSize), s.prompt);
      EXPECT_TRUE(r.passed()) << s.prompt << "\n  " << r.summary;
    }
    EXPECT_EQ(found, 2) << p::motion_name(m);
  }
}

TEST(Checker, FailsWrongPrompts) {
  int tested = 0;
  for (std::uint64_t seed = 200; seed < 230; ++seed) {
    const p::Scene s = p::sample_scene(seed);
    const svg2::Video clip = p::render_clip(s, kSize);
    p::ParsedPrompt truth = p::parse_prompt(s.prompt);

    p::ParsedPrompt wrong_color = truth;
    // Another palette color that is far from the true one and not in the scene.
    for (int c = 0; c < static_cast<int>(p::object_colors().size()); ++c) {
      bool used = false;
      for (const auto& o : truth.objects) used = used || o.color == c;
      const auto& a = p::object_colors()[static_cast<std::size_t>(c)].rgb;
      const auto& b = p::object_colors()[static_cast<std::size_t>(truth.objects[0].color)].rgb;
      if (!used && std::hypot(a.r - b.r, a.g - b.g, a.b - b.b) > 0.4) {
        wrong_color.objects[0].color = c;
        break;
      }
    }
    EXPECT_FALSE(p::check_clip(clip, wrong_color).color_ok) << s.prompt;

    p::ParsedPrompt wrong_shape = truth;
    wrong_shape.objects[0].shape =
        truth.objects[0].shape == p::Shape::Star ? p::Shape::Circle : p::Shape::Star;
    EXPECT_FALSE(p::check_clip(clip, wrong_shape).shape_ok) << s.prompt;

    p::ParsedPrompt wrong_motion = truth;
    wrong_motion.motion = truth.motion == p::Motion::Left ? p::Motion::Right : p::Motion::Left;
    EXPECT_FALSE(p::check_clip(clip, wrong_motion).motion_ok) << s.prompt;
    ++tested;
  }
  EXPECT_EQ(tested, 30);
}

TEST(Checker, EmptyClipFindsNoObject) {
  const p::Scene s = p::sample_scene(7);
  p::Scene empty = s;
  empty.objects.clear();
  const p::CheckResult r = p::check_clip(p::render_clip(empty, kSize), s.prompt);
  EXPECT_FALSE(r.color_ok);
  EXPECT_FALSE(r.passed());
  EXPECT_LT(r.foreground_share, 0.01);
}

namespace {

// `clip` with a square patch of `rgb` (0..255) in its top-left quarter, on background pixels only.
svg2::Video with_patch(const svg2::Video& clip, int background, std::array<int, 3> rgb) {
  const std::vector<float> bg = p::render_background(background, clip.width, clip.height);
  const std::size_t plane = static_cast<std::size_t>(clip.width) * clip.height;
  svg2::Video out = clip;
  for (int f = 0; f < clip.frames; ++f)
    for (int y = 8; y < 80; ++y)
      for (int x = 8; x < 80; ++x) {
        const std::size_t i = static_cast<std::size_t>(y) * clip.width + x;
        std::uint8_t* px = out.frame(f) + i * 3;
        bool is_background = true;
        for (int c = 0; c < 3; ++c)
          is_background = is_background && std::abs(px[c] / 255.0f - bg[c * plane + i]) < 0.05f;
        if (!is_background) continue;
        for (int c = 0; c < 3; ++c) px[c] = static_cast<std::uint8_t>(rgb[static_cast<std::size_t>(c)]);
      }
  return out;
}

}  // namespace

TEST(Checker, BackgroundShadesDoNotCountAsObjectColors) {
  // A dark smear on a black background is nearest to the palette's black, which the generator
  // never draws there: it must not outvote the object's color. A smear of a color that can be an
  // object there still does.
  int black = -1, tested = 0;
  for (int b = 0; b < static_cast<int>(p::backgrounds().size()); ++b)
    if (p::backgrounds()[static_cast<std::size_t>(b)].name == "a black background") black = b;
  ASSERT_GE(black, 0);
  for (std::uint64_t seed = 0; seed < 20000 && tested < 3; ++seed) {
    const p::Scene s = p::sample_scene(seed);
    if (s.background != black || s.objects.size() != 1) continue;
    const int object_color = s.objects[0].color;
    ASSERT_TRUE(p::color_fits_background(object_color, black)) << s.prompt;
    int other = -1;  // a color that can be an object on black, far from this one
    for (int c = 0; c < static_cast<int>(p::object_colors().size()) && other < 0; ++c) {
      const auto& a = p::object_colors()[static_cast<std::size_t>(c)].rgb;
      const auto& o = p::object_colors()[static_cast<std::size_t>(object_color)].rgb;
      if (p::color_fits_background(c, black) && std::hypot(a.r - o.r, a.g - o.g, a.b - o.b) > 0.6) other = c;
    }
    ASSERT_GE(other, 0) << s.prompt;
    const svg2::Video clip = p::render_clip(s, kSize);

    const p::CheckResult smeared = p::check_clip(with_patch(clip, black, {51, 51, 51}), s.prompt);
    EXPECT_TRUE(smeared.color_ok) << s.prompt << "\n  " << smeared.summary;
    EXPECT_GT(smeared.foreground_share, p::check_clip(clip, s.prompt).foreground_share) << s.prompt;

    const auto& o = p::object_colors()[static_cast<std::size_t>(other)].rgb;
    const p::CheckResult painted = p::check_clip(
        with_patch(clip, black,
                   {static_cast<int>(o.r * 255), static_cast<int>(o.g * 255), static_cast<int>(o.b * 255)}),
        s.prompt);
    EXPECT_FALSE(painted.color_ok) << s.prompt << "\n  " << painted.summary;
    ++tested;
  }
  EXPECT_EQ(tested, 3);
}

namespace {

// What a small video model's output looks like next to the generator's: soft edges, slightly
// off colors, a little noise.
svg2::Video degrade(const svg2::Video& v, std::uint64_t seed) {
  const int w = v.width, h = v.height, r = 2;
  std::vector<int> tmp(v.rgb.size());
  // Separable 5x5 box blur: rows, then columns.
  for (int f = 0; f < v.frames; ++f)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) {
          int sum = 0;
          for (int d = -r; d <= r; ++d)
            sum += v.frame(f)[(static_cast<std::size_t>(y) * w + std::clamp(x + d, 0, w - 1)) * 3 + c];
          tmp[v.frame_bytes() * f + (static_cast<std::size_t>(y) * w + x) * 3 + c] = sum;
        }
  svg2::Video out = v;
  std::uint64_t state = seed * 2654435761u + 1;
  for (int f = 0; f < v.frames; ++f)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int c = 0; c < 3; ++c) {
          int sum = 0;
          for (int d = -r; d <= r; ++d)
            sum += tmp[v.frame_bytes() * f +
                       (static_cast<std::size_t>(std::clamp(y + d, 0, h - 1)) * w + x) * 3 + c];
          state = state * 6364136223846793005ull + 1442695040888963407ull;
          const int noise = static_cast<int>((state >> 33) % 13) - 6;
          const int tint = c == 0 ? 8 : -5;
          out.frame(f)[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
              static_cast<std::uint8_t>(std::clamp(sum / 25 + noise + tint, 0, 255));
        }
  return out;
}

}  // namespace

TEST(Checker, ToleratesBlurTintAndNoise) {
  int failures = 0;
  for (std::uint64_t seed = 300; seed < 320; ++seed) {
    const p::Scene s = p::sample_scene(seed);
    const p::CheckResult r = p::check_clip(degrade(p::render_clip(s, kSize), seed), s.prompt);
    failures += !r.passed();
    EXPECT_TRUE(r.passed()) << s.prompt << "\n  " << r.summary;
  }
  EXPECT_EQ(failures, 0);
}
