"""The study report, laid out for a reader: a summary, the thesis's tables in its order, each with its
forest plot and figures, then an appendix (training diagnostics, stage costs, provenance).

One Markdown and one self-contained HTML file (figures embedded as data URIs, so the HTML is
a single file a person can mail), built only from the run's own outputs. Numbers are
rounded for reading; each table links its CSV, which keeps them all at full precision.
"""

from __future__ import annotations

import base64
import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from diffirl.io import atomic_outputs, written
from diffirl.reports.figure_guide import caption, figure_table, in_thesis_order
from diffirl.reports.readable import number
from diffirl.reports.results import RESULTS_TABLES

TITLE = "Inverse RL through a diffusion planner: the thesis's study, re-run"

INTRO = (
    "Every number below comes from this run's outputs. Each table gives our mean ± std beside the thesis's, "
    "and the paired difference of each method to the base diffuser (every method starts from the same states "
    "with the same seeds) with its 95% interval: an interval that excludes zero is a real difference. "
    "The thesis published no paired statistics; its difference is its mean minus its base's mean."
)

#: the further targets: (title, the command that builds it, its table, its own page, what it shows).
#: Each has a page of its own: the study report cannot read what `make study` does not build.
FURTHER_TARGETS = (
    (
        "The thesis's proposed remedies",
        "make remedies",
        "reports/remedies.csv",
        "reports/remedies.html",
        "each remedy as a variant of the study: its learnt rewards' paired lift over its own base diffuser "
        "beside the study's",
    ),
    (
        "Nuti et al.'s relative reward beside the thesis's method",
        "make compare",
        "reports/comparison_umaze.csv",
        "reports/comparison.html",
        "the relative reward and its discriminator baseline on the study's diffusers and experts, paired with the "
        "study's methods on the same rollouts, and whether each reward recovers the maze's goal",
    ),
    (
        "Reward recovery: a family of true rewards",
        "make recovery",
        "reports/recovery.csv",
        "reports/recovery.html",
        "U-Maze rewards other than the thesis's, each with its own experts and learnt reward, and controls of the "
        "thesis's reward: every method by recovery ratio, ERC, EPIC and gradient cosine",
    ),
    (
        "Reward recovery, the whole family",
        "make recovery_full SCALE=paper",
        "reports/recovery_full.csv",
        "reports/recovery_full.html",
        "every member of the family in both mazes (four corners, four edge midpoints and four goals each), every "
        "loss: the paper scale's benchmark",
    ),
    (
        "Reward transfer: do the learnt rewards teach other learners?",
        "make transfer",
        "reports/transfer.csv",
        "reports/transfer.html",
        "DiffCPS and d3rlpy's TD3+BC trained offline on the U-Maze's base data relabelled by each learnt per-step "
        "reward, their policies' true returns paired with the same learner trained on the true reward",
    ),
    (
        "Reward transfer in both mazes and HalfCheetah",
        "make transfer_full SCALE=paper",
        "reports/transfer_full.csv",
        "reports/transfer_full.html",
        "the same in the Large Maze too, on the per-step rewards make recovery_full learns there, and in "
        "HalfCheetah on per-step rewards learnt from its experts (offline RL only)",
    ),
    (
        "What the paper scale costs",
        "make probe SCALE=paper",
        "reports/paper_cost.csv",
        "reports/paper_cost.html",
        "every stage of the study run at the paper's sizes with its loops capped, and the hours and memory each "
        "needs at the full scale on the machine that ran the probe",
    ),
)


@dataclass
class Section:
    anchor: str
    title: str
    finding: str
    table: pd.DataFrame
    note: str = ""
    csv: Path | None = None
    forest: Path | None = None
    figures: list[Path] = field(default_factory=list)


@dataclass
class Report:
    summary: list[str]
    sections: list[Section]
    appendix_figures: list[Path] = field(default_factory=list)
    benchmarks: pd.DataFrame | None = None
    #: None: a page of a further target, which the study report's provenance covers
    provenance: dict | None = None
    title: str = TITLE
    intro: str = INTRO
    further_targets: tuple = FURTHER_TARGETS


def place_figures(sections: list[Section], figures: list[Path]) -> list[Path]:
    """Put each figure under its results table (section ``tableN``); return the appendix's."""
    by_anchor = {section.anchor: section for section in sections}
    appendix = []
    for figure in figures:
        table = figure_table(figure)
        if table is None or f"table{table}" not in by_anchor:
            appendix.append(figure)
        else:
            by_anchor[f"table{table}"].figures.append(figure)
    for section in sections:
        if section.anchor.startswith("table") and section.anchor[5:].isdigit():
            table = RESULTS_TABLES.get(int(section.anchor[5:]))
            section.figures = in_thesis_order(section.figures, table.environment if table else None)
    return in_thesis_order(appendix)


def benchmark_table(benchmarks: pd.DataFrame) -> pd.DataFrame:
    ordered = benchmarks.sort_values("seconds", ascending=False)
    return pd.DataFrame(
        {
            "Stage": ordered["stage"],
            "Wall time (s)": ordered["seconds"].map(number),
            "Peak RSS (MB)": ordered["peak_rss_mb"].map(number),
        }
    )


# --- Markdown -------------------------------------------------------------------------------
def markdown_table(frame: pd.DataFrame) -> str:
    escape = lambda value: str(value).replace("|", "\\|")
    lines = ["| " + " | ".join(map(escape, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(escape(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _markdown_figure(figure: Path, relative_to: Path, text: str | None = None) -> list[str]:
    text = text or caption(figure)
    return [f"![{text}]({os.path.relpath(figure, relative_to)})", "", f"*{text}*", ""]


def render_markdown(report: Report, relative_to: Path) -> str:
    parts = [f"# {report.title}", "", report.intro, "", "## Summary", ""]
    parts += [f"- {line}" for line in report.summary] + [""]
    for section in report.sections:
        parts += [f"## {section.title}", "", section.finding, ""]
        parts += [f"*{section.note}*", ""] if section.note else []
        parts += [markdown_table(section.table), ""]
        if section.csv:
            parts += [
                f"Every column at full precision: [{section.csv.name}]({os.path.relpath(section.csv, relative_to)})",
                "",
            ]
        if section.forest:
            parts += _markdown_figure(
                section.forest, relative_to, f"{section.title}: paired lifts over the base diffuser"
            )
        for figure in section.figures:
            parts += _markdown_figure(figure, relative_to)
    if report.further_targets:
        parts += ["## Further targets", ""]
        for title, command, output, page, what in report.further_targets:
            parts += [f"- **{title}** (`{command}`, then `{page}`; numbers in `{output}`): {what}."]
        parts += [""]
    if report.provenance is None:
        return "\n".join(parts)
    parts += ["## Appendix", "", "### Training diagnostics and the thesis's appendix figures", ""]
    for figure in report.appendix_figures:
        parts += _markdown_figure(figure, relative_to)
    parts += ["### Stage times and memory", ""]
    parts += [
        markdown_table(benchmark_table(report.benchmarks)) if report.benchmarks is not None else NO_BENCHMARKS,
        "",
        "### Provenance",
        "",
        "```json",
        json.dumps(report.provenance, indent=2),
        "```",
        "",
    ]
    return "\n".join(parts)


NO_BENCHMARKS = (
    "Not measured in this run: Snakemake's `benchmark:` files (`benchmarks/STAGE.tsv`) record each stage's "
    "wall time and peak memory when the DAG runs under Snakemake."
)


# --- HTML -----------------------------------------------------------------------------------
STYLE = """body{font-family:sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;line-height:1.4}
table{border-collapse:collapse;font-size:13px;margin:0.5em 0 0.3em;width:100%}
td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;overflow-wrap:anywhere}
th{background:#eee;text-align:left}td.n{text-align:right;white-space:nowrap}
figure{margin:1.5em 0}img{max-width:100%}figcaption{font-size:13px;color:#333}
.finding{font-size:15px}.note{font-size:13px;color:#555}.csv{font-size:13px}
ul.summary li{margin:0.3em 0}pre{background:#f6f6f6;padding:1em;font-size:12px;white-space:pre-wrap}"""

#: sets, on <body>, whether every image decoded and how wide the widest table is against the page,
#: for the headless-browser test
LAYOUT_CHECK = """<script>window.addEventListener('load',function(){var d=document.body.dataset;
var ok=Array.prototype.every.call(document.images,function(i){return i.complete&&i.naturalWidth>0});
d.imagesDecoded=ok?'true':'false';d.imageCount=String(document.images.length);
var widest=0;Array.prototype.forEach.call(document.querySelectorAll('table'),function(t){
widest=Math.max(widest,t.getBoundingClientRect().left+t.scrollWidth);});
d.widestTable=String(Math.ceil(widest));d.pageWidth=String(document.documentElement.clientWidth);
d.pageScrollWidth=String(document.documentElement.scrollWidth);});</script>"""


def _numeric(value: str) -> bool:
    return bool(value) and value.lstrip("+-").replace(",", "").replace(".", "", 1).split(" ")[0].isdigit()


def html_table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        cells = "".join(
            f"<td class='n'>{html.escape(str(v))}</td>" if _numeric(str(v)) else f"<td>{html.escape(str(v))}</td>"
            for v in row
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _html_figure(figure: Path, text: str | None = None) -> str:
    text = html.escape(text or caption(figure))
    data = base64.b64encode(written(figure).read_bytes()).decode()  # a figure of this stage is still held back
    return (
        f"<figure data-figure='{html.escape(figure.stem)}'><img alt='{text}' src='data:image/png;base64,{data}'>"
        f"<figcaption>{text}</figcaption></figure>"
    )


def render_html(report: Report, relative_to: Path) -> str:
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(report.title)}</title>",
        f"<style>{STYLE}</style>{LAYOUT_CHECK}</head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
        f"<p>{html.escape(report.intro)}</p>",
        "<section id='summary'><h2>Summary</h2><ul class='summary'>",
        *(f"<li>{html.escape(line)}</li>" for line in report.summary),
        "</ul></section>",
    ]
    for section in report.sections:
        parts.append(f"<section id='{section.anchor}'><h2>{html.escape(section.title)}</h2>")
        parts.append(f"<p class='finding'>{html.escape(section.finding)}</p>")
        if section.note:
            parts.append(f"<p class='note'>{html.escape(section.note)}</p>")
        parts.append(html_table(section.table))
        if section.csv:
            link = html.escape(os.path.relpath(section.csv, relative_to))
            parts.append(f"<p class='csv'>Every column at full precision: <a href='{link}'>{link}</a></p>")
        if section.forest:
            parts.append(_html_figure(section.forest, f"{section.title}: paired lifts over the base diffuser"))
        parts += [_html_figure(figure) for figure in section.figures]
        parts.append("</section>")
    if report.further_targets:
        parts.append("<section id='further'><h2>Further targets</h2><ul>")
        for title, command, output, page, what in report.further_targets:
            parts.append(
                f"<li><b>{html.escape(title)}</b> (<code>{command}</code>, then <a href='{os.path.relpath(page, relative_to)}'>"
                f"{page}</a>; numbers in <code>{output}</code>): {html.escape(what)}.</li>"
            )
        parts.append("</ul></section>")
    if report.provenance is None:
        return "\n".join([*parts, "</body></html>"])
    parts.append("<section id='appendix'><h2>Appendix</h2>")
    parts.append("<h3>Training diagnostics and the thesis's appendix figures</h3>")
    parts += [_html_figure(figure) for figure in report.appendix_figures]
    parts.append("<h3>Stage times and memory</h3>")
    parts.append(
        html_table(benchmark_table(report.benchmarks))
        if report.benchmarks is not None
        else f"<p>{html.escape(NO_BENCHMARKS)}</p>"
    )
    parts += [
        "<h3>Provenance</h3>",
        f"<pre>{html.escape(json.dumps(report.provenance, indent=2))}</pre>",
        "</section></body></html>",
    ]
    return "\n".join(parts)


def write_pages(report: Report, markdown_path: Path, html_path: Path) -> None:
    """The page as Markdown and as HTML, both written or neither, figures linked relative to each."""
    with atomic_outputs([markdown_path, html_path]) as (markdown_file, html_file):
        markdown_file.write_text(render_markdown(report, markdown_path.parent))
        html_file.write_text(render_html(report, html_path.parent))
