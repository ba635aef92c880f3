"""Benchmark: diffuser training steps/s, plans/s and peak memory, at chosen settings.

Usage: python benchmarks/diffuser_speed.py [--scales default paper] [--envs umaze ...]
       [--plans 64] [--train-steps 20] [--threads 2]

Each measurement runs in a fresh subprocess so that its peak resident memory is its own.
The reference is the published implementation at the thesis's U-Maze size (3.7M
parameters, H 128, T 64, 2 threads), measured on the 2-core build machine: 0.38 s per
training step at batch 32 and 13 s to sample 64 unguided plans.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def measure(scale: str, environment: str, plans: int, train_steps: int, threads: int) -> dict:
    import torch

    from diffirl.diffusion.model_io import build_diffusion
    from diffirl.diffusion.sampling import freeze, sample
    from diffirl.envs import get_environment
    from diffirl.params.load import validate_params
    from diffirl.params.scale import compose

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    settings = getattr(validate_params(compose(scale)).diffusers, environment)
    observation_dim, action_dim = (4, 2) if get_environment(environment).is_maze else (17, 6)
    diffusion = build_diffusion(settings, observation_dim, action_dim)
    optimizer = torch.optim.Adam(diffusion.parameters(), lr=settings.learning_rate, fused=True)
    batch = torch.randn(settings.batch_size, settings.horizon, observation_dim + action_dim).clamp(-1, 1)
    conditions = {0: batch[:, 0, action_dim:]}

    def train_step():
        loss = diffusion.loss(batch, conditions)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    train_step()  # warm-up
    started = time.perf_counter()
    for _ in range(train_steps):
        train_step()
    step_seconds = (time.perf_counter() - started) / train_steps

    frozen = freeze(diffusion)
    starts = {0: torch.randn(plans, observation_dim).clamp(-1, 1)}
    started = time.perf_counter()
    sample(frozen, starts, plans)
    sample_seconds = time.perf_counter() - started
    return {
        "scale": scale,
        "environment": environment,
        "threads": threads,
        "parameters_M": round(sum(p.numel() for p in diffusion.parameters()) / 1e6, 3),
        "horizon": settings.horizon,
        "diffusion_steps": settings.n_diffusion_steps,
        "batch": settings.batch_size,
        "train_s_per_step": round(step_seconds, 4),
        "train_steps_per_s": round(1 / step_seconds, 1),
        "plans": plans,
        "sample_s": round(sample_seconds, 3),
        "plans_per_s": round(plans / sample_seconds, 2),
        "peak_rss_MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", default=["default", "paper"])
    parser.add_argument("--envs", nargs="+", default=["umaze", "large", "halfcheetah"])
    parser.add_argument("--plans", type=int, default=64)
    parser.add_argument("--train-steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # internal: SCALE ENV in this process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(*args.one, args.plans, args.train_steps, args.threads)))
        return
    for scale in args.scales:
        for environment in args.envs:
            command = [
                sys.executable,
                __file__,
                "--one",
                scale,
                environment,
                "--plans",
                str(args.plans),
                "--train-steps",
                str(args.train_steps),
                "--threads",
                str(args.threads),
            ]
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            print(output.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
