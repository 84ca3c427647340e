#pragma once
// Shared by the VAE parity and `svg2 inspect vae` tests: the reference folder written by
// wan_vae_reference.py (diffusers' AutoencoderKLWan on a tiny random VAE), made once per helper
// version and cached in the build folder.
#include <stdexcept>

#include "common/tensor_compare.h"
#include "text/parity_support.h"

namespace svg2::test {

// vae_wan.safetensors (Wan-named weights), reference.safetensors (latents, decoded, video,
// encoded, ...) and the diffusers save_pretrained folder. Throws when the helper failed.
inline const fs::path& vae_reference_dir() {
  static const fs::path dir = [] {
    auto d = cached_reference("vae/wan_vae_reference.py");
    if (d.empty()) throw std::runtime_error("VAE reference helper failed");
    return d;
  }();
  return dir;
}

}  // namespace svg2::test
