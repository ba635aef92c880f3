"""The mazes' true reward: r = a i + b j + c per step in the cell frame (the thesis: 5i + 5j).

(i, j) are continuous cell coordinates: row down, column right, the centre of the top-left
wall cell at (0, 0), so a free cell's centre has integer coordinates and the bottom-right
free cell earns most under the thesis's weights. Other origins shift the reward by a
constant ``c`` (README, "Conventions"). One torch implementation serves both uses:
:meth:`CellReward.__call__` scores raw positions (rollout evaluation, ERC, the baselines'
logged reward) and :class:`TrueRewardGuide` is a differentiable return model on normalised
plans for guided sampling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from diffirl.envs.maze import MazeLayout

#: the thesis's weights per cell of row and of column
THESIS_WEIGHT = 5.0


@dataclass(frozen=True)
class CellReward:
    maze: MazeLayout
    row_weight: float = THESIS_WEIGHT
    column_weight: float = THESIS_WEIGHT
    constant: float = 0.0
    #: what the true-reward guide differentiates: the return of the raw positions, or (the
    #: published code) the same weights applied to the normalised plan's coordinates
    guide_units: Literal["raw", "normalised"] = "raw"

    def __call__(self, xy: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
        """Per-step reward of PointMaze positions (..., 2); numpy in, numpy out."""
        if isinstance(xy, np.ndarray):
            return self(torch.as_tensor(xy, dtype=torch.float64)).numpy()
        i = self.maze.height / 2 - 0.5 - xy[..., 1]
        j = xy[..., 0] + self.maze.width / 2 - 0.5
        return self.row_weight * i + self.column_weight * j + self.constant

    def describe(self) -> str:
        """The reward as a formula, e.g. "5i + 5j"."""
        terms = [f"{self.row_weight:g}i", f"{self.column_weight:g}j"] + (
            [f"{self.constant:g}"] if self.constant else []
        )
        return " + ".join(terms).replace("+ -", "- ")

    def describe_frame(self) -> str:
        """The formula and the frame it is measured in."""
        return (
            f"r = {self.describe()} per step, (i, j) = (row, column) in cells from the centre of the top-left wall cell"
        )


def thesis_reward(maze: MazeLayout) -> CellReward:
    return CellReward(maze)


def true_reward(maze: MazeLayout, xy: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
    """The thesis's 5i + 5j of positions (..., 2)."""
    return thesis_reward(maze)(xy)


class TrueRewardGuide(torch.nn.Module):
    """Return of a normalised plan under a cell reward, for classifier guidance."""

    def __init__(self, reward: CellReward, action_dim: int, shift: torch.Tensor, scale: torch.Tensor):
        super().__init__()
        self.reward, self.action_dim = reward, action_dim
        if reward.guide_units == "normalised":  # the weights act on the normalised coordinates themselves
            shift, scale = torch.zeros_like(shift), torch.ones_like(scale)
        self.register_buffer("shift", shift)
        self.register_buffer("scale", scale)

    def forward(self, plans: torch.Tensor, steps: torch.Tensor | None = None) -> torch.Tensor:
        """The plans' returns; the diffusion ``steps`` are not read (the reward is a function of states)."""
        raw = plans * self.scale + self.shift
        positions = raw[..., self.action_dim : self.action_dim + 2]
        return self.reward(positions).sum(dim=-1)
