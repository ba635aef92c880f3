"""Where each figure goes in the report, and what its caption tells the reader to look for.

Figures carry the thesis's numbers in their file names (``fig07_umaze_rollouts.png``);
the thesis's results figures sit under the table of their environment, its appendix
figures and the training diagnostics in the report's appendix.
"""

from __future__ import annotations

import re
from pathlib import Path

#: thesis figure number -> (the results table it illustrates, what to look for)
THESIS_FIGURES: dict[int, tuple[int | None, str]] = {
    4: (1, "The true reward over the maze, highest in the best cell: the slope every expert climbs."),
    5: (
        1,
        "Expert rollouts guided by the true reward, one panel per start point. Look for every expert reaching "
        "the best cell and staying there, as the thesis's do.",
    ),
    6: (1, "Reward-learning loss per epoch, one panel per loss. A flat curve means the learnt reward barely moved."),
    7: (
        1,
        "A rollout of every method from each start point. Guided rollouts should end in the best cell where the "
        "base diffuser wanders.",
    ),
    10: (
        2,
        "Every rollout guided by the true reward, one panel per start point. Look for rollouts that stall against "
        "walls: the thesis's explanation of why guidance fails in the Large Maze.",
    ),
    11: (2, "Expert plans (goal-inpainted). Plans that cross walls are expert data no simulator could produce."),
    12: (2, "The true reward over the Large Maze."),
    13: (2, "Reward-learning loss per epoch, one panel per loss."),
    14: (2, "A rollout of every method from each start point; compare where each ends with the base diffuser."),
    15: (
        2,
        "One-step dynamics error of the first planned step over the maze: where the planner's steps are not "
        "physical. The U-Maze's is the comparison.",
    ),
    16: (2, "High-error zones, expert start points and where true-reward rollouts stall: do stalls sit in the zones?"),
    17: (2, "Dynamics error against plan step, for plans and expert windows: does the error grow along the plan?"),
    18: (4, "Reward-learning loss per epoch, one panel per loss: how far each loss falls in the epochs it trains."),
    21: (None, "Sample windows of the U-Maze dataset, blue (start) to red (end): how well the data cover the maze."),
    22: (
        None,
        "U-Maze diffuser plans from the same start states early and late in training: late plans keep to corridors.",
    ),
    23: (None, "Sample windows of the Large Maze dataset, blue (start) to red (end)."),
    24: (None, "Large Maze diffuser plans early and late in training."),
}

DIAGNOSTIC_CAPTION = "Diffuser training loss per step ({environment}): the curve should have flattened by the end."


def figure_number(path: Path) -> int | None:
    match = re.match(r"fig(\d+)_", path.name)
    return int(match.group(1)) if match else None


def figure_environment(path: Path) -> str:
    match = re.match(r"(?:fig\d+|diffuser)_([a-z]+)_", path.name)
    return match.group(1) if match else ""


def figure_table(path: Path) -> int | None:
    """The results table a figure sits under; None: the appendix."""
    number = figure_number(path)
    return THESIS_FIGURES[number][0] if number in THESIS_FIGURES else None


def caption(path: Path) -> str:
    number = figure_number(path)
    environment = figure_environment(path)
    if number is None:
        return DIAGNOSTIC_CAPTION.format(environment=environment)
    text = THESIS_FIGURES.get(number, (None, path.stem.replace("_", " ")))[1]
    return f"Figure {number} ({environment}). {text}"


def in_thesis_order(figures: list[Path], environment: str | None = None) -> list[Path]:
    """By thesis number, the table's own environment before a comparison environment, diagnostics last."""
    return sorted(
        figures,
        key=lambda f: (figure_number(f) is None, figure_number(f) or 0, figure_environment(f) != environment, f.name),
    )
