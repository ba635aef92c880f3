"""Benchmark: how the pipeline's torch workloads run on 1 and 2 threads, alone and beside a busy core.

Usage: python benchmarks/thread_contention.py [--seconds 8] [--workloads diffuser_train ...]

For each workload (a stage's inner step at the default scale) and each thread count, the
step rate is measured alone and with one other single-threaded process spinning beside
it (what a second stage, a test run or an editor's indexer does to a 2-core machine).
It prints one JSON line per measurement and a summary: the slowdown under a busy
neighbour, and the throughput of one stage on 2 threads against two 1-thread stages
side by side (twice the 1-thread rate under a busy neighbour). Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

WORKLOADS = ("diffuser_train", "diffuser_sample", "sac_update", "reward_mlp")


def build(workload: str):
    """A zero-argument callable doing one step of ``workload`` at the default scale's sizes."""
    import torch

    from diffirl.params.load import validate_params
    from diffirl.params.scale import compose

    params = validate_params(compose("default"))
    if workload in ("diffuser_train", "diffuser_sample"):
        from diffirl.diffusion.model_io import build_diffusion
        from diffirl.diffusion.sampling import freeze, sample

        settings = params.diffusers.umaze
        diffusion = build_diffusion(settings, 4, 2)
        if workload == "diffuser_sample":  # one replanning step of 100 evaluation rollouts
            frozen = freeze(diffusion)
            starts = {0: torch.randn(100, 4).clamp(-1, 1)}
            return lambda: sample(frozen, starts, 100)
        optimizer = torch.optim.Adam(diffusion.parameters(), lr=1e-3)
        batch = torch.randn(settings.batch_size, settings.horizon, 6).clamp(-1, 1)
        conditions = {0: batch[:, 0, 2:]}

        def train_step():
            loss = diffusion.loss(batch, conditions)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        return train_step
    if workload == "sac_update":  # SAC's critic step: a 256x256 MLP, batch 256, Adam
        width = params.datasets.halfcheetah.generate.sac.net_arch
        layers, size = [], 17 + 6
        for hidden in width:
            layers += [torch.nn.Linear(size, hidden), torch.nn.ReLU()]
            size = hidden
        net = torch.nn.Sequential(*layers, torch.nn.Linear(size, 1))
        batch_size = params.datasets.halfcheetah.generate.sac.batch_size
    else:  # reward_mlp: the U-Maze reward network's forward and backward on a K-window batch
        width = params.reward_learning.umaze.hidden
        layers, size = [], 6
        for hidden in width:
            layers += [torch.nn.Linear(size, hidden), torch.nn.ReLU()]
            size = hidden
        net = torch.nn.Sequential(*layers, torch.nn.Linear(size, 1))
        batch_size = params.reward_learning.umaze.batch_size * 64
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    inputs = torch.randn(batch_size, net[0].in_features)

    def mlp_step():
        loss = net(inputs).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return mlp_step


def measure(workload: str, threads: int, seconds: float) -> float:
    """Steps per second of ``workload`` on ``threads`` torch threads, over ``seconds``."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    step = build(workload)
    step()  # warm-up
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        step()
        steps += 1
    return steps / (time.perf_counter() - started)


def run_one(workload: str, threads: int, seconds: float, busy_neighbour: bool) -> float:
    neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy_neighbour else None
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--one", workload, str(threads), str(seconds)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        if neighbour is not None:
            neighbour.kill()
            neighbour.wait()
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)  # internal: WORKLOAD THREADS SECONDS
    args = parser.parse_args()
    if args.one:
        workload, threads, seconds = args.one
        print(measure(workload, int(threads), float(seconds)))
        return
    for workload in args.workloads:
        rates = {}
        for threads in (1, 2):
            for busy in (False, True):
                rate = run_one(workload, threads, args.seconds, busy)
                rates[threads, busy] = rate
                print(
                    json.dumps(
                        {
                            "workload": workload,
                            "threads": threads,
                            "busy_neighbour": busy,
                            "steps_per_s": round(rate, 2),
                        }
                    ),
                    flush=True,
                )
        print(
            json.dumps(
                {
                    "workload": workload,
                    "slowdown_busy_1_thread": round(rates[1, False] / rates[1, True], 2),
                    "slowdown_busy_2_threads": round(rates[2, False] / rates[2, True], 2),
                    "one_stage_2_threads_steps_per_s": round(rates[2, False], 2),
                    "two_stages_1_thread_side_by_side_steps_per_s": round(2 * rates[1, True], 2),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
