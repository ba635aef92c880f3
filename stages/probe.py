"""Stage "paper_cost": every stage of the study at this scale's sizes with its loops capped, one at a time,
and the hours and memory each needs at the full scale (reports/paper_cost.csv, its loops, figure and page)."""

import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
import psutil
import torch

from _common import parse, run_stage
from diffirl import paths
from diffirl.dag import study_stages
from diffirl.io import write_csv_frame
from diffirl.params import ParameterError
from diffirl.params.load import validate_params
from diffirl.probe.cost_model import StageCost, loop_costs, total_row
from diffirl.probe.page import cost_page, hours_figure
from diffirl.probe.runner import StageFailed, probed_stages, run_stages
from diffirl.probe.settings import probe_settings
from diffirl.probe.work_model import stage_work
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.provenance import cpu_model
from diffirl.reports.report import write_pages


def machine() -> str:
    memory = psutil.virtual_memory().total / 2**30
    gpu = f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU"
    return f"{cpu_model()}, {os.cpu_count()} cores, {memory:.0f} GB{gpu}"


def main() -> None:
    _, params = parse(__doc__, with_environment=False)
    scale = params.model_dump(mode="json")
    probe = params.probe
    try:
        settings = probe_settings(scale)
        validate_params(settings, "the probe's settings (probe.caps over the scale's)")
    except ParameterError as error:
        sys.exit(f"error: {error}")
    stages = probed_stages(study_stages(), probe.environments)
    threads = {stage.name: stage.threads(settings) for stage in stages}
    with tempfile.TemporaryDirectory(prefix="diffirl-probe-") as scratch:
        try:
            runs = run_stages(
                stages,
                Path(scratch),
                Path.cwd(),
                settings,
                threads,
                probe.memory_limit_mb,
                probe.stage_time_limit_s,
            )
        except StageFailed as error:
            sys.exit(str(error))
    by_name = {stage.name: stage for stage in stages}
    costs = []
    for run in runs:
        command = by_name[run.stage].cmd
        loops = loop_costs(run, stage_work(command, settings), stage_work(command, scale))
        costs.append(StageCost(run, loops, threads[run.stage], by_name[run.stage].gpu))
    stage_rows = pd.DataFrame([cost.row() for cost in costs])
    total = total_row(costs)
    loop_rows = pd.DataFrame(
        [
            {
                "stage": loop.stage,
                "loop": loop.loop,
                "unit": loop.unit,
                "probe_units": loop.probe_units,
                "recorded_units": loop.recorded_units,
                "seconds": round(loop.seconds, 3),
                "seconds_per_unit": loop.seconds_per_unit,
                "scale_units": loop.scale_units,
                "projected_hours": None if loop.projected_seconds is None else loop.projected_seconds / 3600,
            }
            for cost in costs
            for loop in cost.loops
        ]
    )
    table = pd.concat([stage_rows, pd.DataFrame([total])], ignore_index=True).assign(
        scale=scale["scale"], machine=machine()
    )
    write_csv_frame(paths.PAPER_COST, table)
    write_csv_frame(paths.PAPER_COST_LOOPS, loop_rows)
    save_figure(hours_figure(stage_rows), paths.PAPER_COST_FIGURE)
    limits = {"memory_limit_mb": probe.memory_limit_mb, "stage_time_limit_s": probe.stage_time_limit_s}
    page = cost_page(stage_rows, loop_rows, total, scale["scale"], machine(), limits)
    write_pages(page, paths.PAPER_COST_MARKDOWN, paths.PAPER_COST_HTML)
    print(f"probe of scale {scale['scale']}: {total['projected_hours']:,.1f} projected hours, {total['note']}")


if __name__ == "__main__":
    run_stage(main)
