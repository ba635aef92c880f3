"""The learnt return model: an MLP over the whole flattened (normalised) plan, returning one value
(the thesis's ``window`` structure), or the sum over the plan of one MLP's value of each
transition (``per_step``: a reward r(s_k, a_k) of its own, which EPIC can compare per transition).

With ``step_embedding_dim`` > 0 the MLP also reads a sinusoidal embedding of the diffusion
step the plan is at, as the Diffuser's value guides do (the thesis's network does not); a
clean plan (ERC's windows) is at step 0.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from diffirl.io import write_torch


def step_embedding(steps: torch.Tensor, dim: int) -> torch.Tensor:
    """(batch,) diffusion steps -> (batch, dim) sines and cosines of geometrically spaced frequencies."""
    half = dim // 2
    frequencies = torch.exp(-math.log(10000.0) * torch.arange(half, device=steps.device) / max(half - 1, 1))
    angles = steps.float()[:, None] * frequencies[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


Structure = Literal["window", "per_step"]


class RewardMLP(nn.Module):
    def __init__(
        self,
        horizon: int,
        transition_dim: int,
        hidden: list[int],
        step_embedding_dim: int = 0,
        structure: Structure = "window",
    ):
        super().__init__()
        if step_embedding_dim % 2:
            raise ValueError(f"step_embedding_dim must be even (sines and cosines), got {step_embedding_dim}")
        if structure not in ("window", "per_step"):
            raise ValueError(f"structure must be 'window' or 'per_step', got {structure!r}")
        self.horizon, self.transition_dim, self.hidden = horizon, transition_dim, list(hidden)
        self.step_embedding_dim, self.structure = step_embedding_dim, structure
        inputs = (horizon if structure == "window" else 1) * transition_dim
        widths = [inputs + step_embedding_dim, *hidden]
        layers: list[nn.Module] = [nn.Flatten()]
        for width_in, width_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(width_in, width_out), nn.ReLU()]
        layers.append(nn.Linear(widths[-1], 1))
        self.net = nn.Sequential(*layers)

    def forward(self, plans: torch.Tensor, steps: torch.Tensor | None = None) -> torch.Tensor:
        """One value per plan; ``steps`` (batch,) is read only by a step-conditioned network (None: step 0)."""
        if self.structure == "per_step":
            return self.per_step(plans, steps).sum(dim=1)
        if not self.step_embedding_dim:
            return self.net(plans).squeeze(-1)
        return self.net(torch.cat([plans.flatten(1), self._embedding(plans, steps)], 1)).squeeze(-1)

    def per_step(self, plans: torch.Tensor, steps: torch.Tensor | None = None) -> torch.Tensor:
        """(batch, length) reward of each transition [action, observation] of the plans (``per_step`` only)."""
        if self.structure != "per_step":
            raise ValueError("a window network has no per-step reward: it scores whole plans")
        batch, length, _ = plans.shape
        features = plans.reshape(batch * length, self.transition_dim)
        if self.step_embedding_dim:
            features = torch.cat([features, self._embedding(plans, steps).repeat_interleave(length, dim=0)], 1)
        return self.net(features).reshape(batch, length)

    def _embedding(self, plans: torch.Tensor, steps: torch.Tensor | None) -> torch.Tensor:
        if steps is None:
            steps = torch.zeros(len(plans), dtype=torch.long, device=plans.device)
        return step_embedding(steps, self.step_embedding_dim).to(plans.dtype)

    def save(self, path: str | Path, extra: dict | None = None) -> None:
        payload = {
            "horizon": self.horizon,
            "transition_dim": self.transition_dim,
            "hidden": self.hidden,
            "step_embedding_dim": self.step_embedding_dim,
            "structure": self.structure,
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
            payload["horizon"],
            payload["transition_dim"],
            payload["hidden"],
            payload.get("step_embedding_dim", 0),
            payload.get("structure", "window"),
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
