"""Reference side of the sampler parity tests: 4-step CFG trajectories with the tiny DiT of
dit_reference.py, through diffusers' schedulers, two model calls per step like WanPipeline.

Writes into --out the model (as dit_reference.py does) and trajectory_<sampler>.safetensors:
  noise [1,16,F,H,W], cond / uncond contexts (trimmed rows), timesteps [N] (int64),
  sample_<i> for i = 1..N (the latent after step i) and guided velocity_<i-1>.

UniPC: UniPCMultistepScheduler(flow_prediction, use_flow_sigmas, solver_order 2, bh2,
predict_x0, lower_order_final, final_sigmas_type zero) as diffusers' Wan configs ship it, its
sigma list replaced by Wan's FlowUniPCMultistepScheduler schedule (they differ by at most one fp32
ulp; the solver is what is compared). Euler: FlowMatchEulerDiscreteScheduler (shift 1) given the
same sigmas and integer timesteps.
"""
import argparse
import os

import numpy as np
import torch
from diffusers import FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler
from safetensors.torch import save_file

import dit_reference


def wan_schedule(steps, shift):
    """Wan's FlowUniPCMultistepScheduler.set_timesteps: (sigmas incl. final 0, int timesteps)."""
    train = 1.0 - np.linspace(1, 1 / 1000, 1000)[::-1].copy()
    sigma_max = torch.from_numpy(train).to(torch.float32)[0].item()
    sigmas = np.linspace(sigma_max, 0.0, steps + 1).copy()[:-1]
    sigmas = shift * sigmas / (1 + (shift - 1) * sigmas)
    timesteps = torch.from_numpy(sigmas * 1000).to(torch.int64)
    return torch.from_numpy(np.concatenate([sigmas, [0.0]]).astype(np.float32)), timesteps


def make_scheduler(kind, steps, shift):
    sigmas, timesteps = wan_schedule(steps, shift)
    if kind == "unipc":
        s = UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=shift,
                                    solver_order=2, solver_type="bh2", predict_x0=True, lower_order_final=True,
                                    final_sigmas_type="zero")
        s.set_timesteps(steps)
        s.sigmas = sigmas
        s.timesteps = timesteps
    else:
        s = FlowMatchEulerDiscreteScheduler(shift=1.0)
        s.set_timesteps(sigmas=sigmas[:-1].tolist(), timesteps=timesteps.to(torch.float32).tolist())
        assert torch.equal(s.sigmas, sigmas)
    return s, timesteps


def run(model, out, kind, steps, shift, guidance, shape, rows, text_dim, seed):
    f, h, w = shape
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(1, 16, f, h, w, generator=g)
    cond = torch.randn(1, rows[0], text_dim, generator=g)
    uncond = torch.randn(1, rows[1], text_dim, generator=g)
    cond_full = dit_reference.padded_context(cond, [rows[0]])
    uncond_full = dit_reference.padded_context(uncond, [rows[1]])
    scheduler, timesteps = make_scheduler(kind, steps, shift)
    tensors = {"noise": noise, "cond": cond, "uncond": uncond, "timesteps": timesteps}
    latents = noise.clone()
    for i, t in enumerate(scheduler.timesteps):
        with torch.no_grad():
            tt = t.expand(1)
            v_cond = model(hidden_states=latents, timestep=tt, encoder_hidden_states=cond_full, return_dict=False)[0]
            v_uncond = model(hidden_states=latents, timestep=tt, encoder_hidden_states=uncond_full,
                             return_dict=False)[0]
            v = v_uncond + guidance * (v_cond - v_uncond)
            latents = scheduler.step(v, t, latents, return_dict=False)[0]
        tensors[f"velocity_{i}"] = v.contiguous()
        tensors[f"sample_{i + 1}"] = latents.contiguous()
    save_file(tensors, os.path.join(out, f"trajectory_{kind}.safetensors"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--shift", type=float, default=5.0)
    ap.add_argument("--guidance", type=float, default=5.0)
    ap.add_argument("--shape", default="3,6,10", help="latent F,H,W")
    ap.add_argument("--rows", default="7,5", help="cond,uncond context rows")
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    heads, layers, ffn, text_dim = 2, 2, 384, 64
    model = dit_reference.build_model(args.seed, heads, layers, ffn, text_dim)
    dit_reference.save_model(model, args.out, heads, layers, ffn, text_dim)
    shape = [int(x) for x in args.shape.split(",")]
    rows = [int(x) for x in args.rows.split(",")]
    for kind in ("unipc", "euler"):
        run(model, args.out, kind, args.steps, args.shift, args.guidance, shape, rows, text_dim, args.seed + 100)


if __name__ == "__main__":
    main()
