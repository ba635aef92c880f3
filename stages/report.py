"""Stage "report": reports/report.md and a self-contained reports/report.html for a reader: a summary,
the thesis's tables in its order with our numbers beside its own, forest plots, figures and provenance."""

from pathlib import Path

import pandas as pd

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.dag import report_inputs
from diffirl.reports import findings, readable
from diffirl.reports.forest import results_forest
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.provenance import provenance, stage_benchmarks
from diffirl.reports.report import Report, Section, place_figures, write_pages
from diffirl.reports.results import ENVIRONMENT_TABLES, RESULTS_TABLES, ResultsTable

TITLES = {
    1: "Table 1: U-Maze, return of guided rollouts",
    2: "Table 2: Large Maze, return of guided rollouts",
    4: "Table 4: HalfCheetah, discounted return",
    5: "Table 5: HalfCheetah, mean action norm",
}


def title(table: ResultsTable) -> str:
    if table.number is not None:
        return TITLES[table.number]
    return f"{findings.environment_name(table.environment)}: return of guided rollouts (no table in the thesis)"


def conventions(frame: pd.DataFrame) -> str:
    """The table's conventions (its ``statistic`` column), as a sentence."""
    text = str(frame["statistic"].iloc[0]).split("; vs_")[0]
    return text[:1].upper() + text[1:] + "."


def results_section(table: ResultsTable, frame: pd.DataFrame, confidence: float) -> Section:
    forest = None
    if table.with_erc:  # Table 5 (action norms) has no lift worth a plot
        forest = paths.forest_figure(table.name)
        save_figure(results_forest(frame, table.column, title(table), confidence), forest)
    return Section(
        anchor=table.name,
        title=title(table),
        finding=findings.results_finding(table, frame),
        table=readable.results_table(frame, table.column, with_thesis=table.number is not None),
        note=conventions(frame),
        csv=paths.results_table(table.number)
        if table.number is not None
        else paths.environment_results_table(table.environment),
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
    confidence = lambda table: getattr(params.evaluation, table.environment).confidence
    results = {
        n: results_section(t, frames[str(paths.results_table(n))], confidence(t)) for n, t in RESULTS_TABLES.items()
    }
    # an environment the thesis has no table of (a plug-in's) follows the thesis's tables
    others = [
        results_section(t, frames[str(paths.environment_results_table(env))], confidence(t))
        for env, t in ENVIRONMENT_TABLES.items()
    ]
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
    sections = [results[n] for n in sorted(results)] + others
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
    summary += [section.finding for section in others]
    report = Report(summary, sections, appendix, stage_benchmarks(paths.BENCHMARKS), info)
    write_pages(report, paths.REPORT_MARKDOWN, paths.REPORT_HTML)
    print(f"{paths.REPORT_HTML}: {len(sections)} tables, {len(figures)} figures")


if __name__ == "__main__":
    run_stage(main)
