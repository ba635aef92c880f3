"""The learnt return model: an MLP over the whole flattened (normalised) plan, returning one value.

With ``step_embedding_dim`` > 0 the MLP also reads a sinusoidal embedding of the diffusion
step the plan is at, as the Diffuser's value guides do (the thesis's network does not); a
clean plan (ERC's windows) is at step 0.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from diffirl.io import write_torch


def step_embedding(steps: torch.Tensor, dim: int) -> torch.Tensor:
    """(batch,) diffusion steps -> (batch, dim) sines and cosines of geometrically spaced frequencies."""
    half = dim // 2
    frequencies = torch.exp(-math.log(10000.0) * torch.arange(half, device=steps.device) / max(half - 1, 1))
    angles = steps.float()[:, None] * frequencies[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class RewardMLP(nn.Module):
    def __init__(self, horizon: int, transition_dim: int, hidden: list[int], step_embedding_dim: int = 0):
        super().__init__()
        if step_embedding_dim % 2:
            raise ValueError(f"step_embedding_dim must be even (sines and cosines), got {step_embedding_dim}")
        self.horizon, self.transition_dim, self.hidden = horizon, transition_dim, list(hidden)
        self.step_embedding_dim = step_embedding_dim
        widths = [horizon * transition_dim + step_embedding_dim, *hidden]
        layers: list[nn.Module] = [nn.Flatten()]
        for width_in, width_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(width_in, width_out), nn.ReLU()]
        layers.append(nn.Linear(widths[-1], 1))
        self.net = nn.Sequential(*layers)

    def forward(self, plans: torch.Tensor, steps: torch.Tensor | None = None) -> torch.Tensor:
        """One value per plan; ``steps`` (batch,) is read only by a step-conditioned network (None: step 0)."""
        if not self.step_embedding_dim:
            return self.net(plans).squeeze(-1)
        if steps is None:
            steps = torch.zeros(len(plans), dtype=torch.long, device=plans.device)
        features = torch.cat([plans.flatten(1), step_embedding(steps, self.step_embedding_dim).to(plans.dtype)], 1)
        return self.net(features).squeeze(-1)

    def save(self, path: str | Path, extra: dict | None = None) -> None:
        payload = {
            "horizon": self.horizon,
            "transition_dim": self.transition_dim,
            "hidden": self.hidden,
            "step_embedding_dim": self.step_embedding_dim,
            "weights": self.state_dict(),
            **(extra or {}),
        }
        write_torch(path, payload)

    @staticmethod
    def _payload(path: str | Path) -> dict:
        if not Path(path).is_file():
            raise FileNotFoundError(f"learnt reward {path} does not exist")
        return torch.load(path, map_location="cpu", weights_only=False)

    @classmethod
    def _with_weights(cls, payload: dict, weights: dict, device) -> RewardMLP:
        model = cls(
            payload["horizon"], payload["transition_dim"], payload["hidden"], payload.get("step_embedding_dim", 0)
        )
        model.load_state_dict(weights)
        return model.to(device).eval()

    @classmethod
    def load(cls, path: str | Path, device: torch.device | str = "cpu") -> RewardMLP:
        """The final network."""
        payload = cls._payload(path)
        return cls._with_weights(payload, payload["weights"], device)

    @classmethod
    def load_snapshots(cls, path: str | Path, device: torch.device | str = "cpu") -> dict[int, RewardMLP]:
        """The networks kept during training (``snapshot_every``), by epoch; empty if none were kept."""
        payload = cls._payload(path)
        return {
            epoch: cls._with_weights(payload, weights, device)
            for epoch, weights in sorted(payload.get("snapshots", {}).items())
        }
