"""The headline numbers of each table, as the small JSON files DVC lists as metrics.

`dvc metrics show` prints one table whose columns are the union of every metrics file's
keys, so the summaries share their keys: a results table's files are keyed by method
(one file of its statistic's means, one of its ERCs), Table 3's by dataset and the
claims' by verdict. The full tables stay in the CSVs beside them.
"""

from __future__ import annotations

import pandas as pd

from diffirl.metrics import finite_or_none
from diffirl.reports.claims import FAILS, HOLDS


def _rounded(value, digits: int) -> float | None:
    value = finite_or_none(value)
    return None if value is None else round(value, digits)


def results_summaries(frame: pd.DataFrame, column: str) -> dict[str, dict[str, float | None]]:
    """{"": the statistic's mean per method, "erc": ERC per method with a reward}, last checkpoints only."""
    last = frame[frame["checkpoint"].fillna("").isin(["", "last"])]
    means = {row.method: _rounded(getattr(row, f"{column}_mean"), 2) for row in last.itertuples()}
    summaries = {"": means}
    if "erc" in frame:
        summaries["erc"] = {row.method: _rounded(row.erc, 3) for row in last.itertuples() if not pd.isna(row.erc)}
    return summaries


def table3_summary(frame: pd.DataFrame) -> dict[str, float | None]:
    """The mean discounted return of each dataset's segments (the thesis's statistic)."""
    return {row.dataset.replace("-", "_"): _rounded(row.discounted_return_mean, 2) for row in frame.itertuples()}


def claims_summary(frame: pd.DataFrame) -> dict[str, int]:
    """How many of the thesis's claims hold on our run, and how many were decided at all."""
    verdicts = frame["ours_verdict"]
    return {"claims_hold": int((verdicts == HOLDS).sum()), "claims_decided": int(verdicts.isin([HOLDS, FAILS]).sum())}
