"""Trajectory-space distances between sampled plans and expert windows.

All are computed on flattened (K x transition_dim) windows, in one space the caller chooses
(``reward_learning.ENV.loss_units``: the diffuser's normalised space by default), never the
published code's mix of units.

* MSE: each plan against its own window.
* MMD between the batch of plans and the batch of windows, with a Gaussian kernel summed
  over bandwidths f * m (default f in {1/4, 1/2, 1, 2, 4}) around m, the mean pairwise squared distance of
  the pooled batch (not differentiated), or a Matern kernel (nu in {0.5, 1.5, 2.5}) on
  rows scaled to unit norm; biased (V-statistic) or unbiased (U-statistic) estimator.
"""

from __future__ import annotations

import functools
import math

import torch

from diffirl.methods import MaximumMeanDiscrepancy, MeanSquaredError, TrajectoryLoss

GAUSSIAN_BANDWIDTH_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)


def mse(plans: torch.Tensor, windows: torch.Tensor) -> torch.Tensor:
    return ((plans - windows) ** 2).mean()


def _squared_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a[:, None, :] - b[None, :, :]).pow(2).sum(-1)


def gaussian_kernel(
    a: torch.Tensor, b: torch.Tensor, pooled: torch.Tensor, factors: tuple[float, ...] = GAUSSIAN_BANDWIDTH_FACTORS
) -> torch.Tensor:
    with torch.no_grad():
        m = _squared_distances(pooled, pooled).sum() / (len(pooled) ** 2 - len(pooled))
    d2 = _squared_distances(a, b)
    return sum(torch.exp(-d2 / (factor * m)) for factor in factors)


def matern_kernel(a: torch.Tensor, b: torch.Tensor, nu: float, lengthscale: float) -> torch.Tensor:
    # a tiny offset keeps the gradient of the distance finite at zero
    d = (_squared_distances(a, b) + 1e-12).sqrt() / lengthscale
    if nu == 0.5:
        return torch.exp(-d)
    if nu == 1.5:
        return (1 + math.sqrt(3) * d) * torch.exp(-math.sqrt(3) * d)
    if nu == 2.5:
        return (1 + math.sqrt(5) * d + 5 * d**2 / 3) * torch.exp(-math.sqrt(5) * d)
    raise ValueError(f"Matern nu must be 0.5, 1.5 or 2.5, got {nu}")


def mmd(
    x: torch.Tensor,
    y: torch.Tensor,
    kernel: str,
    unbiased: bool = False,
    nu: float = 0.5,
    lengthscale: float = 0.69,
    bandwidth_factors: tuple[float, ...] = GAUSSIAN_BANDWIDTH_FACTORS,
) -> torch.Tensor:
    """Squared MMD between samples x (n, d) and y (m, d)."""
    x, y = x.flatten(1), y.flatten(1)
    if kernel == "gaussian":
        pooled = torch.cat([x, y])
        k = lambda a, b: gaussian_kernel(a, b, pooled, bandwidth_factors)
    elif kernel == "matern":
        x, y = x / x.norm(dim=1, keepdim=True).clamp_min(1e-12), y / y.norm(dim=1, keepdim=True).clamp_min(1e-12)
        k = lambda a, b: matern_kernel(a, b, nu, lengthscale)
    else:
        raise ValueError(f"unknown kernel {kernel!r}; choose gaussian or matern")
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    n, m = len(x), len(y)
    if unbiased:
        xx = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
        yy = (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
    else:
        xx, yy = kxx.mean(), kyy.mean()
    return xx + yy - 2 * kxy.mean()


@functools.singledispatch
def trajectory_loss(loss: TrajectoryLoss, plans: torch.Tensor, windows: torch.Tensor, settings) -> torch.Tensor:
    """``loss`` between plans and windows, with the environment's ``reward_learning`` settings; a loss
    defined outside the project computes itself."""
    return loss.compute(plans, windows, settings)


@trajectory_loss.register(MeanSquaredError)
def _mean_squared_error(loss, plans, windows, settings):
    return mse(plans, windows)


@trajectory_loss.register(MaximumMeanDiscrepancy)
def _maximum_mean_discrepancy(loss, plans, windows, settings):
    return mmd(
        plans,
        windows,
        loss.kernel,
        settings.mmd_unbiased[loss.kernel],
        settings.matern_nu,
        settings.matern_lengthscale,
        tuple(settings.gaussian_bandwidth_factors),
    )
