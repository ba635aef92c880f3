"""``reports/conventions.csv``: how much each of the published code's conventions moves the results.

The defaults correct several conventions of the thesis's published code (README,
Deviations 16-19 and 29); each convention variant switches one of them back (and
``published_conventions`` all at once, in both mazes). One row per variant, environment
and method it evaluates: the mean of the environment's statistic, the paired lift over
the variant's own base diffuser with a t-interval (same starts, same noise), the ERC, and
the same method's numbers in the study beside them. A variant that re-evaluates only the
baselines keeps the study's base diffuser, which is its own.
"""

from __future__ import annotations

import numpy as np

from diffirl.methods import METHODS
from diffirl.reports.remedies import statistic_of
from diffirl.reports.results import paired_difference

#: the per-method metrics of one environment: evaluation and baselines, as their stages write them
Metrics = dict[str, dict]


def _scores(metrics: Metrics, method: str, base: Metrics, statistic: str, confidence: float) -> dict:
    values = np.asarray(metrics[method][statistic], dtype=np.float64)
    lift = paired_difference(values, base["base"][statistic], confidence) if method != "base" else (np.nan,) * 3
    return {
        "mean": float(values.mean()),
        "std": float(values.std()),
        "lift_mean": lift[0],
        "lift_low": lift[1],
        "lift_high": lift[2],
        "erc": metrics[method].get("erc"),
    }


def convention_rows(
    variant: str, question: str, environment: str, own: Metrics, study: Metrics, confidence: float
) -> list[dict]:
    """``own``: the methods the variant evaluated in ``environment`` (its evaluation and/or its
    baselines' metrics, merged); ``study``: the study's evaluation and baselines there."""
    statistic = statistic_of(environment)
    base = own if "base" in own else study
    rows = []
    for method in (name for name in METHODS if name in own):
        ours = _scores(own, method, base, statistic, confidence)
        theirs = _scores(study, method, study, statistic, confidence)
        rows.append(
            {
                "variant": variant,
                "environment": environment,
                "method": method,
                "label": METHODS[method].label,
                "statistic": statistic.removesuffix("s"),
                **ours,
                "rollouts": len(own[method][statistic]),
                **{f"study_{key}": value for key, value in theirs.items() if key != "std"},
                "question": question,
            }
        )
    return rows
