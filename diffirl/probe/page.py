"""The probe's page: projected hours per stage as a table and a bar chart, and what the model assumes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from diffirl import paths
from diffirl.probe.runner import NOT_QUIET
from diffirl.reports.report import Report, Section

TITLE = "What the {scale} scale costs: a probe of every stage"
INTRO = (
    "The probe ran every stage of the study once, one at a time, at the {scale} scale's sizes (networks, "
    "horizons, diffusion steps, batches, rollout batches, data shapes) with its loops capped (probe.caps). "
    "Each long loop reported its time per unit of work; a stage's projection is its fixed part (its wall time "
    "in the probe less its loops') plus each loop's time per unit times the units the full scale asks. Machine: "
    "{machine}."
)
ASSUMPTIONS = (
    "Assumed: time grows linearly in the counted units (training steps, plans, environment steps, windows, "
    "timesteps) and memory not at all. Known to fail: a plan batch on a GPU costs less than linearly in its size "
    "until the GPU is full; the fixed part of a stage that loads a dataset grows with the dataset, which the probe "
    "shrank; the HalfCheetah evaluation batch grows with the reward learner's kept snapshots, so its memory here "
    "is a lower bound; the first iteration of a loop, timed with the rest, carries one-off costs (kernel "
    "selection, allocation), which overstates loops the probe ran once."
)


def hours_figure(stages: pd.DataFrame):
    """Projected hours per stage, largest first, on a log axis."""
    priced = stages[stages["projected_hours"].notna()].sort_values("projected_hours")
    fig, ax = plt.subplots(figsize=(8, 0.22 * len(priced) + 1.2))
    colours = ["#c0504d" if gpu else "#4f81bd" for gpu in priced["gpu"]]
    ax.barh(priced["stage"], priced["projected_hours"].clip(lower=1e-4), color=colours)
    ax.set_xscale("log")
    ax.set_xlabel("projected hours at the full scale (red: stages that ask for a GPU on SLURM)")
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return fig


def summary_lines(stages: pd.DataFrame, total: dict, limits: dict) -> list[str]:
    priced = stages[stages["projected_hours"].notna()]
    lines = [
        f"All priced stages together: {total['projected_hours']:,.1f} hours on this machine, one stage at a time "
        f"(the probe itself took {total['probe_seconds'] / 60:.1f} minutes).",
    ]
    if len(priced):
        top = priced.sort_values("projected_hours", ascending=False).head(3)
        lines.append(
            "The largest: " + "; ".join(f"{row.stage} {row.projected_hours:,.1f} h" for row in top.itertuples()) + "."
        )
    lines.append(f"Largest peak resident memory: {total['peak_rss_mb']:,.0f} MB.")
    stopped = stages[stages["status"].isin(["memory limit", "time limit"])]
    for row in stopped.itertuples():
        lines.append(f"{row.stage} did not finish in the probe: {row.note}.")
    skipped = stages[stages["status"] == "skipped"]
    if len(skipped):
        lines.append(f"Not run, for want of their inputs: {', '.join(skipped['stage'])}.")
    shared = stages[stages["note"].fillna("").str.contains(NOT_QUIET, regex=False)]
    if len(shared):
        lines.append(
            f"{len(shared)} stage(s) shared the CPU with other processes ({', '.join(shared['stage'])}): "
            "their projections are too high; probe again with the machine to itself."
        )
    lines.append(f"Limits per stage: {limits['memory_limit_mb']:,} MB resident, {limits['stage_time_limit_s']:.0f} s.")
    return lines


def cost_page(stages: pd.DataFrame, loops: pd.DataFrame, total: dict, scale: str, machine: str, limits: dict):
    shown = stages[["stage", "status", "device", "threads", "probe_seconds", "projected_hours", "peak_rss_mb", "note"]]
    loop_table = loops[["stage", "loop", "unit", "probe_units", "seconds_per_unit", "scale_units", "projected_hours"]]
    sections = [
        Section(
            anchor="stages",
            title="Projected hours and peak memory per stage",
            finding=summary_lines(stages, total, limits)[0],
            table=shown,
            note=ASSUMPTIONS,
            csv=paths.PAPER_COST,
            figures=[paths.PAPER_COST_FIGURE],
        ),
        Section(
            anchor="loops",
            title="Each long loop: time per unit and units at the full scale",
            finding="A loop's time excludes the priced loops it runs inside it (a rollout step's plans are "
            "priced as plans).",
            table=loop_table,
            csv=paths.PAPER_COST_LOOPS,
        ),
    ]
    return Report(
        summary_lines(stages, total, limits),
        sections,
        title=TITLE.format(scale=scale),
        intro=INTRO.format(scale=scale, machine=machine),
        further_targets=(),
    )
