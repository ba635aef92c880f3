"""Stage "report": reports/report.md and a self-contained reports/report.html from every table, figure and
claim of the run, with the thesis's numbers beside ours and the run's provenance."""

from pathlib import Path

import pandas as pd

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.dag import report_inputs
from diffirl.io import atomic_outputs
from diffirl.reports.report import Table, provenance, render_html, render_markdown, stage_benchmarks
from diffirl.reports.results import RESULTS_TABLES

TITLES = {
    str(paths.TABLE3): "Table 3: HalfCheetah datasets",
    str(paths.CLAIMS): "The thesis's claims, decided",
    **{
        str(paths.results_table(n)): f"Table {n}: {t.environment}, {t.column.replace('_', ' ')}"
        for n, t in RESULTS_TABLES.items()
    },
}


def main() -> None:
    _, params = parse(__doc__, with_environment=False)
    inputs = report_inputs()
    try:
        tables = []
        for path in inputs["tables"]:
            tables.append(Table.from_csv_frame(TITLES.get(path, Path(path).stem), pd.read_csv(path)))
        figures = [Path(p) for p in inputs["figures"]]
        missing = [str(f) for f in figures if not f.is_file()]
        if missing:
            raise FileNotFoundError(f"figures missing: {', '.join(missing)}")
        info = provenance(Path("params.yaml"), [Path(p) for p in inputs["sidecars"]])
    except (FileNotFoundError, pd.errors.ParserError) as error:
        fail(error)
    benchmarks = stage_benchmarks(paths.BENCHMARKS)
    with atomic_outputs([paths.REPORT_MARKDOWN, paths.REPORT_HTML]) as (markdown, page):
        markdown.write_text(render_markdown(tables, figures, info, benchmarks, paths.REPORT_MARKDOWN.parent))
        page.write_text(render_html(tables, figures, info, benchmarks))
    print(f"{paths.REPORT_HTML}: {len(tables)} tables, {len(figures)} figures")


if __name__ == "__main__":
    run_stage(main)
