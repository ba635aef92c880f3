"""The thesis's true reward for the mazes: r = 5 i + 5 j per step, in the cell frame.

(i, j) are continuous cell coordinates (row down, column right, the top-left wall cell
centred at (0, 0); STUDY section 3), so the bottom-right free cell earns most. The one
implementation, in torch, serves both uses: :func:`true_reward` scores raw positions
(rollout evaluation), and :class:`TrueRewardGuide` is a differentiable return model on
normalised plans for guided sampling.
"""

from __future__ import annotations

import numpy as np
import torch

from diffirl.envs.maze import MazeLayout

REWARD_PER_CELL = 5.0


def true_reward(maze: MazeLayout, xy: torch.Tensor | np.ndarray) -> torch.Tensor | np.ndarray:
    """Per-step reward of PointMaze positions (..., 2); numpy in, numpy out."""
    if isinstance(xy, np.ndarray):
        return true_reward(maze, torch.as_tensor(xy, dtype=torch.float64)).numpy()
    i = maze.height / 2 - 0.5 - xy[..., 1]
    j = xy[..., 0] + maze.width / 2 - 0.5
    return REWARD_PER_CELL * (i + j)


class TrueRewardGuide(torch.nn.Module):
    """Return of a normalised plan under the true reward, for classifier guidance."""

    def __init__(self, maze: MazeLayout, action_dim: int, shift: torch.Tensor, scale: torch.Tensor):
        super().__init__()
        self.maze, self.action_dim = maze, action_dim
        self.register_buffer("shift", shift)
        self.register_buffer("scale", scale)

    def forward(self, plans: torch.Tensor) -> torch.Tensor:
        raw = plans * self.scale + self.shift
        positions = raw[..., self.action_dim:self.action_dim + 2]
        return true_reward(self.maze, positions).sum(dim=-1)
