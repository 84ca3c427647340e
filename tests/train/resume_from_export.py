#!/usr/bin/env python3
"""Seeds a `svg2 train` run folder from an exported model folder, so training can continue on
weights whose fp32 state and optimizer moments were not kept (they are over the size that comes
back from the GPU machine): writes <stage>.safetensors (fp32), <stage>.train.safetensors (the
weights plus zero AdamW moments, the layout AdamW::load_state reads) and <stage>.train.json.

    resume_from_export.py --model resources/models/demo --run /tmp/demo-run --stage vae --steps 357
"""
import argparse
import json
import os

import torch
from safetensors.torch import load_file, save_file


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="exported model folder (svg2 train export)")
    ap.add_argument("--run", required=True, help="run folder to seed")
    ap.add_argument("--stage", choices=["vae"], default="vae")
    ap.add_argument("--steps", type=int, required=True, help="steps the exported weights were trained for")
    a = ap.parse_args()
    manifest = json.load(open(os.path.join(a.model, "svg2_model.json")))
    weights = load_file(os.path.join(a.model, manifest["files"][a.stage]))
    fp32 = {k: v.float().contiguous() for k, v in weights.items()}
    state = {}
    for k, v in fp32.items():
        state["w." + k] = v
        state["m." + k] = torch.zeros_like(v)
        state["v." + k] = torch.zeros_like(v)
    os.makedirs(a.run, exist_ok=True)
    save_file(fp32, os.path.join(a.run, f"{a.stage}.safetensors"))
    save_file(state, os.path.join(a.run, f"{a.stage}.train.safetensors"))
    info_path = os.path.join(a.run, f"{a.stage}.train.json")
    info = json.load(open(info_path)) if os.path.exists(info_path) else {}
    info["steps"] = a.steps
    json.dump(info, open(info_path, "w"), indent=2)
    print(f"seeded {a.run} with {a.stage} at step {a.steps}: {len(fp32)} tensors, moments zero")


if __name__ == "__main__":
    main()
