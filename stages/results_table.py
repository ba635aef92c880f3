"""Stage "results_table": Table 1, 2, 4 or 5 from one environment's evaluations, the thesis's numbers beside ours;
or, named by its environment, the same table of an environment the thesis has no table of; or
``comparison_ENV``, every method of the environment, those compared beside the study's included."""

import json

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.envs.registry import ENVIRONMENTS
from diffirl.io import write_csv_frame, write_json
from diffirl.reports.results import ENVIRONMENT_TABLES, RESULTS_TABLES, build_results_table, comparison_table
from diffirl.reports.summary import results_summaries


def main() -> None:
    tables = {str(n): t for n, t in RESULTS_TABLES.items()} | ENVIRONMENT_TABLES
    tables |= {table.name: table for table in map(comparison_table, ENVIRONMENTS)}
    _, params, name = parse(__doc__, with_environment=False, choice=("table", tuple(tables)))
    table = tables[name]
    if table.comparison:
        output = paths.comparison_results_table(table.environment)
    elif table.number is None:
        output = paths.environment_results_table(table.environment)
    else:
        output = paths.results_table(table.number)
    sources = [paths.evaluation_metrics(table.environment), paths.baselines_metrics(table.environment)]
    if table.comparison:
        sources.append(paths.comparison_metrics(table.environment))
    try:
        metrics = {}
        for source in sources:
            metrics |= json.loads(source.read_text())
    except (FileNotFoundError, json.JSONDecodeError) as error:
        fail(error)
    confidence = getattr(params.evaluation, table.environment).confidence
    frame = build_results_table(table, metrics, confidence)
    write_csv_frame(output, frame)
    for suffix, summary in ({} if table.comparison else results_summaries(frame, table.column)).items():
        write_json(paths.summary_file(table.name + (f"_{suffix}" if suffix else "")), summary)
    print(frame.drop(columns="statistic").to_string(index=False))


if __name__ == "__main__":
    run_stage(main)
