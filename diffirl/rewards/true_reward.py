"""The mazes' true reward: r = a i + b j + c - g |(i, j) - goal| per step in the cell frame (the
thesis: 5i + 5j; the goal term, a distance to a goal cell, serves the reward-recovery family).

(i, j) are continuous cell coordinates: row down, column right, the centre of the top-left
wall cell at (0, 0), so a free cell's centre has integer coordinates and the bottom-right
free cell earns most under the thesis's weights. Other origins shift the reward by a
constant ``c`` (README, "Conventions"). One formula serves both uses:
:meth:`CellReward.__call__` scores raw positions (rollout evaluation, ERC, the baselines'
logged reward) and :class:`diffirl.rewards.true_reward_guide.TrueRewardGuide` differentiates
it on normalised plans for guided sampling. This module does not import torch, so the stages
that only read settings (tables, figures) start without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from diffirl.envs.maze import MazeLayout

if TYPE_CHECKING:
    import torch

#: the thesis's weights per cell of row and of column
THESIS_WEIGHT = 5.0
#: squared cells added under the goal term's square root (far below any distance that matters)
GOAL_DISTANCE_OFFSET = 1e-12


@dataclass(frozen=True)
class CellReward:
    maze: MazeLayout
    row_weight: float = THESIS_WEIGHT
    column_weight: float = THESIS_WEIGHT
    constant: float = 0.0
    #: what the true-reward guide differentiates: the return of the raw positions, or (the
    #: published code) the same weights applied to the normalised plan's coordinates
    guide_units: Literal["raw", "normalised"] = "raw"
    #: the goal term: minus ``goal_weight`` times the distance in cells to ``goal_cell`` (row, column)
    goal_cell: tuple[float, float] | None = None
    goal_weight: float = 0.0

    def __call__(self, xy: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
        """Per-step reward of PointMaze positions (..., 2): a tensor in, a tensor out (differentiable);
        an array in, a float64 array out."""
        if isinstance(xy, np.ndarray):
            xy = xy.astype(np.float64, copy=False)
        i = self.maze.height / 2 - 0.5 - xy[..., 1]
        j = xy[..., 0] + self.maze.width / 2 - 0.5
        linear = self.row_weight * i + self.column_weight * j + self.constant
        if self.goal_cell is None or not self.goal_weight:
            return linear
        # the tiny offset keeps the distance's gradient finite at the goal itself
        distance = ((i - self.goal_cell[0]) ** 2 + (j - self.goal_cell[1]) ** 2 + GOAL_DISTANCE_OFFSET) ** 0.5
        return linear - self.goal_weight * distance

    def best_cell(self) -> tuple[int, int]:
        """The free cell whose centre earns most per step (the first in row-major order on a tie)."""
        cells = self.maze.free_cells
        earned = self(self.maze.cell_to_xy(cells.astype(np.float64)))
        i, j = cells[int(np.argmax(earned))]
        return int(i), int(j)

    def describe(self) -> str:
        """The reward as a formula, e.g. "5i + 5j"."""
        linear = [(self.row_weight, "i"), (self.column_weight, "j")]
        terms = [f"{weight:g}{name}" for weight, name in linear if weight or not self.goal_weight]
        terms += [f"{self.constant:g}"] if self.constant else []
        if self.goal_cell is not None and self.goal_weight:
            row, column = self.goal_cell
            terms.append(f"-{self.goal_weight:g}|(i, j) - ({row:g}, {column:g})|")
        return " + ".join(terms).replace("+ -", "- ")

    def describe_frame(self) -> str:
        """The formula and the frame it is measured in."""
        return (
            f"r = {self.describe()} per step, (i, j) = (row, column) in cells from the centre of the top-left wall cell"
        )


def in_best_cell(reward: CellReward, positions: np.ndarray) -> np.ndarray:
    """Whether each PointMaze position (..., 2) lies in the reward's best cell."""
    return (reward.maze.cell_index(positions) == np.array(reward.best_cell())).all(axis=-1)


def best_cell_dwell(reward: CellReward, positions: np.ndarray, last_steps: int) -> np.ndarray:
    """Per trajectory, the fraction of its last ``last_steps`` PointMaze positions (n, steps, 2)
    that lie in the reward's best cell: 1 for an agent that reached it and stayed."""
    if not 0 < last_steps <= positions.shape[1]:
        raise ValueError(f"last_steps = {last_steps} must be in [1, {positions.shape[1]}], the trajectories' length")
    return in_best_cell(reward, positions[:, -last_steps:]).mean(axis=1)


def arrival_and_stay(reward: CellReward, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per trajectory (positions (n, steps, 2)): whether it reaches the reward's best cell, and the
    fraction of its steps from the first arrival on spent there (NaN where it never arrives)."""
    inside = in_best_cell(reward, positions)
    reached = inside.any(axis=1)
    after = np.arange(inside.shape[1]) >= np.argmax(inside, axis=1)[:, None]
    return reached, np.where(reached, (inside & after).sum(axis=1) / after.sum(axis=1), np.nan)


def thesis_reward(maze: MazeLayout) -> CellReward:
    return CellReward(maze)


def true_reward(maze: MazeLayout, xy: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
    """The thesis's 5i + 5j of positions (..., 2)."""
    return thesis_reward(maze)(xy)
