"""How long must an offline learner train before the true reward beats the shuffled control?

    python benchmarks/transfer_length.py PROJECT [--environment umaze] [--learner td3_bc]
        [--lengths 10000 20000 40000]

PROJECT: a project whose params.yaml is at the scale to measure and which has built the
environment's transfer datasets (for the U-Maze: ``snakemake data/datasets/umaze/base.hdf5``).
The learner trains with the scale's ``transfer.ENV`` settings on the data relabelled by the true
reward and by the shuffled control (one run each, the scale's seed), and at each length both
policies are rolled out from the evaluation's start states with the same environment seeds, so
their returns pair rollout by rollout. Per length it prints both mean returns, the paired
difference true - shuffled with its 95% t-interval, and the seconds of training so far.

``make transfer``'s offline rows are read against the true reward; where the true reward does not
beat its control the learner has not learnt the task from it yet, and the rows rank rewards by
how fast a short-trained learner moves on them (docs/transfer.md). This measures where that ends.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diffirl import paths  # noqa: E402
from diffirl.data.format import read_dataset  # noqa: E402
from diffirl.envs.registry import get_environment  # noqa: E402
from diffirl.evaluation import evaluation_starts  # noqa: E402
from diffirl.params import load_params  # noqa: E402
from diffirl.reports.results import paired_difference  # noqa: E402
from diffirl.transfer import transfer_splits  # noqa: E402
from diffirl.transfer.learners import LEARNERS, policy_rollouts  # noqa: E402
from diffirl.transfer.relabel import relabelled, transitions  # noqa: E402
from diffirl.transfer.rewards import CONTROL, REFERENCE, shuffled, true_reward  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--environment", default="umaze")
    parser.add_argument("--learner", default="td3_bc", choices=tuple(LEARNERS))
    parser.add_argument("--lengths", type=int, nargs="+", default=[10_000, 20_000, 40_000])
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the transfer stages run (transfer.ENV has no thread setting: one)
    os.chdir(args.project)
    params = load_params()
    spec = get_environment(args.environment)
    if spec.kind.designed_reward:
        spec = spec.with_reward(**getattr(params.true_reward, spec.name).model_dump())
    settings = getattr(params.transfer, spec.name)
    learner_settings, kind = getattr(settings.learners, args.learner), LEARNERS[args.learner]
    evaluation = getattr(params.evaluation, spec.name)
    data = transitions([read_dataset(paths.dataset_file(spec.name, split)) for split in transfer_splits(spec)])
    true = true_reward(spec, data)
    rewards = {REFERENCE: true.reward, CONTROL: shuffled(true.reward, settings.shuffle_seed)}
    relabels = {name: relabelled(data, reward, name) for name, reward in rewards.items()}
    learners = {name: kind.build(relabels[name], learner_settings, settings.seed) for name in rewards}
    starts, _ = evaluation_starts(spec, evaluation)
    seconds = 0.0
    print(f"{kind.label} in {spec.name}, {len(data)} transitions, {len(starts)} rollouts of {evaluation.steps} steps")
    print(f"{'updates':>8} {'true':>8} {'shuffled':>9} {'true - shuffled [95%]':>26} {'train s':>8}")
    for length in sorted(args.lengths):
        returns = {}
        for name, learner in learners.items():
            started = time.perf_counter()
            while learner.updates < length:
                learner.update(relabels[name])
            seconds += time.perf_counter() - started
            returns[name] = policy_rollouts(spec, kind, learner, evaluation, starts, progress=False).returns
        mean, low, high = paired_difference(returns[REFERENCE], returns[CONTROL], 0.95)
        print(
            f"{length:>8} {returns[REFERENCE].mean():>8.1f} {returns[CONTROL].mean():>9.1f} "
            f"{mean:>+9.1f} [{low:+7.1f}, {high:+7.1f}] {seconds:>8.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
