"""The mazes' true reward as a differentiable return model on normalised plans, for classifier guidance."""

from __future__ import annotations

import torch

from diffirl.rewards.true_reward import CellReward


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
