"""Writes synthetic checkpoints for tests/io (run by the C++ tests through $SVG2_PYTHON).

usage: make_checkpoints.py formats OUT_DIR

Every file uses real Wan key names with small shapes. Alongside each checkpoint, OUT_DIR gets
`<name>.expected.bin` (each tensor's contiguous little-endian bytes, concatenated) and
`<name>.expected.json` ({key: {"dtype", "shape", "offset", "nbytes"}}), written with plain
numpy byte dumps so the C++ readers are checked against data that did not go through them.
"""

import collections
import json
import os
import sys

import torch
from safetensors.torch import save_file

DTYPE_NAMES = {
    torch.float32: "F32",
    torch.bfloat16: "BF16",
    torch.float16: "F16",
    torch.float64: "F64",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
    torch.float8_e4m3fn: "F8_E4M3",
    torch.float8_e5m2: "F8_E5M2",
}


def write_expected(out_dir, name, tensors):
    """Raw bytes of every tensor, made contiguous by torch and dumped via a uint8 view."""
    blob = bytearray()
    index = {}
    for key, t in tensors.items():
        c = t.detach().contiguous().cpu()
        raw = c.reshape(-1).view(torch.uint8).numpy().tobytes() if c.numel() else b""
        index[key] = {"dtype": DTYPE_NAMES[c.dtype], "shape": list(c.shape), "offset": len(blob), "nbytes": len(raw)}
        blob += raw
    with open(os.path.join(out_dir, name + ".expected.bin"), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(out_dir, name + ".expected.json"), "w") as f:
        json.dump(index, f, indent=1)


def tiny_dit(layers=2, dim=256, ffn=512, in_dim=16, text_dim=4096, freq_dim=256, out_dim=16):
    """Original Wan DiT names and shapes (wan-architecture.md §1.5), head_dim 128."""
    g = torch.Generator().manual_seed(1)

    def r(*shape):
        return torch.randn(*shape, generator=g)

    sd = collections.OrderedDict()
    sd["patch_embedding.weight"] = r(dim, in_dim, 1, 2, 2)
    sd["patch_embedding.bias"] = r(dim)
    sd["text_embedding.0.weight"] = r(dim, text_dim)
    sd["text_embedding.0.bias"] = r(dim)
    sd["text_embedding.2.weight"] = r(dim, dim)
    sd["text_embedding.2.bias"] = r(dim)
    sd["time_embedding.0.weight"] = r(dim, freq_dim)
    sd["time_embedding.0.bias"] = r(dim)
    sd["time_embedding.2.weight"] = r(dim, dim)
    sd["time_embedding.2.bias"] = r(dim)
    sd["time_projection.1.weight"] = r(6 * dim, dim)
    sd["time_projection.1.bias"] = r(6 * dim)
    for i in range(layers):
        p = f"blocks.{i}."
        for attn in ("self_attn", "cross_attn"):
            for m in "qkvo":
                sd[p + f"{attn}.{m}.weight"] = r(dim, dim)
                sd[p + f"{attn}.{m}.bias"] = r(dim)
            sd[p + f"{attn}.norm_q.weight"] = r(dim)
            sd[p + f"{attn}.norm_k.weight"] = r(dim)
        sd[p + "norm3.weight"] = r(dim)
        sd[p + "norm3.bias"] = r(dim)
        sd[p + "ffn.0.weight"] = r(ffn, dim)
        sd[p + "ffn.0.bias"] = r(ffn)
        sd[p + "ffn.2.weight"] = r(dim, ffn)
        sd[p + "ffn.2.bias"] = r(dim)
        sd[p + "modulation"] = r(1, 6, dim)
    sd["head.head.weight"] = r(out_dim * 4, dim)
    sd["head.head.bias"] = r(out_dim * 4)
    sd["head.modulation"] = r(1, 2, dim)
    return sd


def tiny_t5(layers=2, dim=64, ffn=96, heads=4, vocab=128):
    """Wan's own umT5 names (wan-architecture.md §2.2), bf16 like the release."""
    g = torch.Generator().manual_seed(2)

    def r(*shape):
        return torch.randn(*shape, generator=g).to(torch.bfloat16)

    sd = collections.OrderedDict()
    sd["token_embedding.weight"] = r(vocab, dim)
    for i in range(layers):
        p = f"blocks.{i}."
        sd[p + "norm1.weight"] = r(dim)
        for m in "qkvo":
            sd[p + f"attn.{m}.weight"] = r(dim, dim)
        sd[p + "norm2.weight"] = r(dim)
        sd[p + "ffn.gate.0.weight"] = r(ffn, dim)
        sd[p + "ffn.fc1.weight"] = r(ffn, dim)
        sd[p + "ffn.fc2.weight"] = r(dim, ffn)
        sd[p + "pos_embedding.embedding.weight"] = r(32, heads)
    sd["norm.weight"] = r(dim)
    return sd


def formats(out):
    os.makedirs(out, exist_ok=True)
    dit = tiny_dit()

    # safetensors: one file, and the same tensors in 2 shards with an index.
    save_file(dit, os.path.join(out, "dit.safetensors"), metadata={"format": "pt", "note": "tiny"})
    write_expected(out, "dit", dit)
    shard_dir = os.path.join(out, "dit_sharded")
    os.makedirs(shard_dir, exist_ok=True)
    keys = list(dit.keys())
    half = len(keys) // 2
    names = ["diffusion_pytorch_model-00001-of-00002.safetensors", "diffusion_pytorch_model-00002-of-00002.safetensors"]
    weight_map = {}
    for part, (lo, hi) in enumerate([(0, half), (half, len(keys))]):
        shard = {k: dit[k] for k in keys[lo:hi]}
        save_file(shard, os.path.join(shard_dir, names[part]))
        weight_map.update({k: names[part] for k in shard})
    total = sum(t.numel() * t.element_size() for t in dit.values())
    with open(os.path.join(shard_dir, "diffusion_pytorch_model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=1)

    # Comfy-style prefix, fp16 on disk.
    comfy = {"model.diffusion_model." + k: v.half() for k, v in dit.items()}
    save_file(comfy, os.path.join(out, "dit_comfy_fp16.safetensors"))
    write_expected(out, "dit_comfy_fp16", comfy)

    # .pth: OrderedDict top level with bf16 storages (the T5 release), and a plain dict with fp32.
    t5 = tiny_t5()
    torch.save(t5, os.path.join(out, "t5.pth"))
    write_expected(out, "t5", t5)
    torch.save({"module": t5, "step": 1}, os.path.join(out, "t5_nested.pth"))
    plain = {k: v.float() for k, v in t5.items()}
    torch.save(plain, os.path.join(out, "t5_plain_fp32.pth"))
    write_expected(out, "t5_plain_fp32", plain)

    # Views sharing one storage (offsets, transposes, steps), a parameter, and a nested dict.
    base = torch.arange(60, dtype=torch.float32) * 0.5 - 7.0
    grid = base.view(6, 10)
    views = collections.OrderedDict()
    views["whole"] = grid
    views["row_slice"] = grid[2:5]
    views["transposed"] = grid.t()
    views["strided"] = base[1::3]
    views["column"] = grid[:, 7]
    views["scalar"] = base[11]
    views["empty"] = grid[3:3]
    views["param"] = torch.nn.Parameter(torch.linspace(-1, 1, 12).view(3, 4))
    views["long"] = torch.arange(-5, 5, dtype=torch.int64)
    views["mask"] = torch.tensor([True, False, True])
    views["bf16_view"] = torch.linspace(-3, 3, 24).to(torch.bfloat16).view(4, 6)[1:, ::2]
    nested = {"module": views, "epoch": 3, "name": "views", "ints": [1, 2, 3]}
    torch.save(nested, os.path.join(out, "views_nested.pth"))
    write_expected(out, "views_nested", {"module." + k: v for k, v in views.items()})

    # Pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL) and float8 through _rebuild_tensor_v3 with an
    # UntypedStorage; the same float8 tensors in safetensors.
    g = torch.Generator().manual_seed(7)
    p4 = collections.OrderedDict()
    p4["f8_e4m3"] = (torch.randn(5, 3, generator=g) * 4).to(torch.float8_e4m3fn)
    p4["f8_e5m2"] = (torch.randn(7, generator=g) * 4).to(torch.float8_e5m2)
    p4["half"] = torch.randn(2, 3, generator=g).half()
    p4["double"] = torch.randn(3, generator=g).double()
    p4["int8"] = torch.arange(-4, 4, dtype=torch.int8)
    p4["int16"] = torch.arange(-4, 4, dtype=torch.int16)
    p4["int32"] = torch.arange(-4, 4, dtype=torch.int32)
    p4["uint8"] = torch.arange(0, 8, dtype=torch.uint8)
    torch.save(p4, os.path.join(out, "protocol4.pth"), pickle_protocol=4)
    write_expected(out, "protocol4", p4)
    save_file(dict(p4), os.path.join(out, "dtypes.safetensors"))
    write_expected(out, "dtypes", p4)

    # A checkpoint dir holding exactly one .pth (folder opening).
    vae_dir = os.path.join(out, "one_pth")
    os.makedirs(vae_dir, exist_ok=True)
    torch.save(collections.OrderedDict([("conv2.weight", torch.ones(4, 4, 1, 1, 1))]), os.path.join(vae_dir, "x.pth"))


def rezip64(src, dst):
    """Rewrites a torch zip with zip64 central-directory fields (as torch.save writes files over
    4 GiB), so the fuzzer starts from that layout too. Stored entries, 64-byte aligned data."""
    import struct
    import zipfile
    import zlib

    entries = [(i.filename, zipfile.ZipFile(src).read(i.filename)) for i in zipfile.ZipFile(src).infolist()]
    body, directory = bytearray(), bytearray()
    for name, data in entries:
        local = len(body)
        name_b = name.encode()
        pad = (-(local + 30 + len(name_b) + 4)) % 64
        extra = struct.pack("<HH", 0x1234, pad) + b"\0" * pad
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data), len(name_b),
                            len(extra))
        body += name_b + extra + data
        z64 = struct.pack("<HHQQQ", 1, 24, len(data), len(data), local)
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, zlib.crc32(data), 0xFFFFFFFF, 0xFFFFFFFF,
                                 len(name_b), len(z64), 0, 0, 0, 0, 0xFFFFFFFF)
        directory += name_b + z64
    cd_offset = len(body)
    record = cd_offset + len(directory)
    tail = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries), len(directory), cd_offset)
    tail += struct.pack("<IIQI", 0x07064B50, 0, record, 1)
    tail += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(dst, "wb") as f:
        f.write(bytes(body + directory + tail))


def seeds(out):
    """Small, varied inputs for the fuzzers: out/safetensors/* and out/pth/*."""
    st, pth = os.path.join(out, "safetensors"), os.path.join(out, "pth")
    os.makedirs(st)
    os.makedirs(pth)
    g = torch.Generator().manual_seed(9)
    small = collections.OrderedDict()
    small["blocks.0.self_attn.q.weight"] = torch.randn(4, 4, generator=g)
    small["blocks.0.modulation"] = torch.randn(1, 6, 4, generator=g).to(torch.bfloat16)
    small["head.modulation"] = torch.randn(1, 2, 4, generator=g).half()
    small["ids"] = torch.arange(3, dtype=torch.int64)
    small["mask"] = torch.tensor([True, False])
    small["empty"] = torch.zeros(0, 3)
    small["f8"] = torch.randn(3, generator=g).to(torch.float8_e4m3fn)
    save_file(small, os.path.join(st, "small.safetensors"), metadata={"format": "pt"})
    save_file({"x": torch.ones(2, 2)}, os.path.join(st, "one.safetensors"))
    no_f8 = collections.OrderedDict((k, v) for k, v in small.items() if k != "f8")
    torch.save(no_f8, os.path.join(pth, "ordered_p2.pth"))
    torch.save(dict(small), os.path.join(pth, "plain_p4.pth"), pickle_protocol=4)
    rezip64(os.path.join(pth, "ordered_p2.pth"), os.path.join(pth, "ordered_zip64.pth"))
    base = torch.arange(12, dtype=torch.float32)
    torch.save({"module": {"a": base.view(3, 4), "b": base.view(3, 4).t(), "c": base[5:],
                           "p": torch.nn.Parameter(torch.ones(2))}, "step": 7},
               os.path.join(pth, "views_nested.pth"))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("formats", "seeds"):
        sys.exit(__doc__)
    {"formats": formats, "seeds": seeds}[sys.argv[1]](sys.argv[2])
