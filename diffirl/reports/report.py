"""The study report: every table beside the thesis's numbers, the claims, every figure, and the run's provenance.

One Markdown and one self-contained HTML file (figures embedded as data URIs, so the HTML is
a single file a person can mail), built only from the run's own outputs.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.metadata
import json
import os
import platform
import re
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

#: one line per thesis figure number, the thesis's subject (the environment is added from the file name)
FIGURE_CAPTIONS = {
    4: "the true reward over the maze",
    5: "expert trajectories (guided rollouts), one panel per start point",
    6: "reward-learning loss per epoch, one panel per loss",
    7: "a rollout of every method from each start point",
    10: "every rollout of the diffuser guided by the true reward, one panel per start point",
    11: "expert trajectories (goal-inpainted plans)",
    12: "the true reward over the maze",
    13: "reward-learning loss per epoch, one panel per loss",
    14: "a rollout of every method from each start point",
    15: "one-step dynamics error of the first planned step over the maze",
    16: "high-error zones, expert start points and where true-reward rollouts stall",
    17: "dynamics error against plan step, plans and expert K-windows",
    18: "reward-learning loss per epoch, one panel per loss",
    21: "sample windows of the dataset, blue (start) to red (end)",
    22: "diffuser plans from the same start states early and late in training",
    23: "sample windows of the dataset, blue (start) to red (end)",
    24: "diffuser plans from the same start states early and late in training",
}

#: the packages whose versions decide the numbers
PACKAGES = (
    "torch",
    "numpy",
    "gymnasium",
    "mujoco",
    "gymnasium-robotics",
    "stable-baselines3",
    "imitation",
    "dvc",
    "snakemake",
)


@dataclass
class Table:
    title: str
    frame: pd.DataFrame
    #: (row, column) cells whose value differs from the thesis's by more than the thesis's std
    flagged: set = field(default_factory=set)
    #: the table's conventions (its ``statistic`` column, stated once)
    note: str = ""

    @classmethod
    def from_csv_frame(cls, title: str, frame: pd.DataFrame) -> Table:
        note = str(frame["statistic"].iloc[0]) if "statistic" in frame and len(frame) else ""
        compared, flagged = compare_with_thesis(frame.drop(columns="statistic", errors="ignore"))
        return cls(title, compared, flagged, note)


def compare_with_thesis(frame: pd.DataFrame) -> tuple[pd.DataFrame, set]:
    """Add ``diff_X`` = ours - thesis beside every ``X_mean`` that has a ``thesis_X_mean``; flag large ones."""
    frame = frame.copy()
    flagged = set()
    for column in [c for c in frame.columns if c.endswith("_mean") and f"thesis_{c}" in frame.columns]:
        stem = column.removesuffix("_mean")
        difference = pd.to_numeric(frame[column], errors="coerce") - pd.to_numeric(
            frame[f"thesis_{column}"], errors="coerce"
        )
        frame.insert(frame.columns.get_loc(f"thesis_{column}"), f"diff_{stem}", difference)
        spread = pd.to_numeric(frame.get(f"thesis_{stem}_std"), errors="coerce")
        if spread is not None:
            for row in frame.index[(difference.abs() > spread).fillna(False)]:
                flagged.add((row, column))
    return frame, flagged


def figure_caption(path: Path) -> str:
    match = re.match(r"fig(\d+)_([a-z]+)_", path.name)
    if not match:
        return path.stem.replace("_", " ")
    number, environment = int(match.group(1)), match.group(2)
    return f"Figure {number} ({environment}): {FIGURE_CAPTIONS.get(number, path.stem)}"


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def provenance(params_path: Path, sidecars: list[Path]) -> dict:
    """Commit and tree state, scale, params hash, package versions, machine, datasets."""
    import torch

    status = _git("status", "--porcelain", "--untracked-files=no")
    params_text = params_path.read_text()
    scale = re.search(r"^scale:\s*(\S+)", params_text, re.MULTILINE)
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").is_file()
        else platform.processor()
    )
    datasets = []
    for sidecar in sidecars:
        record = json.loads(sidecar.read_text())
        datasets.append(
            {
                "file": str(sidecar.with_suffix(".hdf5")),
                "source": record.get("source"),
                "sha256": record.get("sha256"),
                "transitions": record.get("transitions"),
            }
        )
    return {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git("rev-parse", "HEAD") or "no commit",
        "tree": "clean" if status == "" else "modified" if status else "unknown",
        "scale": scale.group(1) if scale else "unknown",
        "params_sha256": hashlib.sha256(params_text.encode()).hexdigest(),
        "packages": {name: _version(name) for name in PACKAGES},
        "python": platform.python_version(),
        "machine": {
            "cpu": cpu,
            "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
        },
        "datasets": datasets,
    }


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def stage_benchmarks(folder: Path) -> pd.DataFrame | None:
    """Per-stage wall time and peak memory from Snakemake's ``benchmark:`` files, where a Snakemake run left them."""
    rows = []
    for path in sorted(folder.glob("*.tsv")):
        measured = pd.read_csv(path, sep="\t")
        rows.append(
            {
                "stage": path.stem,
                "seconds": float(measured["s"].iloc[-1]),
                "peak_rss_mb": float(measured["max_rss"].iloc[-1]) if "max_rss" in measured else np.nan,
            }
        )
    return pd.DataFrame(rows) if rows else None


# --- rendering ------------------------------------------------------------------------------
def _cell(value) -> str:
    if isinstance(value, float):
        return "" if np.isnan(value) else f"{value:.4g}"
    return "" if value is None else str(value)


def markdown_table(table: Table) -> str:
    frame = table.frame
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for row in frame.index:
        cells = [_cell(frame.at[row, c]) + (" **!**" if (row, c) in table.flagged else "") for c in frame.columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def html_table(table: Table) -> str:
    frame = table.frame
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.index:
        cells = "".join(
            f'<td class="{"flag" if (row, c) in table.flagged else ""}">{html.escape(_cell(frame.at[row, c]))}</td>'
            for c in frame.columns
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<div class='wide'><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


INTRO = (
    "Built from this run's outputs only. Our numbers stand beside the thesis's (`thesis_*`); `diff_*` is ours minus "
    "the thesis's, and a cell marked **!** (red in the HTML) differs by more than the thesis's std. `vs_*` columns "
    "are paired differences to that method with their interval. To compare two runs, `dvc params diff` and "
    "`dvc metrics diff REV` show what changed in the settings and the metrics, and `dvc plots diff REV` draws the "
    "training curves of both."
)


def render_markdown(
    tables: list[Table], figures: list[Path], info: dict, benchmarks: pd.DataFrame | None, relative_to: Path
) -> str:
    parts = ["# Study report: inverse RL through a diffusion planner", "", INTRO, ""]
    for table in tables:
        parts += (
            [f"## {table.title}", ""] + ([f"*{table.note}*", ""] if table.note else []) + [markdown_table(table), ""]
        )
    parts += ["## Figures", ""]
    for figure in figures:
        parts += [
            f"![{figure_caption(figure)}]({os.path.relpath(figure, relative_to)})",
            "",
            f"*{figure_caption(figure)}*",
            "",
        ]
    parts += ["## Stage times and memory", ""]
    parts += [
        markdown_table(Table("", benchmarks))
        if benchmarks is not None
        else "Not measured in this run: Snakemake's `benchmark:` files (`benchmarks/STAGE.tsv`) record each stage's "
        "wall time and peak memory when the DAG runs under Snakemake.",
        "",
    ]
    parts += ["## Provenance", "", "```json", json.dumps(info, indent=2), "```", ""]
    return "\n".join(parts)


STYLE = """body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;font-size:12px;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#eee}td.flag{background:#f8c4c4;font-weight:bold}figure{margin:1.5em 0}img{max-width:100%}
figcaption{font-style:italic;font-size:13px}.wide{overflow-x:auto}.note{font-size:13px;color:#444}pre{background:#f6f6f6;padding:1em;font-size:12px}"""

#: sets data-images-decoded on <body> once every image has loaded (or "false" if one failed), for headless checks
DECODE_CHECK = """<script>window.addEventListener('load',function(){var ok=Array.prototype.every.call(document.images,
function(i){return i.complete&&i.naturalWidth>0});document.body.dataset.imagesDecoded=ok?'true':'false';
document.body.dataset.imageCount=String(document.images.length);});</script>"""


def render_html(tables: list[Table], figures: list[Path], info: dict, benchmarks: pd.DataFrame | None) -> str:
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Study report</title>",
        f"<style>{STYLE}</style>{DECODE_CHECK}</head><body>",
        "<h1>Study report: inverse RL through a diffusion planner</h1>",
        f"<p>{html.escape(INTRO).replace('**!**', '<b>!</b>')}</p>",
    ]
    for table in tables:
        parts.append(f"<h2 id='{html.escape(table.title)}'>{html.escape(table.title)}</h2>")
        if table.note:
            parts.append(f"<p class='note'>{html.escape(table.note)}</p>")
        parts.append(html_table(table))
    parts.append("<h2>Figures</h2>")
    for figure in figures:
        data = base64.b64encode(figure.read_bytes()).decode()
        caption = html.escape(figure_caption(figure))
        parts.append(
            f"<figure><img alt='{caption}' src='data:image/png;base64,{data}'><figcaption>{caption}"
            f"</figcaption></figure>"
        )
    parts.append("<h2>Stage times and memory</h2>")
    parts.append(
        html_table(Table("", benchmarks))
        if benchmarks is not None
        else "<p>Not measured in this run: Snakemake's <code>benchmark:</code> files record each stage's wall time "
        "and peak memory when the DAG runs under Snakemake.</p>"
    )
    parts += ["<h2>Provenance</h2>", f"<pre>{html.escape(json.dumps(info, indent=2))}</pre>", "</body></html>"]
    return "\n".join(parts)
