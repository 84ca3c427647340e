#!/usr/bin/env python3
"""Reference outputs for the Wan VAE parity tests (tests/vae/test_vae_parity.cpp).

A tiny random diffusers AutoencoderKLWan (base_dim 16, z_dim 16, dim_mult [1,2,4,4], 2 res
blocks, temporal downsample [F,T,T]: Wan 2.1's layout at 1/6 the width) is saved in --out as
  vae_diffusers/             save_pretrained (diffusers names)
  vae_wan.safetensors        the same weights under Wan's original names
and reference.safetensors holds
  latents [1,16,4,6,10]      normalized latents (the DiT's space)
  decoded [1,3,13,48,80]     decode: AutoencoderKLWan.decode(latents * std + mean) (clamped)
  video   [1,3,13,48,80]     a smooth random video in [-1, 1]
  encoded [1,16,4,6,10]      encode: (posterior mean - mean) / std, Wan's normalization
  latents_long [2,16,21,2,3] / decoded_long [2,3,81,16,24]   Wan's 81-frame length, batch 2
  video_long [2,3,81,16,24] / encoded_long [2,16,21,2,3]
Non-square frames, 4 latent frames (13 video frames) so every cache path runs.
"""
import argparse
import os
import re

import torch
import torch.nn.functional as F
from diffusers import AutoencoderKLWan
from diffusers.loaders.single_file_utils import convert_wan_vae_to_diffusers
from safetensors.torch import save_file


def to_wan_name(k):
    """diffusers AutoencoderKLWan key -> Wan original key (wan-architecture.md 3.3)."""
    simple = {"quant_conv.": "conv1.", "post_quant_conv.": "conv2."}
    for a, b in simple.items():
        if k.startswith(a):
            return b + k[len(a):]
    for part in ("encoder", "decoder"):
        k = k.replace(f"{part}.conv_in.", f"{part}.conv1.")
        k = k.replace(f"{part}.norm_out.", f"{part}.head.0.")
        k = k.replace(f"{part}.conv_out.", f"{part}.head.2.")
        k = k.replace(f"{part}.mid_block.resnets.0.", f"{part}.middle.0.")
        k = k.replace(f"{part}.mid_block.attentions.0.", f"{part}.middle.1.")
        k = k.replace(f"{part}.mid_block.resnets.1.", f"{part}.middle.2.")
    k = k.replace("encoder.down_blocks.", "encoder.downsamples.")
    m = re.match(r"decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", k)
    if m:
        k = f"decoder.upsamples.{int(m.group(1)) * 4 + int(m.group(2))}.{m.group(3)}"
    m = re.match(r"decoder\.up_blocks\.(\d+)\.upsamplers\.0\.(.*)", k)
    if m:
        k = f"decoder.upsamples.{int(m.group(1)) * 4 + 3}.{m.group(2)}"
    for a, b in (("norm1.", "residual.0."), ("conv1.", "residual.2."), ("norm2.", "residual.3."),
                 ("conv2.", "residual.6."), ("conv_shortcut.", "shortcut.")):
        k = re.sub(r"((?:downsamples|upsamples|middle)\.\d+\.)" + re.escape(a), r"\g<1>" + b, k)
    return k


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)

    vae = AutoencoderKLWan(base_dim=16, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=2,
                           temperal_downsample=[False, True, True]).eval()
    with torch.no_grad():  # non-trivial RMS gammas so the norm scale is exercised
        for name, p in vae.named_parameters():
            if name.endswith("gamma"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
    vae.save_pretrained(os.path.join(args.out, "vae_diffusers"), safe_serialization=True)

    state = {k: v.contiguous() for k, v in vae.state_dict().items()}
    wan = {to_wan_name(k): v for k, v in state.items()}
    assert len(wan) == len(state)
    back = convert_wan_vae_to_diffusers(dict(wan))  # diffusers' own original->diffusers map
    assert set(back) == set(state), sorted(set(back) ^ set(state))[:10]
    save_file(wan, os.path.join(args.out, "vae_wan.safetensors"))

    mean = torch.tensor(vae.config.latents_mean).view(1, 16, 1, 1, 1)
    inv_std = 1.0 / torch.tensor(vae.config.latents_std).view(1, 16, 1, 1, 1)

    latents = torch.randn(1, 16, 4, 6, 10)
    video = F.interpolate(torch.rand(1, 3, 13, 12, 20) * 2 - 1, size=(13, 48, 80), mode="trilinear")
    with torch.no_grad():
        decoded = vae.decode(latents / inv_std + mean).sample
        mu = vae.encode(video).latent_dist.mode()
        encoded = (mu - mean) * inv_std
        # Wan's 81-frame clip length (21 latent frames), batch 2, small frames: the long causal
        # cache path (every cache slot reused many times) against diffusers.
        latents_long = torch.randn(2, 16, 21, 2, 3)
        decoded_long = vae.decode(latents_long / inv_std + mean).sample
        video_long = F.interpolate(torch.rand(2, 3, 81, 4, 6) * 2 - 1, size=(81, 16, 24), mode="trilinear")
        encoded_long = (vae.encode(video_long).latent_dist.mode() - mean) * inv_std
    save_file({"latents": latents, "decoded": decoded.contiguous(), "video": video.contiguous(),
               "encoded": encoded.contiguous(), "latents_long": latents_long,
               "decoded_long": decoded_long.contiguous(), "video_long": video_long.contiguous(),
               "encoded_long": encoded_long.contiguous()}, os.path.join(args.out, "reference.safetensors"))
    print(f"wan vae reference: decoded {tuple(decoded.shape)} range [{decoded.min():.3f}, {decoded.max():.3f}], "
          f"encoded {tuple(encoded.shape)}")


if __name__ == "__main__":
    main()
