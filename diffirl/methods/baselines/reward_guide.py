"""A baseline's recovered reward (AIRL's) scored as the recovery benchmark scores every reward:
as a guide of the base diffuser's chain and as a per-transition reward for EPIC."""

from __future__ import annotations

import numpy as np
import torch
from imitation.rewards.reward_nets import RewardNet

from diffirl.rewards.epic import Reward


class TransitionRewardGuide(torch.nn.Module):
    """The return of a normalised plan under a reward network of raw (s, a, s'): the sum over the
    plan's transitions, the last state its own successor (as ERC scores a window)."""

    def __init__(self, reward_net: RewardNet, action_dim: int, shift: torch.Tensor, scale: torch.Tensor):
        super().__init__()
        self.reward_net, self.action_dim = reward_net.eval(), action_dim
        self.register_buffer("shift", shift)
        self.register_buffer("scale", scale)

    def forward(self, plans: torch.Tensor, steps: torch.Tensor | None = None) -> torch.Tensor:
        raw = plans * self.scale + self.shift
        actions, states = raw[..., : self.action_dim], raw[..., self.action_dim :]
        next_states = torch.cat([states[:, 1:], states[:, -1:]], dim=1)
        batch, length, _ = raw.shape
        flat = lambda x: x.reshape(batch * length, -1)
        done = torch.zeros(batch * length, dtype=torch.bool, device=plans.device)
        return self.reward_net(flat(states), flat(actions), flat(next_states), done).reshape(batch, length).sum(dim=1)


def baseline_transition_reward(reward_net: RewardNet) -> Reward:
    """The network as a reward of raw (states, actions, next states), never done."""
    return lambda s, a, n: reward_net.predict_processed(s, a, n, np.zeros(len(s), dtype=bool))
