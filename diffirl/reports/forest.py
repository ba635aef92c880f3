"""Forest plots: paired differences to a base with their intervals, one row each, a reference marked beside."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from diffirl.reports.findings import STATISTIC_NAMES  # noqa: E402
from diffirl.reports.readable import thesis_difference  # noqa: E402


def forest_plot(labels: list[str], mean, low, high, reference, reference_label: str, xlabel: str, title: str):
    """One row per label, top to bottom: ``mean`` with its [``low``, ``high``] interval, ``reference`` as a cross."""
    mean, low, high, reference = (
        np.asarray(pd.to_numeric(v, errors="coerce"), dtype=float) for v in (mean, low, high, reference)
    )
    y = np.arange(len(labels))[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(labels) + 1.3))
    ax.axvline(0.0, color="0.5", linewidth=1)
    ax.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="o", color="tab:blue", capsize=3, label="ours")
    ax.plot(reference, y, "x", color="tab:red", markersize=8, label=reference_label)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=11)
    ax.legend(loc="best", fontsize=9)
    fig.tight_layout()
    return fig


def results_forest(frame: pd.DataFrame, column: str, title: str, confidence: float = 0.95):
    """A results table as its CSV holds it: every row but the base diffuser's, the thesis's difference marked."""
    thesis = thesis_difference(frame, column)
    rows = frame[frame["method"] != "base"]
    labels = [label.removeprefix("Diffuser (").removesuffix(")") for label in rows["label"]]
    labels = [f"{label} (best checkpoint)" if c == "best" else label for label, c in zip(labels, rows["checkpoint"])]
    xlabel = f"{STATISTIC_NAMES[column]}: difference to the base diffuser ({confidence:.0%} CI, paired)"
    return forest_plot(
        labels,
        rows["vs_base_mean"],
        rows["vs_base_low"],
        rows["vs_base_high"],
        thesis[rows.index],
        "thesis",
        xlabel,
        title,
    )
