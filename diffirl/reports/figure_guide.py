"""Where each figure goes in the report, and what its caption tells the reader to look for, from
the figure catalogue (:mod:`diffirl.figures`).

The thesis's results figures sit under the table of their environment, its appendix figures,
the training diagnostics and the figures of environments the thesis has no table of in the
report's appendix.
"""

from __future__ import annotations

import functools
from pathlib import Path

from diffirl.envs.registry import ENVIRONMENTS
from diffirl.figures import FIGURE_KINDS, FigureKind
from diffirl.reports.results import RESULTS_TABLES


@functools.cache
def _by_file_name() -> dict[str, tuple[FigureKind, str]]:
    return {kind.file_name(env): (kind, env) for kind in FIGURE_KINDS.values() for env in ENVIRONMENTS}


def figure_of(path: Path) -> tuple[FigureKind, str] | None:
    """(its kind, its environment) of a figure file of the study; None for any other file."""
    return _by_file_name().get(Path(path).name)


def figure_number(path: Path) -> int | None:
    found = figure_of(path)
    return found[0].number(found[1]) if found else None


def figure_environment(path: Path) -> str:
    found = figure_of(path)
    return found[1] if found else ""


def figure_table(path: Path) -> int | None:
    """The results table a figure sits under; None: the appendix."""
    found = figure_of(path)
    if found is None:
        return None
    kind, environment = found
    if kind.appendix or kind.number(environment) is None:
        return None
    if kind.table is not None:
        return kind.table
    return next((number for number, table in RESULTS_TABLES.items() if table.environment == environment), None)


def caption(path: Path) -> str:
    found = figure_of(path)
    return found[0].report_caption(found[1]) if found else Path(path).stem.replace("_", " ")


def in_thesis_order(figures: list[Path], environment: str | None = None) -> list[Path]:
    """By thesis number, the table's own environment before a comparison environment, the rest last."""
    return sorted(
        figures,
        key=lambda f: (figure_number(f) is None, figure_number(f) or 0, figure_environment(f) != environment, f.name),
    )
