"""Table 2's learnt rows at each Large-Maze reward-training length, against the longest.

    python benchmarks/reward_training_length.py PROJECT

PROJECT: a project that has built the study's Large-Maze evaluation and the variants
``reward_training_length_*`` (``snakemake --cores 2 table2 reward_training_length_100
reward_training_length_500``). Every length is rolled out from the same starts with the
same chain noise, so two lengths' returns are paired rollout by rollout. For each loss
and length it prints the mean return, the paired lift over the base diffuser, the
paired difference to the longest length (each with its 95% t-interval), the ERC with its
difference to the longest length's (a 95% paired bootstrap interval over the evaluation's
ERC windows, which every length scores) and the reward-learning loss from first to last
epoch; then the shortest length whose every learnt row agrees with the longest's: both
differences' intervals hold 0.

Where PROJECT has also built the variants ``reward_training_seed_*`` (the study's length,
another reward-learning seed), it then compares each seed's rows with the study's by the
same two tests: the rate at which a seed alone "disagrees" is the yardstick for the
lengths' disagreements, since the intervals cover the rollouts' noise, not training's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diffirl import paths  # noqa: E402
from diffirl.methods import LOSSES  # noqa: E402
from diffirl.metrics import episode_return_correlation  # noqa: E402
from diffirl.paths import variant_path  # noqa: E402
from diffirl.reports.results import paired_difference  # noqa: E402
from diffirl.variants import VARIANTS  # noqa: E402

ENVIRONMENT = "large"
PREFIX = "reward_training_length_"
SEED_PREFIX = "reward_training_seed_"
CONFIDENCE = 0.95


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def runs_by_length(project: Path) -> dict[int, str | None]:
    """Epochs -> variant name (None: the study) for every length built in PROJECT."""
    params = read_params(project)
    study_epochs = {spec["epochs"] for spec in params["reward_learning"][ENVIRONMENT]["losses"].values()}
    if len(study_epochs) != 1:
        raise SystemExit(f"the study trains its losses for different lengths: {sorted(study_epochs)}")
    runs: dict[int, str | None] = {study_epochs.pop(): None}
    for name in VARIANTS:
        if name.startswith(PREFIX):
            runs[int(name.removeprefix(PREFIX))] = name
    return dict(sorted(runs.items()))


def read_params(project: Path) -> dict:
    import yaml

    return yaml.safe_load((project / "params.yaml").read_text())


def located(project: Path, variant: str | None, path: Path) -> Path:
    return project / (variant_path(variant, path) if variant else path)


def erc_scores(project: Path, runs: dict) -> tuple[np.ndarray, dict]:
    """The ERC windows' true returns, and each run's learnt returns of them, by (loss, run)."""
    import torch

    from diffirl.diffusion.model_io import load_trained_diffuser
    from diffirl.envs import get_environment
    from diffirl.evaluation import environment_erc_windows
    from diffirl.methods.thesis.reward_model import RewardMLP
    from diffirl.params.load import validate_params

    params = validate_params(read_params(project))
    diffuser = getattr(params.diffusers, ENVIRONMENT)
    trained = load_trained_diffuser(ENVIRONMENT, diffuser)
    spec = get_environment(ENVIRONMENT)
    windows = environment_erc_windows(
        spec, getattr(params.evaluation, ENVIRONMENT), trained.diffusion.horizon, diffuser
    )
    plans = trained.normalizer.normalize(torch.as_tensor(windows.rows, dtype=torch.float32))
    learnt = {}
    with torch.no_grad():
        for loss in LOSSES:
            for run, variant in runs.items():
                network = RewardMLP.load(located(project, variant, paths.learnt_reward(ENVIRONMENT, loss)))
                learnt[loss, run] = network(plans).numpy()
    return windows.true_returns, learnt


def erc_difference_interval(true: np.ndarray, ours: np.ndarray, reference: np.ndarray, draws: int = 2000):
    """ERC(ours) - ERC(reference) on the same windows, with a 95% percentile bootstrap interval."""
    rng = np.random.default_rng(0)
    samples = rng.integers(0, len(true), size=(draws, len(true)))
    differences = [
        episode_return_correlation(true[i], ours[i]) - episode_return_correlation(true[i], reference[i])
        for i in samples
    ]
    low, high = np.percentile(differences, [2.5, 97.5])
    return episode_return_correlation(true, ours) - episode_return_correlation(true, reference), low, high


class Run(NamedTuple):
    """One trained set of Large-Maze rewards: its length, and its seed where a seed variant changed it."""

    epochs: int
    seed: int | None = None

    def __str__(self) -> str:
        return f"{self.epochs} ep" if self.seed is None else f"seed {self.seed}"


def built(project: Path, variant: str | None) -> bool:
    return located(project, variant, paths.evaluation_metrics(ENVIRONMENT)).exists()


def compare(
    project: Path,
    runs: dict[Run, str | None],
    reference: Run,
    evaluations: dict[Run, dict],
    true_returns: np.ndarray,
    learnt: dict[tuple[str, Run], np.ndarray],
) -> dict[Run, list[str]]:
    """Print every run's rows against ``reference``'s; return run -> the losses whose row disagrees."""
    base = evaluations[reference]["base"]["returns"]
    against = f"minus {reference} [95%]"
    print(
        f"{'loss':<11}{'run':>10}{'mean':>9}{'lift over base [95%]':>28}{against:>32}{'ERC':>7}"
        f"{'ERC ' + against:>34}{'loss first -> last':>22}"
    )
    disagreeing: dict[Run, list[str]] = {run: [] for run in runs if run != reference}
    for loss in LOSSES:
        reference_returns = evaluations[reference][loss]["returns"]
        for run, variant in runs.items():
            returns = evaluations[run][loss]["returns"]
            lift = paired_difference(returns, base, CONFIDENCE)
            gap = paired_difference(returns, reference_returns, CONFIDENCE)
            erc_gap = erc_difference_interval(true_returns, learnt[loss, run], learnt[loss, reference])
            if run != reference and not (gap[1] <= 0 <= gap[2] and erc_gap[1] <= 0 <= erc_gap[2]):
                disagreeing[run].append(loss)
            training = read(located(project, variant, paths.reward_training_metrics(ENVIRONMENT, loss)))
            lift_text = f"{lift[0]:+,.0f} [{lift[1]:+,.0f}, {lift[2]:+,.0f}]"
            gap_text = f"{gap[0]:+,.0f} [{gap[1]:+,.0f}, {gap[2]:+,.0f}]" if run != reference else ""
            erc_text = f"{erc_gap[0]:+.3f} [{erc_gap[1]:+.3f}, {erc_gap[2]:+.3f}]" if run != reference else ""
            loss_text = f"{training['first_loss']:.4g} -> {training['final_loss']:.4g}"
            mean = sum(returns) / len(returns)
            erc = episode_return_correlation(true_returns, learnt[loss, run])
            recorded = evaluations[run][loss]["erc"]
            if abs(erc - recorded) > 1e-4:
                raise SystemExit(f"{loss}, {run}: ERC {erc:.4f} here, {recorded:.4f} in its evaluation")
            print(
                f"{loss:<11}{str(run):>10}{mean:>9,.0f}{lift_text:>28}{gap_text:>32}{erc:>7.3f}{erc_text:>34}"
                f"{loss_text:>22}"
            )
    return disagreeing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    project = parser.parse_args().project.resolve()
    os.chdir(project)
    lengths = {Run(epochs): variant for epochs, variant in runs_by_length(project).items()}
    study = next(run for run, variant in lengths.items() if variant is None)
    seeds = {
        Run(study.epochs, int(name.removeprefix(SEED_PREFIX))): name
        for name in VARIANTS
        if name.startswith(SEED_PREFIX) and built(project, name)
    }
    every_run = lengths | seeds
    evaluations = {
        run: read(located(project, v, paths.evaluation_metrics(ENVIRONMENT))) for run, v in every_run.items()
    }
    longest = max(lengths)
    base = evaluations[longest]["base"]["returns"]
    if any(evaluation["base"]["returns"] != base for evaluation in evaluations.values()):
        raise SystemExit("the runs' base rollouts differ: their rollouts are not paired")
    print(f"Large Maze, {len(base)} rollouts per method; base diffuser mean return {sum(base) / len(base):,.0f}")
    true_returns, learnt = erc_scores(project, every_run)

    disagreeing = compare(project, lengths, longest, evaluations, true_returns, learnt)
    agreeing = [run.epochs for run in lengths if not disagreeing.get(run)]
    print(f"shortest length whose every learnt row agrees with {longest}: {min(agreeing)} epochs")
    for run, losses in disagreeing.items():
        print(f"  {run} against {longest}: {len(losses)} of {len(LOSSES)} rows disagree {losses}")
    if seeds:
        print(f"\nThe study's length ({study}, its own seed) against other reward-learning seeds:")
        for run, losses in compare(project, {study: None} | seeds, study, evaluations, true_returns, learnt).items():
            print(f"  {run} against the study's seed: {len(losses)} of {len(LOSSES)} rows disagree {losses}")


if __name__ == "__main__":
    main()
