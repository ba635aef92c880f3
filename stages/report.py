"""Stage "report": reports/report.md and a self-contained reports/report.html for a reader: a summary,
the thesis's tables in its order with our numbers beside its own, forest plots, figures and provenance."""

from pathlib import Path

import pandas as pd

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.dag import report_inputs
from diffirl.io import atomic_outputs
from diffirl.reports import findings, readable
from diffirl.reports.forest import results_forest
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.provenance import provenance, stage_benchmarks
from diffirl.reports.report import Report, Section, place_figures, render_html, render_markdown
from diffirl.reports.results import RESULTS_TABLES

TITLES = {
    1: "Table 1: U-Maze, return of guided rollouts",
    2: "Table 2: Large Maze, return of guided rollouts",
    4: "Table 4: HalfCheetah, discounted return",
    5: "Table 5: HalfCheetah, mean action norm",
}


def conventions(frame: pd.DataFrame) -> str:
    """The table's conventions (its ``statistic`` column), as a sentence."""
    text = str(frame["statistic"].iloc[0]).split("; vs_")[0]
    return text[:1].upper() + text[1:] + "."


def results_section(number: int, frame: pd.DataFrame, confidence: float) -> Section:
    table = RESULTS_TABLES[number]
    forest = None
    if table.with_erc:  # Table 5 (action norms) has no lift worth a plot
        forest = paths.forest_figure(number)
        save_figure(results_forest(frame, table.column, TITLES[number], confidence), forest)
    return Section(
        anchor=f"table{number}",
        title=TITLES[number],
        finding=findings.results_finding(table, frame),
        table=readable.results_table(frame, table.column),
        note=conventions(frame),
        csv=paths.results_table(number),
        forest=forest,
    )


def main() -> None:
    _, params = parse(__doc__, with_environment=False)
    inputs = report_inputs()
    try:
        frames = {path: pd.read_csv(path) for path in inputs["tables"]}
        figures = [Path(p) for p in inputs["figures"]]
        missing = [str(f) for f in figures if not f.is_file()]
        if missing:
            raise FileNotFoundError(f"figures missing: {', '.join(missing)}")
        info = provenance(Path("params.yaml"), [Path(p) for p in inputs["sidecars"]])
    except (FileNotFoundError, pd.errors.ParserError) as error:
        fail(error)
    results = {
        n: results_section(n, frames[str(paths.results_table(n))], getattr(params.evaluation, t.environment).confidence)
        for n, t in RESULTS_TABLES.items()
    }
    table3 = frames[str(paths.TABLE3)]
    results[3] = Section(
        "table3",
        "Table 3: HalfCheetah datasets",
        findings.table3_finding(table3),
        readable.table3(table3),
        note=f"Discounted return (gamma {params.table3.gamma}) of {params.table3.segment_length}-step segments; "
        f"per-step action L2 norm.",
        csv=paths.TABLE3,
    )
    claims = frames[str(paths.CLAIMS)]
    sections = [results[n] for n in sorted(results)]
    sections.append(
        Section(
            "claims",
            "The thesis's claims, decided",
            findings.claims_finding(claims),
            readable.claims(claims),
            csv=paths.CLAIMS,
        )
    )
    appendix = place_figures(sections, figures)
    summary = [findings.claims_finding(claims)] + [results[n].finding for n in sorted(results)]
    report = Report(summary, sections, appendix, stage_benchmarks(paths.BENCHMARKS), info)
    with atomic_outputs([paths.REPORT_MARKDOWN, paths.REPORT_HTML]) as (markdown, page):
        markdown.write_text(render_markdown(report, paths.REPORT_MARKDOWN.parent))
        page.write_text(render_html(report, paths.REPORT_HTML.parent))
    print(f"{paths.REPORT_HTML}: {len(sections)} tables, {len(figures)} figures")


if __name__ == "__main__":
    run_stage(main)
