"""Algorithm 5: split expert trajectories into K-step windows (stride a parameter, K by default)."""

from __future__ import annotations

import numpy as np


def k_windows(trajectories: np.ndarray, k: int, stride: int | None = None) -> np.ndarray:
    """(n, length, dim) trajectories -> (m, k, dim) windows, each inside one trajectory."""
    stride = k if stride is None else stride
    if k < 1 or stride < 1:
        raise ValueError(f"K and the stride must be positive, got K={k}, stride={stride}")
    n, length = trajectories.shape[:2]
    if length < k:
        raise ValueError(f"trajectories of {length} steps hold no window of K={k}")
    starts = np.arange(0, length - k + 1, stride)
    return trajectories[:, starts[:, None] + np.arange(k)].reshape(n * len(starts), k, *trajectories.shape[2:])
