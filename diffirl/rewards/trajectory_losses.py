"""The trajectory losses a reward is learnt with, as the objects the method registry holds.

Each compares a batch of planned windows with a batch of expert windows and reads its own
settings from the environment's `reward_learning` section. The module imports no torch: the
registry is read by every stage, and the tensors' code (`diffirl.rewards.losses`) loads when
a loss is first called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import torch

    from diffirl.params.schema import RewardLearning


class TrajectoryLoss:
    """A distance between planned and expert windows, differentiable in the plans."""

    def __call__(self, plans: torch.Tensor, windows: torch.Tensor, settings: RewardLearning) -> torch.Tensor:
        raise NotImplementedError


@dataclass(frozen=True)
class MeanSquaredError(TrajectoryLoss):
    """Each plan against its own window."""

    def __call__(self, plans, windows, settings):
        from diffirl.rewards.losses import mse

        return mse(plans, windows)


@dataclass(frozen=True)
class MaximumMeanDiscrepancy(TrajectoryLoss):
    """The batch of plans against the batch of windows, with one kernel and its estimator."""

    kernel: Literal["gaussian", "matern"]

    def __call__(self, plans, windows, settings):
        from diffirl.rewards.losses import mmd

        return mmd(
            plans,
            windows,
            self.kernel,
            settings.mmd_unbiased[self.kernel],
            settings.matern_nu,
            settings.matern_lengthscale,
            tuple(settings.gaussian_bandwidth_factors),
        )
