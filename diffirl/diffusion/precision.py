"""Running the frozen diffusion network in bfloat16 while everything around it stays float32.

Reward learning spends nearly all its time in the U-Net's forward and backward passes
through the sampling chain. Under ``torch.autocast`` the convolutions run in bfloat16
(AMX or AVX512-BF16 on recent CPUs, tensor cores on GPUs) while the chain, the guide,
the loss and the reward network keep float32. Measured at the paper U-Maze setting, the
reward-network gradient keeps its direction (cosine 0.996-0.998 with float32).
"""

from __future__ import annotations

import copy
from typing import Literal

import torch
from torch import nn

from diffirl.diffusion.gaussian import GaussianDiffusion

Precision = Literal["float32", "bfloat16"]


class AutocastNetwork(nn.Module):
    def __init__(self, network: nn.Module, dtype: torch.dtype):
        super().__init__()
        self.network, self.dtype = network, dtype

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        with torch.autocast(device_type=x.device.type, dtype=self.dtype):
            output = self.network(x, t)
        return output.float()


def with_precision(diffusion: GaussianDiffusion, precision: Precision) -> GaussianDiffusion:
    """``diffusion`` itself for float32; otherwise a copy whose network runs under autocast (same weights)."""
    if precision == "float32":
        return diffusion
    if precision != "bfloat16":
        raise ValueError(f"unknown precision {precision!r}; choose float32 or bfloat16")
    wrapped = copy.copy(diffusion)  # shares the frozen weights and the schedule buffers
    wrapped._modules = dict(diffusion._modules)  # its own module table, so the next line leaves diffusion as it is
    wrapped.model = AutocastNetwork(diffusion.model, torch.bfloat16)
    return wrapped
