"""``reports/conventions.html``: the conventions table for a reader, one section per variant and environment."""

from __future__ import annotations

import pandas as pd

from diffirl.reports.findings import ENVIRONMENT_NAMES, STATISTIC_NAMES
from diffirl.reports.forest import forest_plot
from diffirl.reports.readable import lift_intervals, number
from diffirl.reports.report import Report, Section

TITLE = "The published code's conventions, measured"
INTRO = (
    "The study's defaults correct some conventions of the thesis's published code (README, Deviations 16-19 and "
    "29). Each variant below switches one of them back in the U-Maze, and published_conventions all of them in both "
    "mazes. A method's lift is its paired difference to the variant's own base diffuser (same starts, same noise) "
    "with a 95% interval; the study's lift and ERC are the same method's under the defaults. Every number comes "
    "from reports/conventions.csv."
)


def convention_table(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Method": rows["label"],
            "Mean": rows["mean"].map(number),
            "Study's mean": rows["study_mean"].map(number),
            "Lift over its base [95% CI]": lift_intervals(rows),
            "Study's lift [95% CI]": lift_intervals(rows, "study_"),
            "ERC": rows["erc"].map(number),
            "Study's ERC": rows["study_erc"].map(number),
        }
    )


def convention_finding(rows: pd.DataFrame) -> str:
    """What moved most: the largest change of a lift, and of an ERC, against the study's."""
    parts = [rows["question"].iloc[0]]
    lifts = (rows["lift_mean"] - rows["study_lift_mean"]).abs().dropna()
    if not lifts.empty:
        row = rows.loc[lifts.idxmax()]
        parts.append(
            f"The largest change of a lift: {row['label']}, {number(row['lift_mean'], signed=True)} here against "
            f"{number(row['study_lift_mean'], signed=True)} in the study."
        )
    ercs = (pd.to_numeric(rows["erc"]) - pd.to_numeric(rows["study_erc"])).abs().dropna()
    if not ercs.empty:
        row = rows.loc[ercs.idxmax()]
        parts.append(f"Of an ERC: {row['label']}, {number(row['erc'])} against {number(row['study_erc'])}.")
    return " ".join(parts)


def conventions_report(frame: pd.DataFrame, csv, forest_file) -> tuple[Report, dict]:
    """The page, and the forest plot of each variant and environment by file (for the caller to save)."""
    sections, forests = [], {}
    for (name, environment), rows in frame.groupby(["variant", "environment"], sort=False):
        statistic = STATISTIC_NAMES[rows["statistic"].iloc[0]]
        title = f"{name} ({ENVIRONMENT_NAMES[environment]}, {statistic})"
        compared = rows[rows["method"] != "base"]
        forest = forest_file(name, environment)
        forests[forest] = forest_plot(
            list(compared["label"]),
            compared["lift_mean"],
            compared["lift_low"],
            compared["lift_high"],
            compared["study_lift_mean"],
            "study",
            f"{statistic}: difference to the base diffuser (95% CI, paired)",
            title,
        )
        sections.append(
            Section(
                f"{name}_{environment}", title, convention_finding(rows), convention_table(rows), csv=csv, forest=forest
            )
        )
    summary = [section.finding for section in sections]
    return Report(summary, sections, title=TITLE, intro=INTRO, further_targets=()), forests
