"""Benchmark: time and peak memory of one reward-learning step (Algorithm 4) through the chain.

Usage: python benchmarks/reward_learning_speed.py [--env umaze|large|halfcheetah] [--scales default paper]
       [--variant NAME] [--batch N] [--backprop all 8] [--checkpointing off on] [--precision float32 bfloat16] [--threads 2]

One step = the guided chain from a batch of expert windows' first states, the loss on
the first K planned steps, backpropagation into the reward MLP, and an Adam update.
Each configuration runs in its own subprocess so its peak resident memory is its own.
The reference is the published code at H 128, T 64 on the 2-core build machine: 8.1 s
and 1.6 GB at batch 8, 33 s and 6.9 GB at batch 48, out of memory (> 20 GB) at 270.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

#: (observation_dim, action_dim) of each environment's transitions
DIMENSIONS = {"umaze": (4, 2), "large": (4, 2), "halfcheetah": (17, 6)}


def measure(
    env: str,
    scale: str,
    batch: int | None,
    backprop: str,
    checkpointing: bool,
    threads: int,
    precision: str,
    variant: str | None = None,
) -> dict:
    import torch

    from diffirl.diffusion.model_io import build_diffusion
    from diffirl.diffusion.precision import with_precision
    from diffirl.diffusion.sampling import Guidance, freeze, sample
    from diffirl.methods.thesis.losses import mmd
    from diffirl.methods.thesis.reward_model import RewardMLP
    from diffirl.params.load import validate_params
    from diffirl.params.scale import compose
    from diffirl.variants import variant_params

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    params = validate_params(compose(scale)) if variant is None else variant_params(compose(scale), variant)
    diffuser, learning, guidance = (
        getattr(params.diffusers, env),
        getattr(params.reward_learning, env),
        getattr(params.guidance, env),
    )
    batch = batch or learning.batch_size
    k = getattr(params.kwindows, env).k
    observation_dim, action_dim = DIMENSIONS[env]
    diffusion = with_precision(freeze(build_diffusion(diffuser, observation_dim, action_dim)), precision)
    model = RewardMLP(diffuser.horizon, observation_dim + action_dim, learning.hidden, learning.step_embedding_dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    windows = torch.rand(batch, k, observation_dim + action_dim) * 2 - 1
    steps = None if backprop == "all" else int(backprop)

    started = time.perf_counter()
    plans = sample(
        diffusion,
        {0: windows[:, 0, action_dim:]},
        batch,
        model,
        Guidance(guidance.scale, guidance.n_guide_steps, guidance.t_stopgrad, guidance.scale_grad_by_std),
        differentiable=True,
        grad_steps=steps,
        checkpointing=checkpointing,
    )
    loss = mmd(plans[:, :k], windows, "matern")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    seconds = time.perf_counter() - started
    return {
        "env": env,
        "scale": scale,
        "variant": variant,
        "horizon": diffuser.horizon,
        "diffusion_steps": diffuser.n_diffusion_steps,
        "batch": batch,
        "backprop_steps": backprop,
        "checkpointing": checkpointing,
        "precision": precision,
        "threads": threads,
        "step_s": round(seconds, 2),
        "s_per_window": round(seconds / batch, 4),
        "peak_rss_GB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="umaze", choices=sorted(DIMENSIONS))
    parser.add_argument("--scales", nargs="+", default=["default", "paper"])
    parser.add_argument("--batch", type=int, default=None, help="default: the scale's reward-learning batch")
    parser.add_argument("--backprop", nargs="+", default=["all", "8"])
    parser.add_argument("--checkpointing", nargs="+", default=["off", "on"], choices=["off", "on"])
    parser.add_argument("--precision", nargs="+", default=["float32"], choices=["float32", "bfloat16"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variant", default=None, help="a variant of the study (diffirl/variants.py)")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)  # internal: SCALE BACKPROP CHECKPOINTING PRECISION
    args = parser.parse_args()
    if args.one:
        scale, backprop, checkpointing, precision = args.one
        print(
            json.dumps(
                measure(
                    args.env, scale, args.batch, backprop, checkpointing == "on", args.threads, precision, args.variant
                )
            )
        )
        return
    for scale in args.scales:
        for backprop in args.backprop:
            for checkpointing in args.checkpointing:
                for precision in args.precision:
                    command = [
                        sys.executable,
                        __file__,
                        "--one",
                        scale,
                        backprop,
                        checkpointing,
                        precision,
                        "--threads",
                        str(args.threads),
                        "--env",
                        args.env,
                    ]
                    if args.batch:
                        command += ["--batch", str(args.batch)]
                    if args.variant:
                        command += ["--variant", args.variant]
                    result = subprocess.run(command, capture_output=True, text=True)
                    lines = result.stdout.strip().splitlines()
                    print(
                        lines[-1]
                        if result.returncode == 0 and lines
                        else json.dumps(
                            {
                                "scale": scale,
                                "backprop_steps": backprop,
                                "checkpointing": checkpointing,
                                "precision": precision,
                                "failed": result.stderr.strip().splitlines()[-1:],
                            }
                        ),
                        flush=True,
                    )


if __name__ == "__main__":
    main()
