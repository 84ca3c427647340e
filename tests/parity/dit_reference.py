"""Reference side of the Wan DiT parity tests: a tiny random WanTransformer3DModel (diffusers).

Writes into --out:
  diffusers/diffusion_pytorch_model.safetensors + config.json   (diffusers key names)
  original/diffusion_pytorch_model.safetensors + config.json    (original Wan key names, converted here)
  forward_<case>.safetensors: inputs (latents, timesteps, context trimmed to its real rows) and the
    reference velocity, for each case given with --case NAME:B:F:H:W:T1,T2,...:ROWS1,ROWS2,...

The model keeps head_dim 128 (so the RoPE split is Wan's 44/42/42) and perturbs every norm weight
and bias, so nothing is trivially 1 or 0.
"""
import argparse
import json
import os
import re

import torch
from diffusers import WanTransformer3DModel
from safetensors.torch import save_file


def build_model(seed, heads, layers, ffn, text_dim):
    torch.manual_seed(seed)
    model = WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=heads,
        attention_head_dim=128,
        in_channels=16,
        out_channels=16,
        text_dim=text_dim,
        freq_dim=256,
        ffn_dim=ffn,
        num_layers=layers,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        eps=1e-6,
    ).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.add_(0.2 * torch.randn_like(p))
            elif name.endswith(".bias"):
                p.add_(0.05 * torch.randn_like(p))
    return model


# diffusers -> original Wan names (the checkpoint trap: diffusers' norm2 is the original norm3).
_RULES = [
    (r"^condition_embedder\.text_embedder\.linear_1\.", "text_embedding.0."),
    (r"^condition_embedder\.text_embedder\.linear_2\.", "text_embedding.2."),
    (r"^condition_embedder\.time_embedder\.linear_1\.", "time_embedding.0."),
    (r"^condition_embedder\.time_embedder\.linear_2\.", "time_embedding.2."),
    (r"^condition_embedder\.time_proj\.", "time_projection.1."),
    (r"^scale_shift_table$", "head.modulation"),
    (r"^proj_out\.", "head.head."),
    (r"^blocks\.(\d+)\.attn1\.to_out\.0\.", r"blocks.\1.self_attn.o."),
    (r"^blocks\.(\d+)\.attn1\.to_([qkv])\.", r"blocks.\1.self_attn.\2."),
    (r"^blocks\.(\d+)\.attn1\.norm_([qk])\.", r"blocks.\1.self_attn.norm_\2."),
    (r"^blocks\.(\d+)\.attn2\.to_out\.0\.", r"blocks.\1.cross_attn.o."),
    (r"^blocks\.(\d+)\.attn2\.to_([qkv])\.", r"blocks.\1.cross_attn.\2."),
    (r"^blocks\.(\d+)\.attn2\.norm_([qk])\.", r"blocks.\1.cross_attn.norm_\2."),
    (r"^blocks\.(\d+)\.norm2\.", r"blocks.\1.norm3."),
    (r"^blocks\.(\d+)\.ffn\.net\.0\.proj\.", r"blocks.\1.ffn.0."),
    (r"^blocks\.(\d+)\.ffn\.net\.2\.", r"blocks.\1.ffn.2."),
    (r"^blocks\.(\d+)\.scale_shift_table$", r"blocks.\1.modulation"),
    (r"^patch_embedding\.", "patch_embedding."),
]


def to_original_key(key):
    for pattern, repl in _RULES:
        new, n = re.subn(pattern, repl, key)
        if n:
            return new
    raise KeyError(f"no original name for diffusers key {key}")


def save_model(model, out, heads, layers, ffn, text_dim):
    model.save_pretrained(os.path.join(out, "diffusers"), safe_serialization=True)
    original = {to_original_key(k): v.contiguous() for k, v in model.state_dict().items()}
    os.makedirs(os.path.join(out, "original"), exist_ok=True)
    save_file(original, os.path.join(out, "original", "diffusion_pytorch_model.safetensors"))
    config = {"_class_name": "WanModel", "model_type": "t2v", "dim": heads * 128, "ffn_dim": ffn,
              "freq_dim": 256, "in_dim": 16, "out_dim": 16, "num_heads": heads, "num_layers": layers,
              "text_len": 512, "eps": 1e-6, "text_dim": text_dim}
    with open(os.path.join(out, "original", "config.json"), "w") as f:
        json.dump(config, f, indent=1)


def padded_context(context, rows):
    """Zero rows after each sample's real rows, to 512 rows, as the reference pipelines do."""
    full = torch.zeros(context.shape[0], 512, context.shape[2], dtype=context.dtype)
    for b, r in enumerate(rows):
        full[b, :r] = context[b, :r]
    return full


def run_case(model, out, spec, text_dim, seed):
    name, b, f, h, w, ts, rows = spec.split(":")
    b, f, h, w = int(b), int(f), int(h), int(w)
    timesteps = torch.tensor([int(t) for t in ts.split(",")], dtype=torch.int64)
    rows = [int(r) for r in rows.split(",")]
    assert len(timesteps) == b and len(rows) == b
    g = torch.Generator().manual_seed(seed)
    latents = torch.randn(b, 16, f, h, w, generator=g)
    max_rows = max(rows)
    context = torch.randn(b, max_rows, text_dim, generator=g)
    for i, r in enumerate(rows):
        context[i, r:] = 0  # shorter prompts: zero rows up to the batch's longest
    with torch.no_grad():
        velocity = model(hidden_states=latents, timestep=timesteps, encoder_hidden_states=padded_context(context, rows),
                         return_dict=False)[0]
    save_file({"latents": latents, "timesteps": timesteps, "context": context, "velocity": velocity.contiguous()},
              os.path.join(out, f"forward_{name}.safetensors"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=384)
    ap.add_argument("--text-dim", type=int, default=64)
    ap.add_argument("--case", action="append", default=[])
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    model = build_model(args.seed, args.heads, args.layers, args.ffn, args.text_dim)
    save_model(model, args.out, args.heads, args.layers, args.ffn, args.text_dim)
    for i, spec in enumerate(args.case):
        run_case(model, args.out, spec, args.text_dim, args.seed + 1 + i)


if __name__ == "__main__":
    main()
