#pragma once
// A small deterministic random number generator (SplitMix64). Unlike <random>'s distributions,
// its values are the same on every compiler and platform, so a seed names the same clip
// everywhere.
#include <cstdint>

namespace svg2::train {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next_u64() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  float uniform(float lo, float hi) { return lo + static_cast<float>(uniform()) * (hi - lo); }
  // Uniform integer in [0, n).
  int below(int n) { return static_cast<int>(next_u64() % static_cast<std::uint64_t>(n)); }
  bool chance(double p) { return uniform() < p; }
  float sign() { return chance(0.5) ? 1.0f : -1.0f; }

 private:
  std::uint64_t state_;
};

// Mixes two values into a new seed (for independent streams per clip, per attempt, ...).
inline std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  Rng r(a ^ (b * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull));
  r.next_u64();
  return r.next_u64();
}

}  // namespace svg2::train
