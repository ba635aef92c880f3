"""Stage "conventions": each of the published code's conventions, switched back one at a time (and all at
once), against the study's defaults (reports/conventions.csv, and a page for a reader: reports/conventions.html)."""

import json

import pandas as pd

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.io import read_json, write_csv_frame
from diffirl.paths import variant_path
from diffirl.reports.conventions import convention_rows
from diffirl.reports.conventions_page import conventions_report
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.report import write_pages
from diffirl.variants import in_group

#: each evaluation stage a variant may re-run, and the metrics file it writes
EVALUATION_METRICS = {"evaluate": paths.evaluation_metrics, "evaluate_baselines": paths.baselines_metrics}


def study_metrics(environment: str) -> dict:
    return read_json(paths.evaluation_metrics(environment)) | read_json(paths.baselines_metrics(environment))


def own_metrics(variant, environment: str) -> dict:
    """What the variant itself evaluated in ``environment``: its evaluation's and/or its baselines' metrics."""
    merged = {}
    for stage in variant.evaluations:
        merged |= read_json(variant_path(variant.name, EVALUATION_METRICS[stage](environment)))
    return merged


def main() -> None:
    _, params = parse(__doc__, with_environment=False)
    rows = []
    try:
        conventions = in_group("conventions")
        studies = {env: study_metrics(env) for env in dict.fromkeys(e for v in conventions for e in v.environments)}
        for variant in conventions:
            for environment in variant.environments:
                confidence = getattr(params.evaluation, environment).confidence
                own = own_metrics(variant, environment)
                rows += convention_rows(
                    variant.name, variant.question, environment, own, studies[environment], confidence
                )
    except (FileNotFoundError, KeyError, json.JSONDecodeError) as error:
        fail(error)
    frame = pd.DataFrame(rows)
    write_csv_frame(paths.CONVENTIONS, frame)
    page, forests = conventions_report(frame, paths.CONVENTIONS, paths.convention_forest_figure)
    for path, figure in forests.items():
        save_figure(figure, path)
    write_pages(page, paths.CONVENTIONS_MARKDOWN, paths.CONVENTIONS_HTML)
    columns = ["variant", "environment", "method", "mean", "lift_mean", "lift_low", "lift_high", "erc", "study_erc"]
    print(frame[columns].to_string(index=False))


if __name__ == "__main__":
    run_stage(main)
