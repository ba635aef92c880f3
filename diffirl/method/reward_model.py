"""The learnt return model: an MLP over the whole flattened (normalised) plan, returning one value."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from diffirl.io import write_torch


class RewardMLP(nn.Module):
    def __init__(self, horizon: int, transition_dim: int, hidden: list[int]):
        super().__init__()
        self.horizon, self.transition_dim, self.hidden = horizon, transition_dim, list(hidden)
        widths = [horizon * transition_dim, *hidden]
        layers: list[nn.Module] = [nn.Flatten()]
        for width_in, width_out in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(width_in, width_out), nn.ReLU()]
        layers.append(nn.Linear(widths[-1], 1))
        self.net = nn.Sequential(*layers)

    def forward(self, plans: torch.Tensor) -> torch.Tensor:
        return self.net(plans).squeeze(-1)

    def save(self, path: str | Path, extra: dict | None = None) -> None:
        payload = {
            "horizon": self.horizon,
            "transition_dim": self.transition_dim,
            "hidden": self.hidden,
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
        model = cls(payload["horizon"], payload["transition_dim"], payload["hidden"])
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
