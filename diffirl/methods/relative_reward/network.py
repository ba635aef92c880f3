"""The relative reward network with a per-step head (the paper's section 4.3).

rho(x, t) is the mean over a plan's steps of g(transition_i, t), one small network applied to
every [action, observation] row with the diffusion step embedded, so that g(s, a, 0) is a
per-transition reward and rho does not depend on the plan's length.
"""

from __future__ import annotations

import torch
from torch import nn

from diffirl.methods.thesis.reward_model import step_embedding


class PerStepRelativeReward(nn.Module):
    def __init__(self, transition_dim: int, hidden: list[int], step_embedding_dim: int):
        super().__init__()
        if step_embedding_dim % 2:
            raise ValueError(f"step_embedding_dim must be even (sines and cosines), got {step_embedding_dim}")
        self.transition_dim, self.hidden, self.step_embedding_dim = transition_dim, list(hidden), step_embedding_dim
        widths = [transition_dim + step_embedding_dim, *hidden]
        layers: list[nn.Module] = []
        for width_in, width_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(width_in, width_out), nn.Mish()]  # smooth: its input gradient is trained
        layers.append(nn.Linear(widths[-1], 1))
        self.net = nn.Sequential(*layers)

    def per_step(self, plans: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
        """g of every row: plans (batch, horizon, transition_dim), steps (batch,) -> (batch, horizon)."""
        batch, horizon, _ = plans.shape
        embedded = step_embedding(steps, self.step_embedding_dim).to(plans.dtype)
        features = torch.cat([plans, embedded[:, None, :].expand(batch, horizon, -1)], dim=2)
        return self.net(features).squeeze(-1)

    def forward(self, plans: torch.Tensor, steps: torch.Tensor | None = None) -> torch.Tensor:
        """rho: one value per plan, the mean of its rows' g (``steps`` None: step 0, clean plans)."""
        if steps is None:
            steps = torch.zeros(len(plans), dtype=torch.long, device=plans.device)
        return self.per_step(plans, steps).mean(dim=1)
