"""Every method the study compares, declared once.

A method is either a way of guiding the frozen diffuser (no guide, the true reward, or a
reward learnt with one trajectory loss) or a baseline policy trained with `imitation`.
Paths, params validation, reward learning, evaluation, the DAG and the tables all take
their lists from here, so a new loss or baseline is one entry below plus its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from diffirl.plugins import load_plugins


@dataclass(frozen=True)
class TrajectoryLoss:
    """What a learnt reward is trained to minimise, between planned and expert windows. Declared
    here without torch, which every stage would then load; its computation is registered for its
    class in :func:`diffirl.rewards.losses.trajectory_loss`."""


@dataclass(frozen=True)
class MeanSquaredError(TrajectoryLoss):
    """Each plan against its own window."""


@dataclass(frozen=True)
class MaximumMeanDiscrepancy(TrajectoryLoss):
    """The batch of plans against the batch of windows, with one kernel and its own estimator setting."""

    kernel: Literal["gaussian", "matern"]


@dataclass(frozen=True)
class GuideSource:
    """What steers a diffuser method's chain, declared without torch. The project's sources have
    their guide built by :func:`diffirl.method.evaluation.build_guide` (registered per class); a
    source defined outside the project (a plugin, :mod:`diffirl.plugins`) builds its own by
    overriding :meth:`build`."""

    def build(self, trained, spec):
        """The guide (plans, steps) -> one value per plan, for the diffuser ``trained`` in ``spec``."""
        raise NotImplementedError(f"{type(self).__name__} builds no guide: override build() or register one")


@dataclass(frozen=True)
class ByTrueReward(GuideSource):
    """The environment's true reward, differentiated through the plan (where it is designed)."""


@dataclass(frozen=True)
class ByLearntReward(GuideSource):
    """The reward network the method's own stage learnt."""


@dataclass(frozen=True)
class Method:
    #: the short name used in params, file names and metrics keys
    name: str
    #: the row label of the results tables (the thesis's wording)
    label: str
    family: Literal["diffuser", "baseline"]
    #: diffuser methods: what guides the chain (none: the base diffuser)
    guide: GuideSource | None = None
    #: learnt rewards: the trajectory loss the reward is learnt with
    trajectory_loss: TrajectoryLoss | None = None
    #: the method ends with an explicit reward, which ERC can score
    has_reward: bool = False
    #: only where the true reward is differentiable in plans (the mazes)
    needs_true_reward_guide: bool = False

    def __post_init__(self):
        if self.is_learnt != (self.trajectory_loss is not None):
            raise ValueError(f"method {self.name!r}: a learnt reward needs a trajectory loss, and only it has one")

    @property
    def is_learnt(self) -> bool:
        return isinstance(self.guide, ByLearntReward)

    @property
    def short_label(self) -> str:
        """ "Diffuser (Learnt MSE Reward)" -> "MSE Reward"; baselines unchanged."""
        if self.label.startswith("Diffuser (") and self.label.endswith(")"):
            return self.label[len("Diffuser (") : -1].removeprefix("Learnt ")
        return self.label


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("base", "Base Diffuser", "diffuser"),
        Method("true", "Diffuser (True Reward)", "diffuser", guide=ByTrueReward(), needs_true_reward_guide=True),
        Method(
            "mse",
            "Diffuser (Learnt MSE Reward)",
            "diffuser",
            guide=ByLearntReward(),
            trajectory_loss=MeanSquaredError(),
            has_reward=True,
        ),
        Method(
            "mmd_gauss",
            "Diffuser (Learnt MMD-Gauss Reward)",
            "diffuser",
            guide=ByLearntReward(),
            trajectory_loss=MaximumMeanDiscrepancy("gaussian"),
            has_reward=True,
        ),
        Method(
            "mmd_matern",
            "Diffuser (Learnt MMD-Matern Reward)",
            "diffuser",
            guide=ByLearntReward(),
            trajectory_loss=MaximumMeanDiscrepancy("matern"),
            has_reward=True,
        ),
        Method("bc", "Behaviour Cloning", "baseline"),
        Method("gail", "GAIL", "baseline"),
        Method("airl", "AIRL", "baseline", has_reward=True),
    )
}


def register_method(method: Method) -> Method:
    """Add a method (from a plugin, :mod:`diffirl.plugins`); it joins every table of the environments it fits."""
    if method.name in METHODS:
        raise ValueError(f"method {method.name!r} is registered already")
    METHODS[method.name] = method
    _derive_lists()
    return method


def _derive_lists() -> None:
    """The lists below, from the registry as it stands (again after each plugin's entry)."""
    global LOSSES, MMD_KERNELS, BASELINES
    #: the learnt rewards, one per trajectory loss
    LOSSES = tuple(name for name, m in METHODS.items() if m.is_learnt)
    #: the kernels of the MMD losses, each with its own estimator setting (`mmd_unbiased`)
    MMD_KERNELS = tuple(
        m.trajectory_loss.kernel for m in METHODS.values() if isinstance(m.trajectory_loss, MaximumMeanDiscrepancy)
    )
    #: the `imitation` baselines
    BASELINES = tuple(name for name, m in METHODS.items() if m.family == "baseline")


LOSSES: tuple[str, ...]
MMD_KERNELS: tuple[str, ...]
BASELINES: tuple[str, ...]
_derive_lists()
load_plugins()


def diffuser_methods(has_true_reward_guide: bool) -> tuple[Method, ...]:
    """The diffuser methods an environment evaluates (the true-reward guide only where one exists)."""
    return tuple(
        m
        for m in METHODS.values()
        if m.family == "diffuser" and (has_true_reward_guide or not m.needs_true_reward_guide)
    )


def methods_for(has_true_reward_guide: bool) -> tuple[Method, ...]:
    """Every method of an environment's results table, in the thesis's row order."""
    return (*diffuser_methods(has_true_reward_guide), *(METHODS[name] for name in BASELINES))
