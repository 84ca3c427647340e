#pragma once
// A model folder's VAE as a round trip for ground-truth clips: the scene rendered, encoded and
// decoded. `svg2 train eval --ceiling` scores it with the checker: what a perfect DiT could reach.
#include <memory>
#include <string>

#include "svg2/media.h"
#include "svg2/procedural.h"

namespace svg2::train {

class VaeRoundTrip {
 public:
  VaeRoundTrip(const std::string& model_dir, const std::string& device);
  ~VaeRoundTrip();
  VaeRoundTrip(const VaeRoundTrip&) = delete;
  VaeRoundTrip& operator=(const VaeRoundTrip&) = delete;

  struct Clips {
    Video truth;       // the scene as the procedural renderer draws it
    Video round_trip;  // the same clip after the VAE's encode and decode
  };
  Clips run(const procedural::Scene& scene, const procedural::ClipSize& size) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace svg2::train
