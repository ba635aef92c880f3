"""Table 2's learnt rows at each Large-Maze reward-training length, against the longest.

    python benchmarks/reward_training_length.py PROJECT

PROJECT: a project that has built the study's Large-Maze evaluation and the variants
``reward_training_length_*`` (``snakemake --cores 2 table2 reward_training_length_100
reward_training_length_500``). Every length is rolled out from the same starts with the
same chain noise, so two lengths' returns are paired rollout by rollout. For each loss
and length it prints the mean return, the paired lift over the base diffuser, the
paired difference to the longest length (each with its 95% t-interval), the ERC and the
reward-learning loss from first to last epoch; then the shortest length whose every
learnt row agrees with the longest's (the difference's interval holds 0).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diffirl import paths  # noqa: E402
from diffirl.methods import LOSSES  # noqa: E402
from diffirl.paths import variant_path  # noqa: E402
from diffirl.reports.results import paired_difference  # noqa: E402
from diffirl.variants import VARIANTS  # noqa: E402

ENVIRONMENT = "large"
PREFIX = "reward_training_length_"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    project = parser.parse_args().project.resolve()
    os.chdir(project)
    runs = runs_by_length(project)
    evaluations = {n: read(located(project, v, paths.evaluation_metrics(ENVIRONMENT))) for n, v in runs.items()}
    longest = max(runs)
    base = evaluations[longest]["base"]["returns"]
    if any(evaluation["base"]["returns"] != base for evaluation in evaluations.values()):
        raise SystemExit("the lengths' base rollouts differ: their rollouts are not paired")
    print(f"Large Maze, {len(base)} rollouts per method; base diffuser mean return {sum(base) / len(base):,.0f}")
    against = f"minus {longest} epochs [95%]"
    print(
        f"{'loss':<11}{'epochs':>7}{'mean':>9}{'lift over base [95%]':>28}{against:>30}{'ERC':>7}{'loss first -> last':>22}"
    )
    agreeing = {n: True for n in runs}
    for loss in LOSSES:
        reference = evaluations[longest][loss]["returns"]
        for epochs, variant in runs.items():
            returns = evaluations[epochs][loss]["returns"]
            lift = paired_difference(returns, base, CONFIDENCE)
            gap = paired_difference(returns, reference, CONFIDENCE)
            if epochs != longest and not gap[1] <= 0 <= gap[2]:
                agreeing[epochs] = False
            training = read(located(project, variant, paths.reward_training_metrics(ENVIRONMENT, loss)))
            lift_text = f"{lift[0]:+,.0f} [{lift[1]:+,.0f}, {lift[2]:+,.0f}]"
            gap_text = f"{gap[0]:+,.0f} [{gap[1]:+,.0f}, {gap[2]:+,.0f}]" if epochs != longest else ""
            loss_text = f"{training['first_loss']:.4g} -> {training['final_loss']:.4g}"
            mean = sum(returns) / len(returns)
            erc = evaluations[epochs][loss]["erc"]
            print(f"{loss:<11}{epochs:>7}{mean:>9,.0f}{lift_text:>28}{gap_text:>30}{erc:>7.3f}{loss_text:>22}")
    chosen = min(n for n, ok in agreeing.items() if ok)
    print(f"shortest length whose every learnt row agrees with {longest} epochs: {chosen}")


if __name__ == "__main__":
    main()
