"""Stage "comparison_report": the page of ``make compare`` (reports/comparison.html): every method of
each environment, the compared methods' chosen steering, and the mazes' goal recovery."""

import json

import pandas as pd

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.envs.registry import ENVIRONMENTS, environments_with
from diffirl.methods.relative_reward import COMPARED
from diffirl.reports.comparison_page import comparison_report
from diffirl.reports.findings import ENVIRONMENT_NAMES
from diffirl.reports.report import write_pages
from diffirl.reports.results import comparison_table


def main() -> None:
    parse(__doc__, with_environment=False)
    try:
        tables = {env: pd.read_csv(paths.comparison_results_table(env)) for env in ENVIRONMENTS}
        steering = {
            env: {m: json.loads(paths.steering_selection(env, m).read_text())["chosen"] for m in COMPARED}
            for env in ENVIRONMENTS
        }
        recoveries = {env: pd.read_csv(paths.goal_recovery_table(env)) for env in environments_with("reward_maps")}
    except (FileNotFoundError, KeyError, json.JSONDecodeError) as error:
        fail(error)
    page = comparison_report(
        tables,
        {env: comparison_table(env).column for env in ENVIRONMENTS},
        steering,
        recoveries,
        {env: ENVIRONMENT_NAMES.get(env, env) for env in ENVIRONMENTS},
        paths.comparison_results_table,
        paths.goal_recovery_table,
        paths.reward_maps_figure,
    )
    write_pages(page, paths.COMPARISON_MARKDOWN, paths.COMPARISON_HTML)
    print("\n".join(page.summary))


if __name__ == "__main__":
    run_stage(main)
