"""The recovery benchmark's controls: rewards whose relation to the true reward is known, so
each checks a metric rather than the method (issue 32).

Against the true reward r, EPIC must give 0 for the rescaled c r (c > 0) and for the shaped
r + gamma Phi(s') - Phi(s), and 1 for the sign-flipped -r; a gradient cosine is +1 for the
rescaled and -1 for the sign-flipped, whatever the plans. Each control is a per-transition
reward of PointMaze states (for EPIC) and a return of whole plans (to guide the diffuser and
for ERC), built from the same formulas.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from diffirl.envs.maze import MazeLayout
from diffirl.params.schema import RecoveryControls, ShapingControl
from diffirl.rewards.epic import Reward
from diffirl.rewards.true_reward import CellReward
from diffirl.rewards.true_reward_guide import TrueRewardGuide

#: the controls, in the order the leaderboard lists them
CONTROLS = ("rescaled", "shaped", "sign_flipped")


def scaled(reward: CellReward, factor: float) -> CellReward:
    """``factor`` times the reward (its goal term included)."""
    return replace(
        reward,
        row_weight=factor * reward.row_weight,
        column_weight=factor * reward.column_weight,
        constant=factor * reward.constant,
        goal_weight=factor * reward.goal_weight,
    )


def potential(maze: MazeLayout, shaping: ShapingControl) -> CellReward:
    """Phi(s) = -weight * |(i, j) - cell|: a function of the position alone, as shaping needs."""
    return CellReward(maze, 0.0, 0.0, goal_cell=tuple(shaping.potential_cell), goal_weight=shaping.potential_weight)


@dataclass(frozen=True)
class ShapedReward:
    """r(s) + gamma Phi(s') - Phi(s) of PointMaze positions."""

    reward: CellReward
    potential: CellReward
    gamma: float

    def transition(self, xy: np.ndarray, next_xy: np.ndarray) -> np.ndarray:
        return self.reward(xy) + self.gamma * self.potential(next_xy) - self.potential(xy)

    def describe(self) -> str:
        return f"{self.reward.describe()} + {self.gamma:g} Phi(s') - Phi(s), Phi = {self.potential.describe()}"


Control = CellReward | ShapedReward


def controls_of(reward: CellReward, settings: RecoveryControls, gamma: float) -> dict[str, Control]:
    """The three controls of a true reward, by name; ``gamma``: the shaping's discount (EPIC's)."""
    if settings.rescale <= 0:
        raise ValueError(f"controls.rescale = {settings.rescale} must be positive: a rescaled control keeps the sign")
    return {
        "rescaled": scaled(reward, settings.rescale),
        "shaped": ShapedReward(reward, potential(reward.maze, settings.shaping), gamma),
        "sign_flipped": scaled(reward, -1.0),
    }


def transition_reward(control: Control) -> Reward:
    """The control as a reward of (states, actions, next states), states' first two columns the position."""
    if isinstance(control, ShapedReward):
        return lambda s, a, n: control.transition(s[..., :2], n[..., :2])
    return lambda s, a, n: control(s[..., :2])


class ShapedRewardGuide(TrueRewardGuide):
    """The return of a normalised plan under a shaped reward: each step's reward, plus the shaping
    of each of the plan's transitions."""

    def __init__(self, shaped: ShapedReward, action_dim: int, shift: torch.Tensor, scale: torch.Tensor):
        super().__init__(shaped.reward, action_dim, shift, scale)
        self.potential, self.gamma = shaped.potential, shaped.gamma

    def forward(self, plans: torch.Tensor, steps: torch.Tensor | None = None) -> torch.Tensor:
        positions = (plans * self.scale + self.shift)[..., self.action_dim : self.action_dim + 2]
        phi = self.potential(positions)
        return self.reward(positions).sum(dim=-1) + (self.gamma * phi[..., 1:] - phi[..., :-1]).sum(dim=-1)


def control_guide(control: Control, action_dim: int, shift: torch.Tensor, scale: torch.Tensor) -> TrueRewardGuide:
    if isinstance(control, ShapedReward):
        return ShapedRewardGuide(control, action_dim, shift, scale)
    return TrueRewardGuide(control, action_dim, shift, scale)
