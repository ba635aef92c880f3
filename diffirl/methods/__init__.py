"""Every method the study compares, declared once, and the folders that implement them.

A method is either a diffuser method, the frozen diffuser steered by a guide (none, the true
reward, a reward learnt with one trajectory loss, or any :class:`GuideSource`), or a baseline,
a policy learnt from the demonstrations by a :class:`PolicyLearner`. The declarations here are
free of torch, which every stage would otherwise load; each family's code lives beneath, in its
own folder (``thesis/``: the thesis's reward learning through the chain; ``baselines/``: BC,
GAIL and AIRL with `imitation`), and registers its computations per declared class. Paths,
params validation, the DAG, the evaluators and the tables all take their lists from here, so a
new method is one entry (README, "Extending").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from diffirl.plugins import load_plugins


@dataclass(frozen=True)
class TrajectoryLoss:
    """What a learnt reward is trained to minimise, between planned and expert windows. Declared
    here without torch, which every stage would then load: the project's losses have their
    computation registered per class in :func:`diffirl.methods.thesis.losses.trajectory_loss`; a
    loss defined outside the project (a plugin, :mod:`diffirl.plugins`) overrides :meth:`compute`."""

    def compute(self, plans, windows, settings):
        """The loss (a scalar tensor) of plans against expert windows, both (batch, K x transition_dim)."""
        raise NotImplementedError(
            f"no computation for the loss {type(self).__name__}: override compute() or register one "
            "with @diffirl.methods.thesis.losses.trajectory_loss.register"
        )


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
    their guide built by :func:`diffirl.evaluation.build_guide` (registered per class); a
    source defined outside the project (a plugin, :mod:`diffirl.plugins`) builds its own by
    overriding :meth:`build`."""

    def build(self, trained, spec):
        """The guide (plans, steps) -> one value per plan, for the diffuser ``trained`` in ``spec``."""
        raise NotImplementedError(f"{type(self).__name__} builds no guide: override build() or register one")


@dataclass(frozen=True)
class ByTrueReward(GuideSource):
    """The environment's true reward, differentiated through the plan (where it is designed)."""


@dataclass(frozen=True)
class ByTrainedNetwork(GuideSource):
    """A network the method's own stage trained, which the evaluating stage loads and passes in."""


@dataclass(frozen=True)
class ByLearntReward(ByTrainedNetwork):
    """The reward network the thesis's method learnt with the method's trajectory loss."""


@dataclass(frozen=True)
class PolicyLearner:
    """How a baseline learns a policy from demonstrations, in the spirit of `imitation`'s algorithm
    classes; declared without torch, trained by the function registered for its class in
    :func:`diffirl.methods.baselines.training.train_learner`, with its settings model chosen per
    class in :data:`diffirl.params.schema.LEARNER_SETTINGS`."""

    #: the column of its training log (imitation's statistics) that the training plot draws
    log_column: str = "loss"


@dataclass(frozen=True)
class BehaviourCloning(PolicyLearner):
    """Supervised learning of the demonstrations' actions (`imitation.algorithms.bc`)."""

    log_column: str = "bc/loss"


@dataclass(frozen=True)
class AdversarialImitation(PolicyLearner):
    """A discriminator of demonstrations against a PPO generator's own transitions
    (`imitation.algorithms.adversarial`)."""

    log_column: str = "mean/disc/disc_loss"


@dataclass(frozen=True)
class GenerativeAdversarialImitation(AdversarialImitation):
    """GAIL: the discriminator is a plain reward network."""


@dataclass(frozen=True)
class AdversarialInverseReinforcementLearning(AdversarialImitation):
    """AIRL: the discriminator is a reward plus a potential-based shaping term; the reward is what it recovers."""


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
    #: baselines: how the policy is learnt
    learner: PolicyLearner | None = None
    #: the method ends with an explicit reward, which ERC can score
    has_reward: bool = False
    #: only where the true reward is differentiable in plans (the mazes)
    needs_true_reward_guide: bool = False
    #: a row of the study's tables (Tables 1-5); the other methods are compared beside the
    #: thesis's in tables of their own (``make compare``)
    in_study: bool = True

    def __post_init__(self):
        if self.is_learnt != (self.trajectory_loss is not None):
            raise ValueError(f"method {self.name!r}: a learnt reward needs a trajectory loss, and only it has one")
        if (self.family == "baseline") != (self.learner is not None):
            raise ValueError(f"method {self.name!r}: a baseline needs a policy learner, and only it has one")

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
        # Nuti et al.'s relative reward, compared beside the thesis's method (make compare)
        Method(
            "relative",
            "Diffuser (Relative Reward)",
            "diffuser",
            guide=ByTrainedNetwork(),
            has_reward=True,
            in_study=False,
        ),
        # its comparison in Nuti et al.: a classifier of expert against base plans, steering by its log-odds
        Method(
            "discriminator",
            "Diffuser (Discriminator)",
            "diffuser",
            guide=ByTrainedNetwork(),
            has_reward=True,
            in_study=False,
        ),
        Method("bc", "Behaviour Cloning", "baseline", learner=BehaviourCloning()),
        Method("gail", "GAIL", "baseline", learner=GenerativeAdversarialImitation()),
        Method("airl", "AIRL", "baseline", learner=AdversarialInverseReinforcementLearning(), has_reward=True),
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
    #: the baselines, policies learnt from the demonstrations
    BASELINES = tuple(name for name, m in METHODS.items() if m.family == "baseline")


LOSSES: tuple[str, ...]
MMD_KERNELS: tuple[str, ...]
BASELINES: tuple[str, ...]
_derive_lists()
load_plugins()


def baselines_with_rewards() -> tuple[str, ...]:
    """The baselines that end with a reward network (AIRL), which ERC scores."""
    return tuple(name for name in BASELINES if METHODS[name].has_reward)


def diffuser_methods(has_true_reward_guide: bool, in_study: bool = True) -> tuple[Method, ...]:
    """The diffuser methods an environment evaluates (the true-reward guide only where one exists):
    the study's, or (``in_study=False``) those compared beside it."""
    return tuple(
        m
        for m in METHODS.values()
        if m.family == "diffuser"
        and m.in_study == in_study
        and (has_true_reward_guide or not m.needs_true_reward_guide)
    )


def methods_for(has_true_reward_guide: bool, comparison: bool = False) -> tuple[Method, ...]:
    """Every method of an environment's results table, in the thesis's row order; with ``comparison``
    the methods compared beside the study's too, after its diffuser methods."""
    diffusers = diffuser_methods(has_true_reward_guide)
    if comparison:
        diffusers += diffuser_methods(has_true_reward_guide, in_study=False)
    return (*diffusers, *(METHODS[name] for name in BASELINES))
