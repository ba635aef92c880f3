"""Every file the DAG produces, named once. Both front ends (DVC, Snakemake) take paths from here."""

from __future__ import annotations

from pathlib import Path

from diffirl.methods import BASELINES, LOSSES  # noqa: F401  (re-exported: the DAG names files by them)

DATA = Path("data")
REPORTS = Path("reports")
FIGURES = REPORTS / "figures"

TABLE3 = REPORTS / "table3.csv"

#: the thesis's figure number for each maze's dataset samples
DATASET_FIGURE_NUMBERS = {"umaze": 21, "large": 23}


def dataset_file(environment: str, split: str) -> Path:
    return DATA / "datasets" / environment / f"{split}.hdf5"


def provenance_file(environment: str, split: str) -> Path:
    return dataset_file(environment, split).with_suffix(".json")


def dataset_figure(environment: str) -> Path:
    return FIGURES / f"fig{DATASET_FIGURE_NUMBERS[environment]}_{environment}_dataset.png"


#: the thesis's figure number for each maze's early/late diffuser samples
DIFFUSER_SAMPLE_FIGURE_NUMBERS = {"umaze": 22, "large": 24}
METRICS = REPORTS / "metrics"
PLOTS = REPORTS / "plots"
CHECKPOINTS = DATA / "checkpoints"


def diffuser_model(environment: str) -> Path:
    return DATA / "diffusers" / environment / "diffuser.pt"


def diffuser_checkpoint(environment: str) -> Path:
    """Resumable training state; outside the DAG, reused only under identical settings and data."""
    return CHECKPOINTS / f"diffuser_{environment}.pt"


def baseline_checkpoint(environment: str, algorithm: str) -> Path:
    """Resumable state of a GAIL or AIRL run, saved every round."""
    return CHECKPOINTS / f"baseline_{environment}_{algorithm}.pt"


def sac_checkpoint(environment: str) -> Path:
    """Resumable state of the SAC run that generates a MuJoCo environment's datasets."""
    return CHECKPOINTS / f"sac_{environment}.pt"


def diffuser_training_log(environment: str) -> Path:
    return PLOTS / f"diffuser_{environment}_training.csv"


def diffuser_training_metrics(environment: str) -> Path:
    return METRICS / f"diffuser_{environment}_training.json"


def diffuser_loss_figure(environment: str) -> Path:
    return FIGURES / f"diffuser_{environment}_loss.png"


def diffuser_samples_figure(environment: str) -> Path:
    number = DIFFUSER_SAMPLE_FIGURE_NUMBERS[environment]
    return FIGURES / f"fig{number}_{environment}_diffuser_samples.png"


def diffuser_quality_metrics(environment: str) -> Path:
    return METRICS / f"diffuser_{environment}_quality.json"


#: the thesis's figure numbers: the true reward over the maze, and the experts
TRUE_REWARD_FIGURE_NUMBERS = {"umaze": 4, "large": 12}
EXPERT_FIGURE_NUMBERS = {"umaze": 5, "large": 11}


def experts_file(environment: str) -> Path:
    return DATA / "experts" / f"{environment}.npz"


def expert_windows_file(environment: str) -> Path:
    return DATA / "experts" / f"{environment}_windows.npz"


def true_reward_figure(environment: str) -> Path:
    return FIGURES / f"fig{TRUE_REWARD_FIGURE_NUMBERS[environment]:02d}_{environment}_true_reward.png"


def experts_figure(environment: str) -> Path:
    return FIGURES / f"fig{EXPERT_FIGURE_NUMBERS[environment]:02d}_{environment}_experts.png"


REWARD_LOSS_FIGURE_NUMBERS = {"umaze": 6, "large": 13, "halfcheetah": 18}
ROLLOUT_FIGURE_NUMBERS = {"umaze": 7, "large": 14}
#: rollouts guided by the true reward alone (the Large Maze's stalls)
TRUE_REWARD_ROLLOUT_FIGURE_NUMBERS = {"large": 10}
CLAIMS = REPORTS / "claims.csv"


#: Figures 15-17 (the thesis draws them for the Large Maze; the U-Maze is the comparison)
DYNAMICS_FIGURE_NUMBERS = {"heatmap": 15, "zones": 16, "by_step": 17}


def dynamics_error_figure(environment: str, kind: str) -> Path:
    return FIGURES / f"fig{DYNAMICS_FIGURE_NUMBERS[kind]}_{environment}_dynamics_error_{kind}.png"


def dynamics_error_metrics(environment: str) -> Path:
    return METRICS / f"dynamics_error_{environment}.json"


def dynamics_error_starts(environment: str) -> Path:
    """Every start state, its first planned step's error and its plan's mean error."""
    return REPORTS / f"dynamics_error_{environment}.csv"


REPORT_MARKDOWN = REPORTS / "report.md"
REPORT_HTML = REPORTS / "report.html"
#: Snakemake's per-stage time and memory (its ``benchmark:`` files); DVC runs leave none
BENCHMARKS = Path("benchmarks")


def benchmark_file(stage: str) -> Path:
    return BENCHMARKS / f"{stage}.tsv"


#: each stage's console output under Snakemake (its ``log:`` files)
LOGS = Path("logs")


def log_file(stage: str) -> Path:
    return LOGS / f"{stage}.log"


def results_table(number: int) -> Path:
    """Tables 1, 2, 4 and 5: the results of every method in one environment."""
    return REPORTS / f"table{number}.csv"


def learnt_reward(environment: str, loss: str) -> Path:
    return DATA / "rewards" / environment / f"{loss}.pt"


def reward_checkpoint(environment: str, loss: str) -> Path:
    return CHECKPOINTS / f"reward_{environment}_{loss}.pt"


def reward_training_log(environment: str, loss: str) -> Path:
    return PLOTS / f"reward_{environment}_{loss}.csv"


def reward_training_metrics(environment: str, loss: str) -> Path:
    return METRICS / f"reward_{environment}_{loss}.json"


def reward_loss_figure(environment: str) -> Path:
    return FIGURES / f"fig{REWARD_LOSS_FIGURE_NUMBERS[environment]:02d}_{environment}_reward_losses.png"


def evaluation_rollouts(environment: str) -> Path:
    return DATA / "evaluation" / f"{environment}.npz"


def evaluation_metrics(environment: str) -> Path:
    return METRICS / f"evaluation_{environment}.json"


def rollout_figure(environment: str) -> Path:
    return FIGURES / f"fig{ROLLOUT_FIGURE_NUMBERS[environment]:02d}_{environment}_rollouts.png"


def true_reward_rollout_figure(environment: str) -> Path:
    number = TRUE_REWARD_ROLLOUT_FIGURE_NUMBERS[environment]
    return FIGURES / f"fig{number:02d}_{environment}_true_reward_rollouts.png"


def baseline_policy(environment: str, algorithm: str) -> Path:
    return DATA / "baselines" / environment / f"{algorithm}_policy.pt"


def airl_reward_net(environment: str) -> Path:
    """AIRL's learnt reward without its shaping term, as an `imitation` reward network."""
    return DATA / "baselines" / environment / "airl_reward.pt"


def baseline_training_log(environment: str, algorithm: str) -> Path:
    return PLOTS / f"baseline_{environment}_{algorithm}.csv"


def baseline_training_metrics(environment: str, algorithm: str) -> Path:
    return METRICS / f"baseline_{environment}_{algorithm}_training.json"


def baselines_metrics(environment: str) -> Path:
    return METRICS / f"baselines_{environment}.json"


def baselines_rollouts(environment: str) -> Path:
    return DATA / "evaluation" / f"baselines_{environment}.npz"
