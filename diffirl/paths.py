"""Every file the DAG produces, named once. Both front ends (DVC, Snakemake) take paths from here."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path

from diffirl.figures import DYNAMICS_ERROR_FIGURES, FIGURE_KINDS
from diffirl.methods import BASELINES, LOSSES  # noqa: F401  (re-exported: the DAG names files by them)

#: while a stage runs a variant (diffirl/variants.py): each study file whose variant version it reads
#: or writes (its command names them), mapped to the variant owning that version (itself, or the
#: variant it extends); every other file is the study's own
_variant: tuple[str, dict[str, str]] | None = None


def use_variant(
    name: str | None, redirected: Iterable[str] = (), borrowed: Iterable[str] = (), extends: str | None = None
) -> None:
    """Name files as variant ``name`` does from now on (None: as the study does): ``redirected`` in its
    own version, ``borrowed`` in that of the variant it ``extends``."""
    global _variant
    if name is None:
        _variant = None
        return
    owners = {str(p): extends for p in borrowed} | {str(p): name for p in redirected}
    _variant = (name, owners)


def variant_path(variant: str, path: str | Path) -> Path:
    """Where a variant (diffirl/variants.py) keeps its version of a study file: data/x -> data/variants/NAME/x."""
    top, *rest = Path(path).parts
    return Path(top, "variants", variant, *rest)


def _study_file(function: Callable[..., Path]) -> Callable[..., Path]:
    """The file, or the active variant's version of it (resume state always: never shared with the study)."""

    @functools.wraps(function)
    def named(*args, **kwargs) -> Path:
        path = function(*args, **kwargs)
        if _variant is not None:
            name, owners = _variant
            if path.is_relative_to(CHECKPOINTS):
                return variant_path(name, path)
            if str(path) in owners:
                return variant_path(owners[str(path)], path)
        return path

    return named


DATA = Path("data")
REPORTS = Path("reports")
FIGURES = REPORTS / "figures"

TABLE3 = REPORTS / "table3.csv"


def figure_number(figure: str, environment: str) -> int | None:
    """The thesis's number for figure ``figure`` (:data:`diffirl.figures.FIGURE_KINDS`) of ``environment``."""
    return FIGURE_KINDS[figure].number(environment)


def figure_title(figure: str, environment: str, text: str) -> str:
    """An image title: ``text``, headed by the thesis's figure number where it has one."""
    return FIGURE_KINDS[figure].title(environment, text)


def environment_figure(figure: str, environment: str) -> Path:
    """The study's file of figure ``figure`` of ``environment`` (not a variant's)."""
    return FIGURES / FIGURE_KINDS[figure].file_name(environment)


@_study_file
def dataset_file(environment: str, split: str) -> Path:
    return DATA / "datasets" / environment / f"{split}.hdf5"


@_study_file
def provenance_file(environment: str, split: str) -> Path:
    return dataset_file(environment, split).with_suffix(".json")


@_study_file
def dataset_figure(environment: str) -> Path:
    return environment_figure("dataset_samples", environment)


METRICS = REPORTS / "metrics"
PLOTS = REPORTS / "plots"
CHECKPOINTS = DATA / "checkpoints"


@_study_file
def diffuser_model(environment: str) -> Path:
    return DATA / "diffusers" / environment / "diffuser.pt"


@_study_file
def expert_diffuser_model(environment: str) -> Path:
    """The relative reward's expert diffuser (trained on the experts, in the base's normalised space)."""
    return DATA / "diffusers" / environment / "expert_diffuser.pt"


@_study_file
def comparison_network(environment: str, method: str) -> Path:
    """The network a compared method steers with: ``relative`` (the relative reward) or ``discriminator``."""
    return DATA / "rewards" / environment / f"{method}.pt"


@_study_file
def comparison_training_log(environment: str, network: str) -> Path:
    """The training loss per step of ``network``: ``expert_diffuser``, ``relative`` or ``discriminator``."""
    return PLOTS / f"{network}_{environment}_training.csv"


@_study_file
def comparison_training_metrics(environment: str, network: str) -> Path:
    return METRICS / f"{network}_{environment}_training.json"


@_study_file
def comparison_checkpoint(environment: str, network: str) -> Path:
    return CHECKPOINTS / f"{network}_{environment}.pt"


@_study_file
def diffuser_checkpoint(environment: str) -> Path:
    """Resumable training state; outside the DAG, reused only under identical settings and data."""
    return CHECKPOINTS / f"diffuser_{environment}.pt"


@_study_file
def baseline_checkpoint(environment: str, algorithm: str) -> Path:
    """Resumable state of a GAIL or AIRL run, saved every round."""
    return CHECKPOINTS / f"baseline_{environment}_{algorithm}.pt"


@_study_file
def expert_run_checkpoint(environment: str) -> Path:
    """Resumable state of the reinforcement-learning run that generates a MuJoCo environment's datasets."""
    return CHECKPOINTS / f"expert_run_{environment}.pt"


@_study_file
def diffuser_training_log(environment: str) -> Path:
    return PLOTS / f"diffuser_{environment}_training.csv"


@_study_file
def diffuser_training_metrics(environment: str) -> Path:
    return METRICS / f"diffuser_{environment}_training.json"


@_study_file
def diffuser_loss_figure(environment: str) -> Path:
    return environment_figure("diffuser_loss", environment)


@_study_file
def diffuser_samples_figure(environment: str) -> Path:
    return environment_figure("diffuser_samples", environment)


@_study_file
def diffuser_quality_metrics(environment: str) -> Path:
    return METRICS / f"diffuser_{environment}_quality.json"


@_study_file
def experts_file(environment: str) -> Path:
    return DATA / "experts" / f"{environment}.npz"


@_study_file
def expert_windows_file(environment: str) -> Path:
    return DATA / "experts" / f"{environment}_windows.npz"


@_study_file
def true_reward_figure(environment: str) -> Path:
    return environment_figure("true_reward", environment)


@_study_file
def experts_figure(environment: str) -> Path:
    return environment_figure("experts", environment)


CLAIMS = REPORTS / "claims.csv"
#: the headline numbers of each table, the files `dvc metrics show` lists (``summary_file``)
SUMMARIES = REPORTS / "summary"


def forest_figure(table: str) -> Path:
    """The report's forest plot of results table ``table`` (``table1``, ``results_ENV``: paired lifts over the base)."""
    return REPORTS / "forest" / f"{table}.png"


def summary_file(name: str) -> Path:
    """One small JSON of headline numbers: ``table1``, ``table1_erc``, ``table3``, ``claims``."""
    return SUMMARIES / f"{name}.json"


@_study_file
def dynamics_error_figure(environment: str, kind: str) -> Path:
    """Figures 15-17 (the thesis draws them for the Large Maze; the U-Maze is the comparison)."""
    return environment_figure(DYNAMICS_ERROR_FIGURES[kind], environment)


@_study_file
def dynamics_error_metrics(environment: str) -> Path:
    return METRICS / f"dynamics_error_{environment}.json"


@_study_file
def dynamics_error_starts(environment: str) -> Path:
    """Every start state, its first planned step's error and its plan's mean error."""
    return REPORTS / f"dynamics_error_{environment}.csv"


REPORT_MARKDOWN = REPORTS / "report.md"
REPORT_HTML = REPORTS / "report.html"
#: the variants of the study (diffirl/variants.py) against its own configuration: remedies, conventions
REMEDIES = REPORTS / "remedies.csv"
REMEDIES_MARKDOWN = REPORTS / "remedies.md"
REMEDIES_HTML = REPORTS / "remedies.html"
CONVENTIONS = REPORTS / "conventions.csv"
CONVENTIONS_MARKDOWN = REPORTS / "conventions.md"
CONVENTIONS_HTML = REPORTS / "conventions.html"
#: the page of ``make compare``
COMPARISON_MARKDOWN = REPORTS / "comparison.md"
COMPARISON_HTML = REPORTS / "comparison.html"
#: the reward-recovery benchmark (``make recovery``): its leaderboard, page and figure
RECOVERY = REPORTS / "recovery.csv"
RECOVERY_MARKDOWN = REPORTS / "recovery.md"
RECOVERY_HTML = REPORTS / "recovery.html"
RECOVERY_FIGURE = REPORTS / "recovery.png"


def extent_outputs(core: tuple[Path, ...], extent: str) -> tuple[Path, ...]:
    """A table's outputs (``core``, those of its ``make`` target sized for the default scale) or, for the
    ``full`` extent (its paper-sized ``make NAME_full``), the same files named ``NAME_full``."""
    if extent == "core":
        return core
    if extent != "full":
        raise ValueError(f"unknown extent {extent!r}; choose core or full")
    return tuple(path.with_stem(f"{path.stem}_full") for path in core)


def recovery_outputs(extent: str) -> tuple[Path, ...]:
    """The leaderboard's table, page (Markdown, HTML) and figure of ``make recovery`` or ``make recovery_full``."""
    return extent_outputs((RECOVERY, RECOVERY_MARKDOWN, RECOVERY_HTML, RECOVERY_FIGURE), extent)


#: reward transfer (``make transfer``): its table, page and figure
TRANSFER = REPORTS / "transfer.csv"
TRANSFER_MARKDOWN = REPORTS / "transfer.md"
TRANSFER_HTML = REPORTS / "transfer.html"
TRANSFER_FIGURE = REPORTS / "transfer.png"


def transfer_outputs(extent: str) -> tuple[Path, ...]:
    """The transfer table, page (Markdown, HTML) and figure of ``make transfer`` or ``make transfer_full``."""
    return extent_outputs((TRANSFER, TRANSFER_MARKDOWN, TRANSFER_HTML, TRANSFER_FIGURE), extent)


#: the probe of the current scale (make probe): projected hours and memory per stage, and per loop
PAPER_COST = REPORTS / "paper_cost.csv"
PAPER_COST_LOOPS = REPORTS / "paper_cost_loops.csv"
PAPER_COST_FIGURE = REPORTS / "paper_cost.png"
PAPER_COST_MARKDOWN = REPORTS / "paper_cost.md"
PAPER_COST_HTML = REPORTS / "paper_cost.html"


def recovery_controls(environment: str) -> Path:
    """The controls' scores in one maze (rollouts, ERC, EPIC, gradient cosines)."""
    return METRICS / f"recovery_controls_{environment}.json"


def recovery_baselines(environment: str) -> Path:
    """The scores of the rewards the baselines recover in one maze (as the controls')."""
    return METRICS / f"recovery_baselines_{environment}.json"


def transfer_metrics(environment: str, learner: str) -> Path:
    """One learner's training summaries and its policies' rollout scores, per transferred reward."""
    return METRICS / f"transfer_{learner}_{environment}.json"


def independent_diffuser_model(environment: str) -> Path:
    """A second base diffuser, trained as the study's on the same data but from another seed (reward transfer)."""
    return DATA / "diffusers" / environment / "independent.pt"


def independent_diffuser_metrics(environment: str) -> Path:
    return METRICS / f"independent_diffuser_{environment}_training.json"


def independent_diffuser_checkpoint(environment: str) -> Path:
    return CHECKPOINTS / f"independent_diffuser_{environment}.pt"


def transfer_steering_metrics(environment: str) -> Path:
    """Rollouts of the study's and the independent diffuser, unguided, by the true reward and by each learnt reward."""
    return METRICS / f"transfer_steering_{environment}.json"


def transfer_checkpoint(environment: str, learner: str, reward: str) -> Path:
    """Resumable state of one learner trained on one reward (the trained policy, once finished)."""
    return CHECKPOINTS / f"transfer_{learner}_{reward}_{environment}.pt"


def remedy_forest_figure(variant: str) -> Path:
    return REPORTS / "forest" / f"remedy_{variant}.png"


def convention_forest_figure(variant: str, environment: str) -> Path:
    return REPORTS / "forest" / f"convention_{variant}_{environment}.png"


#: Snakemake's per-stage time and memory (its ``benchmark:`` files); DVC runs leave none
BENCHMARKS = Path("benchmarks")


@_study_file
def benchmark_file(stage: str) -> Path:
    return BENCHMARKS / f"{stage}.tsv"


#: each stage's console output under Snakemake (its ``log:`` files)
LOGS = Path("logs")


@_study_file
def log_file(stage: str) -> Path:
    return LOGS / f"{stage}.log"


@_study_file
def results_table(number: int) -> Path:
    """Tables 1, 2, 4 and 5: the results of every method in one environment."""
    return REPORTS / f"table{number}.csv"


@_study_file
def comparison_results_table(environment: str) -> Path:
    """Every method of one environment, those compared beside the study's included (``make compare``)."""
    return REPORTS / f"comparison_{environment}.csv"


@_study_file
def steering_selection(environment: str, method: str) -> Path:
    """A compared method's guidance grid on the selection's seeds, and the settings chosen."""
    return METRICS / f"steering_{environment}_{method}.json"


@_study_file
def reward_maps_figure(environment: str) -> Path:
    return environment_figure("reward_maps", environment)


@_study_file
def goal_recovery_table(environment: str) -> Path:
    """Per method with a reward: its best resting cell, and whether it lies within one cell of the true reward's."""
    return REPORTS / f"goal_recovery_{environment}.csv"


@_study_file
def comparison_rollouts(environment: str) -> Path:
    return DATA / "evaluation" / f"comparison_{environment}.npz"


@_study_file
def comparison_metrics(environment: str) -> Path:
    return METRICS / f"comparison_{environment}.json"


@_study_file
def environment_results_table(environment: str) -> Path:
    """The same table for an environment the thesis has no table of."""
    return REPORTS / f"results_{environment}.csv"


@_study_file
def learnt_reward(environment: str, loss: str) -> Path:
    return DATA / "rewards" / environment / f"{loss}.pt"


@_study_file
def reward_checkpoint(environment: str, loss: str) -> Path:
    return CHECKPOINTS / f"reward_{environment}_{loss}.pt"


@_study_file
def reward_training_log(environment: str, loss: str) -> Path:
    return PLOTS / f"reward_{environment}_{loss}.csv"


@_study_file
def reward_training_metrics(environment: str, loss: str) -> Path:
    return METRICS / f"reward_{environment}_{loss}.json"


@_study_file
def reward_loss_figure(environment: str) -> Path:
    return environment_figure("reward_losses", environment)


@_study_file
def evaluation_rollouts(environment: str) -> Path:
    return DATA / "evaluation" / f"{environment}.npz"


@_study_file
def evaluation_metrics(environment: str) -> Path:
    return METRICS / f"evaluation_{environment}.json"


@_study_file
def rollout_figure(environment: str) -> Path:
    return environment_figure("rollouts", environment)


@_study_file
def true_reward_rollout_figure(environment: str) -> Path:
    return environment_figure("true_reward_rollouts", environment)


@_study_file
def baseline_policy(environment: str, algorithm: str) -> Path:
    return DATA / "baselines" / environment / f"{algorithm}_policy.pt"


@_study_file
def baseline_reward_net(environment: str, algorithm: str) -> Path:
    """The reward network of a baseline that ends with one (AIRL's, with its shaping term), as `imitation` saves it."""
    return DATA / "baselines" / environment / f"{algorithm}_reward.pt"


@_study_file
def baseline_training_log(environment: str, algorithm: str) -> Path:
    return PLOTS / f"baseline_{environment}_{algorithm}.csv"


@_study_file
def baseline_training_metrics(environment: str, algorithm: str) -> Path:
    return METRICS / f"baseline_{environment}_{algorithm}_training.json"


@_study_file
def baselines_metrics(environment: str) -> Path:
    return METRICS / f"baselines_{environment}.json"


@_study_file
def baselines_rollouts(environment: str) -> Path:
    return DATA / "evaluation" / f"baselines_{environment}.npz"
