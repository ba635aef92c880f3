"""Per-dimension affine normalisers, fitted on the base dataset and saved with the model.

``limits`` maps each dimension's [min, max] to [-1, 1] (the mazes); ``gaussian``
standardises to zero mean and unit variance (locomotion).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Normalizer:
    shift: torch.Tensor
    scale: torch.Tensor

    @classmethod
    def fit(cls, kind: str, data: np.ndarray) -> Normalizer:
        data = np.asarray(data, dtype=np.float64)
        if kind == "limits":
            low, high = data.min(axis=0), data.max(axis=0)
            shift, scale = (high + low) / 2, (high - low) / 2
        elif kind == "gaussian":
            shift, scale = data.mean(axis=0), data.std(axis=0)
        else:
            raise ValueError(f"unknown normalizer {kind!r}; choose limits or gaussian")
        scale = np.where(scale > 1e-8, scale, 1.0)  # a constant dimension stays as it is
        return cls(torch.tensor(shift, dtype=torch.float32), torch.tensor(scale, dtype=torch.float32))

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.shift.to(x.device)) / self.scale.to(x.device)

    def unnormalize(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale.to(x.device) + self.shift.to(x.device)

    def state_dict(self) -> dict:
        return {"shift": self.shift, "scale": self.scale}

    @classmethod
    def from_state_dict(cls, state: dict) -> Normalizer:
        return cls(state["shift"], state["scale"])
