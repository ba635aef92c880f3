"""The known-answer gradient test on a built study: how closely each learnt reward's gradient
follows the true reward's along the base diffuser's own denoising chains.

    python benchmarks/gradient_agreement.py PROJECT [--env umaze]

PROJECT: a project that has built the environment's diffuser and learnt rewards (``make
study``). The chains start from the evaluation's start states (every rollout's first plan),
with noise drawn from the evaluation's seed; at every reverse step each learnt reward's
gradient with respect to the plan is compared with the true reward's guide by their cosine
(diffirl/rewards/gradient_agreement.py). Prints, per loss, the cosine averaged over steps
and chains with a 95% t-interval over chains, then its mean at the first, middle and last
reverse steps. The U-Maze's experts are the base diffuser guided by that true reward, so
it is the ideal guide there.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diffirl import paths  # noqa: E402
from diffirl.diffusion.model_io import load_trained_diffuser  # noqa: E402
from diffirl.envs import get_environment  # noqa: E402
from diffirl.experts.generation import true_reward_guide  # noqa: E402
from diffirl.methods import LOSSES  # noqa: E402
from diffirl.methods.thesis.reward_model import RewardMLP  # noqa: E402
from diffirl.params.load import validate_params  # noqa: E402
from diffirl.reports.results import paired_difference  # noqa: E402
from diffirl.rewards.gradient_agreement import evaluation_chains, gradient_cosines, mean_cosine  # noqa: E402

CONFIDENCE = 0.95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--env", default="umaze", choices=("umaze", "large"))
    args = parser.parse_args()
    os.chdir(args.project.resolve())
    params = validate_params(yaml.safe_load(Path("params.yaml").read_text()))
    settings = getattr(params.evaluation, args.env)
    trained = load_trained_diffuser(args.env, getattr(params.diffusers, args.env))
    spec = get_environment(args.env)
    conditions, noise = evaluation_chains(trained, spec, settings)
    guides = {loss: RewardMLP.load(paths.learnt_reward(args.env, loss)) for loss in LOSSES}
    cosines = gradient_cosines(trained.diffusion, conditions, guides, true_reward_guide(trained, spec), noise)

    steps = trained.diffusion.n_timesteps
    print(f"{args.env}: {noise.shape[1]} chains of {steps} reverse steps; cosine with the true reward's gradient")
    print(
        f"{'loss':<12}{'mean [95% over chains]':>28}{f'step {steps - 1}':>10}{f'step {steps // 2}':>10}{'step 0':>10}"
    )
    for loss, values in cosines.items():
        mean, low, high = paired_difference(mean_cosine(values), np.zeros(values.shape[1]), CONFIDENCE)
        by_step = values.mean(axis=1)
        print(
            f"{loss:<12}{f'{mean:+.3f} [{low:+.3f}, {high:+.3f}]':>28}"
            f"{by_step[0]:>+10.3f}{by_step[steps - 1 - steps // 2]:>+10.3f}{by_step[-1]:>+10.3f}"
        )


if __name__ == "__main__":
    main()
