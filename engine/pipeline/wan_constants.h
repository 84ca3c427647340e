#pragma once
// Fixed numbers of Wan 2.1 that the pipeline needs besides the weights: the reference's default
// negative prompt, the VAE latent normalization and the latent→RGB preview projection.
#include <array>
#include <string_view>

namespace svg2::pipeline {

// Wan 2.1 T2V `sample_neg_prompt` (wan/configs/shared_config.py), byte-exact UTF-8 (403 bytes).
inline constexpr std::string_view kWanDefaultNegativePrompt =
    "色调艳丽，过曝，静态，细节模糊不清，字幕，风格，作品，画作，画面，静止，整体发灰，最差质量，低质量，JPEG"
    "压缩残留，丑陋的，残缺的，多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的，形态畸形的肢体，手"
    "指融合，静止不动的画面，杂乱的背景，三条腿，背景人很多，倒着走";

inline constexpr int kWanLatentChannels = 16;
inline constexpr int kWanTextLen = 512;
inline constexpr int kWanVaeStrideT = 4, kWanVaeStrideS = 8;  // VAE compression (time, space)
inline constexpr int kWanPatchT = 1, kWanPatchS = 2;          // DiT patch (time, space)
inline constexpr double kWanFps = 16.0;

// WanVAE.mean / WanVAE.std: the DiT works in (z - mean) / std.
inline constexpr std::array<float, 16> kWanLatentsMean = {
    -0.7571f, -0.7089f, -0.9113f, 0.1075f,  -0.1745f, 0.9653f,  -0.1517f, 1.5508f,
    0.4134f,  -0.0715f, 0.5517f,  -0.3632f, -0.1922f, -0.9497f, 0.2503f,  -0.2921f};
inline constexpr std::array<float, 16> kWanLatentsStd = {2.8184f, 1.4541f, 2.3275f, 2.6558f, 1.2196f, 1.7708f,
                                                         2.6052f, 2.0743f, 3.2687f, 2.1526f, 2.8652f, 1.5579f,
                                                         1.6382f, 1.1253f, 2.8251f, 1.9160f};

// Linear latent→RGB projection of normalized Wan 2.1 latents (the factors ComfyUI publishes for its
// Wan21 latent format): rgb = sum_c x0[c] * factors[c] + bias, in [-1, 1].
inline constexpr std::array<std::array<float, 3>, 16> kWanLatentRgbFactors = {{
    {-0.1299f, -0.1692f, 0.2932f},
    {0.0671f, 0.0406f, 0.0442f},
    {0.3568f, 0.2548f, 0.1747f},
    {0.0372f, 0.2344f, 0.1420f},
    {0.0313f, 0.0189f, -0.0328f},
    {0.0296f, -0.0956f, -0.0665f},
    {-0.3477f, -0.4059f, -0.2925f},
    {0.0166f, 0.1902f, 0.1975f},
    {-0.0412f, 0.0267f, -0.1364f},
    {-0.1293f, 0.0740f, 0.1636f},
    {0.0680f, 0.3019f, 0.1128f},
    {0.0032f, 0.0581f, 0.0639f},
    {-0.1251f, 0.0927f, 0.1699f},
    {0.0060f, -0.0633f, 0.0005f},
    {0.3477f, 0.2275f, 0.2950f},
    {0.1984f, 0.0913f, 0.1861f},
}};
inline constexpr std::array<float, 3> kWanLatentRgbBias = {-0.1835f, -0.0868f, -0.3360f};

}  // namespace svg2::pipeline
