"""Tiny Wan checkpoints in both namings, produced by the real diffusers / transformers classes.

usage: make_diffusers_checkpoints.py OUT_DIR

For each model the ORIGINAL key names are enumerated from wan-architecture.md (§1.5 DiT, §3.3 VAE,
§2.2 umT5), mapped to the library's names (diffusers' own single-file converters for the DiT and
VAE; the §2.2 table for umT5), and checked to be exactly the library model's state-dict keys.
The model, filled with random values, is saved with save_pretrained (diffusers/transformers
format), and the same values under the original names are saved the way Wan releases them:

  OUT/diffusers/{transformer,vae,text_encoder}/   save_pretrained folders
  OUT/original/dit.safetensors                    fp32, original DiT names
  OUT/original/dit_i2v.safetensors                + I2V image branch; OUT/diffusers/transformer_i2v/
  OUT/original/Wan2.1_VAE.pth                     fp32, OrderedDict top level
  OUT/original/models_t5_umt5-xxl-enc-bf16.pth    bf16, Wan's T5 names
"""

import collections
import os
import sys

import torch
from diffusers import AutoencoderKLWan, WanTransformer3DModel
from diffusers.loaders.single_file_utils import convert_wan_transformer_to_diffusers, convert_wan_vae_to_diffusers
from safetensors.torch import save_file
from transformers import UMT5Config, UMT5EncoderModel


def randomize(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float32).to(p.dtype))


def check_same_keys(what, mapped, library):
    mapped, library = set(mapped), set(library)
    if mapped != library:
        sys.exit(f"{what}: original names from the reference table do not map onto the library's keys:\n"
                 f"  only mapped: {sorted(mapped - library)[:20]}\n  only library: {sorted(library - mapped)[:20]}")


def original_dit_keys(layers, i2v):
    keys = ["patch_embedding.weight", "patch_embedding.bias"]
    for m in ("text_embedding.0", "text_embedding.2", "time_embedding.0", "time_embedding.2", "time_projection.1"):
        keys += [m + ".weight", m + ".bias"]
    for i in range(layers):
        p = f"blocks.{i}."
        for attn in ("self_attn", "cross_attn"):
            for m in "qkvo":
                keys += [p + f"{attn}.{m}.weight", p + f"{attn}.{m}.bias"]
            keys += [p + f"{attn}.norm_q.weight", p + f"{attn}.norm_k.weight"]
        if i2v:
            for m in ("k_img", "v_img"):
                keys += [p + f"cross_attn.{m}.weight", p + f"cross_attn.{m}.bias"]
            keys += [p + "cross_attn.norm_k_img.weight"]
        keys += [p + "norm3.weight", p + "norm3.bias"]
        keys += [p + "ffn.0.weight", p + "ffn.0.bias", p + "ffn.2.weight", p + "ffn.2.bias", p + "modulation"]
    keys += ["head.head.weight", "head.head.bias", "head.modulation"]
    if i2v:
        for n in (0, 1, 3, 4):
            keys += [f"img_emb.proj.{n}.weight", f"img_emb.proj.{n}.bias"]
    return keys


def original_vae_keys():
    def res(p, shortcut):
        k = [p + "residual.0.gamma", p + "residual.2.weight", p + "residual.2.bias", p + "residual.3.gamma",
             p + "residual.6.weight", p + "residual.6.bias"]
        return k + ([p + "shortcut.weight", p + "shortcut.bias"] if shortcut else [])

    def attn(p):
        return [p + "norm.gamma", p + "to_qkv.weight", p + "to_qkv.bias", p + "proj.weight", p + "proj.bias"]

    def resample(p, time_conv):
        k = [p + "resample.1.weight", p + "resample.1.bias"]
        return k + ([p + "time_conv.weight", p + "time_conv.bias"] if time_conv else [])

    keys = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"]
    for side in ("encoder", "decoder"):
        keys += [f"{side}.conv1.weight", f"{side}.conv1.bias"]
        keys += res(f"{side}.middle.0.", False) + attn(f"{side}.middle.1.") + res(f"{side}.middle.2.", False)
        keys += [f"{side}.head.0.gamma", f"{side}.head.2.weight", f"{side}.head.2.bias"]
    enc = {0: "r", 1: "r", 2: "down2d", 3: "rs", 4: "r", 5: "down3d", 6: "rs", 7: "r", 8: "down3d", 9: "r", 10: "r"}
    dec = {0: "r", 1: "r", 2: "r", 3: "up3d", 4: "rs", 5: "r", 6: "r", 7: "up3d", 8: "r", 9: "r", 10: "r", 11: "up2d",
           12: "r", 13: "r", 14: "r"}
    for side, layout, name in (("encoder", enc, "downsamples"), ("decoder", dec, "upsamples")):
        for n, kind in layout.items():
            p = f"{side}.{name}.{n}."
            keys += res(p, kind == "rs") if kind in ("r", "rs") else resample(p, kind.endswith("3d"))
    return keys


def t5_original_to_hf(key):
    """wan-architecture.md §2.2."""
    if key == "token_embedding.weight":
        return "shared.weight"
    if key == "norm.weight":
        return "encoder.final_layer_norm.weight"
    _, i, rest = key.split(".", 2)
    table = {
        "norm1.weight": "layer.0.layer_norm.weight",
        "attn.q.weight": "layer.0.SelfAttention.q.weight",
        "attn.k.weight": "layer.0.SelfAttention.k.weight",
        "attn.v.weight": "layer.0.SelfAttention.v.weight",
        "attn.o.weight": "layer.0.SelfAttention.o.weight",
        "pos_embedding.embedding.weight": "layer.0.SelfAttention.relative_attention_bias.weight",
        "norm2.weight": "layer.1.layer_norm.weight",
        "ffn.gate.0.weight": "layer.1.DenseReluDense.wi_0.weight",
        "ffn.fc1.weight": "layer.1.DenseReluDense.wi_1.weight",
        "ffn.fc2.weight": "layer.1.DenseReluDense.wo.weight",
    }
    return f"encoder.block.{i}.{table[rest]}"


def original_t5_keys(layers):
    keys = ["token_embedding.weight", "norm.weight"]
    for i in range(layers):
        for rest in ("norm1", "attn.q", "attn.k", "attn.v", "attn.o", "pos_embedding.embedding", "norm2", "ffn.gate.0",
                     "ffn.fc1", "ffn.fc2"):
            keys.append(f"blocks.{i}.{rest}.weight")
    return keys


def via_converter(converter, original_keys):
    """original key -> library key, by running the library's converter on the key names."""
    converted = converter(collections.OrderedDict((k, k) for k in original_keys))
    return {orig: new for new, orig in converted.items()}


def dit(out, i2v):
    kwargs = dict(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=128, in_channels=36 if i2v else 16,
                  out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=512, num_layers=2, cross_attn_norm=True,
                  qk_norm="rms_norm_across_heads", eps=1e-6)
    if i2v:
        kwargs.update(image_dim=1280, added_kv_proj_dim=256)
    model = WanTransformer3DModel(**kwargs)
    randomize(model, 3 if i2v else 1)
    lib = model.state_dict()
    names = via_converter(convert_wan_transformer_to_diffusers, original_dit_keys(2, i2v))
    check_same_keys("WanTransformer3DModel", names.values(), lib.keys())
    suffix = "_i2v" if i2v else ""
    model.save_pretrained(os.path.join(out, "diffusers", "transformer" + suffix), safe_serialization=True)
    save_file({o: lib[d].contiguous() for o, d in names.items()}, os.path.join(out, "original", f"dit{suffix}.safetensors"))


def vae(out):
    model = AutoencoderKLWan(base_dim=8, z_dim=4, dim_mult=[1, 2, 4, 4], num_res_blocks=2,
                             temperal_downsample=[False, True, True])
    randomize(model, 4)
    lib = model.state_dict()
    names = via_converter(convert_wan_vae_to_diffusers, original_vae_keys())
    check_same_keys("AutoencoderKLWan", names.values(), lib.keys())
    model.save_pretrained(os.path.join(out, "diffusers", "vae"), safe_serialization=True)
    sd = collections.OrderedDict((o, lib[d].clone()) for o, d in names.items())
    torch.save(sd, os.path.join(out, "original", "Wan2.1_VAE.pth"))


def t5(out):
    config = UMT5Config(vocab_size=128, d_model=64, d_kv=16, d_ff=96, num_layers=2, num_heads=4,
                        relative_attention_num_buckets=32, relative_attention_max_distance=128,
                        feed_forward_proj="gated-gelu", tie_word_embeddings=False)
    model = UMT5EncoderModel(config).to(torch.bfloat16)
    randomize(model, 5)
    lib = model.state_dict()
    names = {k: t5_original_to_hf(k) for k in original_t5_keys(2)}
    library_keys = set(lib.keys()) - {"encoder.embed_tokens.weight"}  # tied to shared.weight
    check_same_keys("UMT5EncoderModel", names.values(), library_keys)
    model.save_pretrained(os.path.join(out, "diffusers", "text_encoder"), safe_serialization=True)
    sd = collections.OrderedDict((o, lib[h].clone()) for o, h in names.items())
    torch.save(sd, os.path.join(out, "original", "models_t5_umt5-xxl-enc-bf16.pth"))


def write_all(out):
    os.makedirs(os.path.join(out, "original"), exist_ok=True)
    dit(out, i2v=False)
    dit(out, i2v=True)
    vae(out)
    t5(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write_all(sys.argv[1])
