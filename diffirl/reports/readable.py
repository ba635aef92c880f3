"""The tables as a reader wants them: the thesis's shape, numbers formatted for reading.

The CSVs keep every column at full precision; the report shows, per results table, one
row per method with ours and the thesis's mean ± std side by side, the paired lift over
the base diffuser with its interval, and the ERCs, each number rounded to what it can
carry.
"""

from __future__ import annotations

import pandas as pd

from diffirl.metrics import finite_or_none
from diffirl.reports.claims import HOLDS


def number(value, signed: bool = False) -> str:
    """1,234 / 123 / 12.3 / 1.23 / 0.123: three or four significant digits, thousands separated."""
    value = finite_or_none(value)
    if value is None:
        return ""
    sign = "+" if signed else ""
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:{sign},.0f}"
    if magnitude >= 10:
        return f"{value:{sign}.1f}"
    return f"{value:{sign}.2f}" if magnitude >= 1 else f"{value:{sign}.3f}"


def mean_std(mean, std) -> str:
    return f"{number(mean)} ± {number(std)}" if finite_or_none(mean) is not None else ""


def interval(mean, low, high) -> str:
    """+588 [559, 618]: a paired difference and its interval."""
    if finite_or_none(mean) is None:
        return ""
    return f"{number(mean, signed=True)} [{number(low, signed=True)}, {number(high, signed=True)}]"


def lift_intervals(rows: pd.DataFrame, prefix: str = "") -> list[str]:
    """Each row's ``{prefix}lift_mean`` with its interval, as `interval` writes it."""
    return [
        interval(row[f"{prefix}lift_mean"], row[f"{prefix}lift_low"], row[f"{prefix}lift_high"])
        for _, row in rows.iterrows()
    ]


def thesis_difference(frame: pd.DataFrame, column: str) -> pd.Series:
    """The thesis's mean minus its base diffuser's mean, per row (its paired lifts are unpublished)."""
    thesis = pd.to_numeric(frame[f"thesis_{column}_mean"], errors="coerce")
    base = thesis[frame["method"] == "base"]
    return thesis - (base.iloc[0] if len(base) else float("nan"))


def results_table(frame: pd.DataFrame, column: str, with_thesis: bool = True) -> pd.DataFrame:
    """Method | ours | thesis | lift over base [95%] | thesis's lift | ERC ours | ERC thesis
    (without the thesis's columns for an environment it has no table of)."""
    thesis_lift = thesis_difference(frame, column)
    rows = []
    for index, row in frame.iterrows():
        is_base = row["method"] == "base"
        entry = {"Method": row["label"], "Ours (mean ± std)": mean_std(row[f"{column}_mean"], row[f"{column}_std"])}
        if with_thesis:
            entry["Thesis (mean ± std)"] = mean_std(row[f"thesis_{column}_mean"], row[f"thesis_{column}_std"])
        entry["Lift over base [95% CI]"] = (
            "" if is_base else interval(row["vs_base_mean"], row["vs_base_low"], row["vs_base_high"])
        )
        if with_thesis:
            entry["Thesis's lift"] = "" if is_base else number(thesis_lift[index], signed=True)
        if "erc" in frame:
            entry["ERC ours"] = number(row["erc"])
            if with_thesis:
                entry["ERC thesis"] = number(row["thesis_erc"])
        rows.append(entry)
    return pd.DataFrame(rows)


def table3(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Dataset": frame["dataset"],
            "Segments": frame["segments"].map(number),
            "Discounted return, ours": [
                mean_std(m, s) for m, s in zip(frame["discounted_return_mean"], frame["discounted_return_std"])
            ],
            "Thesis": [
                mean_std(m, s)
                for m, s in zip(frame["thesis_discounted_return_mean"], frame["thesis_discounted_return_std"])
            ],
            "Action norm, ours": [mean_std(m, s) for m, s in zip(frame["action_norm_mean"], frame["action_norm_std"])],
            "Thesis ": [
                mean_std(m, s) for m, s in zip(frame["thesis_action_norm_mean"], frame["thesis_action_norm_std"])
            ],
        }
    )


def claims(frame: pd.DataFrame) -> pd.DataFrame:
    shown = pd.DataFrame(
        {
            "Table": frame["table"],
            "Claim": frame["claim"],
            "On our run": frame["ours_verdict"],
            "Deciding numbers (ours)": frame["ours_evidence"].fillna(""),
            "On the thesis's numbers": frame["thesis_verdict"],
        }
    )
    if "cut_for_time" in frame:
        shown["Settings cut for time behind it"] = frame["cut_for_time"].fillna("")
    return shown


def claims_held(frame: pd.DataFrame) -> tuple[int, int]:
    """(claims that hold on our run, claims in all)."""
    return int((frame["ours_verdict"] == HOLDS).sum()), len(frame)
