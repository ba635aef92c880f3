"""``reports/remedies.html``: the remedies table for a reader, one section per variant with its forest plot."""

from __future__ import annotations

import pandas as pd

from diffirl import paths
from diffirl.reports.findings import ENVIRONMENT_NAMES, STATISTIC_NAMES
from diffirl.reports.forest import forest_plot
from diffirl.reports.readable import lift_intervals, number
from diffirl.reports.report import Report, Section

TITLE = "The thesis's proposed remedies, each a variant of the study"
INTRO = (
    "Each variant changes one setting the thesis blamed for a failure and re-runs what depends on it. A learnt "
    "reward's lift is its paired difference to the variant's own base diffuser (same starts, same noise) with a 95% "
    "interval; the study's lift is the same loss's in the study's configuration. Every number comes from "
    "reports/remedies.csv."
)


def variant_table(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Loss": rows["loss"],
            "Lift over its base [95% CI]": lift_intervals(rows),
            "Study's lift [95% CI]": lift_intervals(rows, "study_"),
            "ERC": rows["erc"].map(number),
            "Study's ERC": rows["study_erc"].map(number),
            "Training loss change": [
                f"{change:+.1%}" + (" (diverged)" if diverged else "")
                for change, diverged in zip(rows["loss_change"], rows["diverged"])
            ],
        }
    )


def variant_finding(rows: pd.DataFrame) -> str:
    beats = int((rows["lift_low"] > 0).sum())
    study_beats = int((rows["study_lift_low"] > 0).sum())
    return (
        f"{rows['question'].iloc[0]} {beats} of {len(rows)} learnt rewards beat this variant's base diffuser "
        f"(interval above zero); in the study, {study_beats} of the same losses beat theirs."
    )


def remedies_report(frame: pd.DataFrame, forest_file) -> tuple[Report, dict]:
    """The page, and the forest plot of each variant by file (for the caller to save)."""
    sections, forests = [], {}
    for name, rows in frame.groupby("variant", sort=False):
        environment = rows["environment"].iloc[0]
        statistic = STATISTIC_NAMES[rows["statistic"].iloc[0]]
        title = f"{name} ({ENVIRONMENT_NAMES[environment]}, {statistic})"
        forests[forest_file(name)] = forest_plot(
            list(rows["loss"]),
            rows["lift_mean"],
            rows["lift_low"],
            rows["lift_high"],
            rows["study_lift_mean"],
            "study",
            f"{statistic}: difference to the base diffuser (95% CI, paired)",
            title,
        )
        sections.append(
            Section(
                name, title, variant_finding(rows), variant_table(rows), csv=paths.REMEDIES, forest=forest_file(name)
            )
        )
    summary = [section.finding for section in sections]
    return Report(summary, sections, title=TITLE, intro=INTRO, further_targets=()), forests
