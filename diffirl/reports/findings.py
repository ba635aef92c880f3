"""One sentence per table saying what our run found beside the thesis, written from the tables' numbers."""

from __future__ import annotations

import pandas as pd

from diffirl.envs.registry import ENVIRONMENTS
from diffirl.methods import BASELINES, LOSSES
from diffirl.metrics import finite_or_none
from diffirl.reports.claims import FAILS, HOLDS, MISSING
from diffirl.reports.readable import claims_held, number, thesis_difference
from diffirl.reports.results import ResultsTable

ENVIRONMENT_NAMES = {"umaze": "U-Maze", "large": "Large Maze", "halfcheetah": "HalfCheetah"}
STATISTIC_NAMES = {"return": "return", "discounted_return": "discounted return", "action_norm": "mean action norm"}


def _span(values: list[float], missing: str) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return missing
    low, high = min(values), max(values)
    return number(low, signed=True) if low == high else f"{number(low, signed=True)} to {number(high, signed=True)}"


def _group(frame: pd.DataFrame, names: tuple[str, ...], what: str, column: str, with_thesis: bool) -> str | None:
    """'the learnt rewards +293 to +330 (3 of 3 intervals above zero; thesis +847 to +869)'."""
    rows = frame[frame["method"].isin(names)]
    if rows.empty:
        return None
    thesis = thesis_difference(frame, column)[rows.index]
    lows, highs = rows["vs_base_low"].map(finite_or_none), rows["vs_base_high"].map(finite_or_none)
    above = sum(1 for low in lows if low is not None and low > 0)
    below = sum(1 for high in highs if high is not None and high < 0)
    verdicts = f"{above} of {len(rows)} intervals above zero" + (f", {below} below" if below else "")
    if len(rows) == 1:
        verdicts = "interval above zero" if above else "interval below zero" if below else "interval across zero"
    ours = _span(list(rows["vs_base_mean"].map(finite_or_none)), "not built yet")
    if not with_thesis:
        return f"{what} {ours} ({verdicts})"
    return f"{what} {ours} ({verdicts}; thesis {_span(list(thesis.map(finite_or_none)), 'not published')})"


def results_finding(table: ResultsTable, frame: pd.DataFrame) -> str:
    """What a results table says about the base diffuser and each group of methods against it."""
    column = table.column
    base = frame[frame["method"] == "base"].iloc[0]
    last = frame[frame["checkpoint"].fillna("").isin(["", "last"])]
    in_thesis = table.number is not None
    groups = [
        _group(last, ("true",), "true-reward guidance", column, in_thesis),
        _group(last, LOSSES, "the learnt rewards", column, in_thesis),
        _group(last, BASELINES, "the baselines", column, in_thesis),
    ]
    name, statistic = environment_name(table.environment), STATISTIC_NAMES[column]
    if not in_thesis:
        heading, thesis = f"{name} ({statistic}; no table in the thesis)", ""
    else:
        heading, thesis = (
            f"Table {table.number} ({name}, {statistic})",
            f" (thesis {number(base[f'thesis_{column}_mean'])})",
        )
    return (
        f"{heading}: the base diffuser scores {number(base[f'{column}_mean'])}{thesis}; "
        f"against it, paired, {'; '.join(g for g in groups if g)}."
    )


def environment_name(environment: str) -> str:
    """The thesis's name of an environment, or its gymnasium id for one the thesis does not have."""
    return ENVIRONMENT_NAMES.get(environment) or ENVIRONMENTS[environment].gym_id


def table3_finding(frame: pd.DataFrame) -> str:
    parts = [
        f"{row.dataset} {number(row.discounted_return_mean)} (thesis {number(row.thesis_discounted_return_mean)})"
        for row in frame.itertuples()
    ]
    return f"Table 3 (HalfCheetah datasets, discounted return of a segment): {', '.join(parts)}."


def claims_finding(frame: pd.DataFrame) -> str:
    held, total = claims_held(frame)
    thesis = frame["thesis_verdict"].value_counts()
    return (
        f"{held} of the thesis's {total} claims hold on this run. On the thesis's own published numbers "
        f"{thesis.get(HOLDS, 0)} hold, {thesis.get(FAILS, 0)} do not and {thesis.get(MISSING, 0)} cannot be "
        f"decided (a number the thesis did not publish)."
    )
