"""A forest plot per results table: each method's paired lift over the base diffuser, with its interval,
and the thesis's difference marked beside it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from diffirl.reports.findings import STATISTIC_NAMES  # noqa: E402
from diffirl.reports.readable import thesis_difference  # noqa: E402


def forest_plot(frame: pd.DataFrame, column: str, title: str, confidence: float = 0.95):
    """``frame``: a results table as its CSV holds it; every row but the base diffuser's is drawn."""
    thesis = thesis_difference(frame, column)
    rows = frame[frame["method"] != "base"]
    labels = [label.removeprefix("Diffuser (").removesuffix(")") for label in rows["label"]]
    labels = [f"{label} (best checkpoint)" if c == "best" else label for label, c in zip(labels, rows["checkpoint"])]
    y = np.arange(len(rows))[::-1]
    mean = pd.to_numeric(rows["vs_base_mean"], errors="coerce").to_numpy()
    low = pd.to_numeric(rows["vs_base_low"], errors="coerce").to_numpy()
    high = pd.to_numeric(rows["vs_base_high"], errors="coerce").to_numpy()
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.3))
    ax.axvline(0.0, color="0.5", linewidth=1)
    ax.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="o", color="tab:blue", capsize=3, label="ours")
    ax.plot(thesis[rows.index].to_numpy(dtype=float), y, "x", color="tab:red", markersize=8, label="thesis")
    ax.set_yticks(y, labels)
    ax.set_xlabel(f"{STATISTIC_NAMES[column]}: difference to the base diffuser ({confidence:.0%} CI, paired)")
    ax.set_title(title, fontsize=11)
    ax.legend(loc="best", fontsize=9)
    fig.tight_layout()
    return fig
