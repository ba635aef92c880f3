"""Stage "remedies": every variant's learnt rewards against its own base diffuser, beside the study's
(reports/remedies.csv, and a page for a reader: reports/remedies.html)."""

import json

import numpy as np
import pandas as pd

from _common import fail, parse, run_stage
from diffirl import dag, paths
from diffirl.envs.registry import get_environment
from diffirl.io import read_json, write_csv_frame
from diffirl.paths import variant_path
from diffirl.planning.quality import trajectory_dynamics_error
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.remedies import remedy_rows
from diffirl.reports.remedies_page import remedies_report
from diffirl.reports.report import write_pages
from diffirl.variants import in_group


def expert_error(environment: str, windows_file) -> float:
    """How far the simulator is from the expert K-windows the reward learner saw (0: it made them)."""
    with np.load(windows_file) as data:
        return trajectory_dynamics_error(get_environment(environment), data["windows"])


def variant_rows(variant, environment: str, params, study: dict, study_error: float) -> list[dict]:
    """The variant's rows in ``environment``; ``study``, ``study_error``: the study's evaluation and expert error there."""
    metrics = read_json(variant_path(variant.name, paths.evaluation_metrics(environment)))
    training = {
        loss: read_json(variant_path(variant.name, paths.reward_training_metrics(environment, loss)))
        for loss in variant.losses
    }
    windows = paths.expert_windows_file(environment)
    own_experts = str(windows) in dag.variant_redirections(variant)
    error = expert_error(environment, variant_path(variant.name, windows)) if own_experts else study_error
    confidence = getattr(params.evaluation, environment).confidence
    return remedy_rows(variant, environment, metrics, training, study, confidence, (error, study_error))


def main() -> None:
    _, params = parse(__doc__, with_environment=False)
    rows = []
    try:
        remedies = in_group("remedies")
        environments = {env for variant in remedies for env in variant.environments}
        studies = {env: read_json(paths.evaluation_metrics(env)) for env in environments}
        study_errors = {env: expert_error(env, paths.expert_windows_file(env)) for env in environments}
        for variant in remedies:
            for env in variant.environments:
                rows += variant_rows(variant, env, params, studies[env], study_errors[env])
    except (FileNotFoundError, KeyError, json.JSONDecodeError) as error:
        fail(error)
    frame = pd.DataFrame(rows)
    write_csv_frame(paths.REMEDIES, frame)
    page, forests = remedies_report(frame, paths.remedy_forest_figure)
    for path, figure in forests.items():
        save_figure(figure, path)
    write_pages(page, paths.REMEDIES_MARKDOWN, paths.REMEDIES_HTML)
    print(
        frame[["variant", "loss", "mean", "base_mean", "lift_mean", "lift_low", "lift_high", "erc"]].to_string(
            index=False
        )
    )


if __name__ == "__main__":
    run_stage(main)
