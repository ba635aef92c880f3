"""``reports/remedies.csv``: does a variant of the study let a learnt reward beat its base diffuser?

One row per variant and learnt reward. A variant rolls out its own base diffuser and its
learnt rewards from the same starts with the same chain noise, so the lift (learnt minus
base, per rollout) is paired, with a t-interval; the ``study_*`` columns give the same
loss's numbers in the study's own configuration (the thesis's), for comparison. The
reward-learning columns say whether training moved the loss at all, or blew up.
"""

from __future__ import annotations

import math

import numpy as np

from diffirl.reports.results import RESULTS_TABLES, paired_difference
from diffirl.variants import Variant


def statistic_of(environment: str) -> str:
    """The per-rollout statistic the environment's results table ranks methods by."""
    return next(t.statistic for t in RESULTS_TABLES.values() if t.environment == environment and t.with_erc)


def lift(metrics: dict, loss: str, statistic: str, confidence: float) -> tuple[float, float, float]:
    return paired_difference(metrics[loss][statistic], metrics["base"][statistic], confidence)


#: a final loss this far above the first (relative) counts as diverged
DIVERGED_LOSS_RISE = 0.5


def training_summary(training: dict) -> dict:
    first, final = training["first_loss"], training["final_loss"]
    change = (final - first) / abs(first) if first and math.isfinite(first) and math.isfinite(final) else float("nan")
    return {
        "epochs": training["epochs"],
        "first_loss": first,
        "final_loss": final,
        "loss_change": change,
        "diverged": not math.isfinite(final) or change > DIVERGED_LOSS_RISE,
    }


def remedy_rows(
    variant: Variant,
    environment: str,
    metrics: dict,
    training: dict[str, dict],
    study_metrics: dict,
    confidence: float,
    expert_errors: tuple[float, float] = (float("nan"), float("nan")),
) -> list[dict]:
    """``metrics``: the variant's evaluation in ``environment``; ``training``: its reward-learning metrics per loss;
    ``study_metrics``: the study's evaluation of the same environment; ``expert_errors``: the
    mean one-step dynamics error of the variant's expert windows and of the study's."""
    statistic = statistic_of(environment)
    column = statistic.removesuffix("s")
    rows = []
    for loss in variant.losses:
        values = np.asarray(metrics[loss][statistic])
        low_high = lift(metrics, loss, statistic, confidence)
        study = lift(study_metrics, loss, statistic, confidence)
        rows.append(
            {
                "variant": variant.name,
                "environment": environment,
                "loss": loss,
                "statistic": column,
                "mean": values.mean(),
                "std": values.std(),
                "base_mean": float(np.mean(metrics["base"][statistic])),
                "lift_mean": low_high[0],
                "lift_low": low_high[1],
                "lift_high": low_high[2],
                "beats_base": bool(low_high[1] > 0),
                "erc": metrics[loss]["erc"],
                **training_summary(training[loss]),
                "rollouts": len(values),
                "study_mean": float(np.mean(study_metrics[loss][statistic])),
                "study_base_mean": float(np.mean(study_metrics["base"][statistic])),
                "study_lift_mean": study[0],
                "study_lift_low": study[1],
                "study_lift_high": study[2],
                "study_erc": study_metrics[loss]["erc"],
                "expert_dynamics_error": expert_errors[0],
                "study_expert_dynamics_error": expert_errors[1],
                "question": variant.question,
            }
        )
    return rows
