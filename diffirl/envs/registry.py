"""What the pipeline knows about each environment, keyed by the short names used in params."""

from __future__ import annotations

from dataclasses import dataclass, replace

from diffirl.envs.kinds import LOCOMOTION, POINT_MAZE, EnvironmentKind
from diffirl.envs.maze import LARGE_MAZE, U_MAZE, MazeLayout
from diffirl.plugins import load_plugins
from diffirl.rewards.true_reward import CellReward


@dataclass(frozen=True)
class EnvironmentSpec:
    name: str
    gym_id: str
    #: what differs between mazes and locomotion (:mod:`diffirl.envs.kinds`)
    kind: EnvironmentKind
    #: dataset splits the "download" stage produces; the first trains the base diffuser
    splits: tuple[str, ...]
    #: the maze layout, for the two PointMaze environments; ``None`` for locomotion
    maze: MazeLayout | None = None
    #: the splits whose windows ERC compares returns on (docs/thesis.md §7)
    erc_splits: tuple[str, ...] = ("base",)
    #: the split expert windows are cut from, where experts are dataset windows
    expert_split: str | None = None
    #: ERC windows of the base split come only from episodes the base diffuser did not train
    #: on (``diffusers.ENV.held_out_fraction``): the thesis's HalfCheetah protocol; its mazes
    #: sample the diffuser's own training data
    erc_unseen_by_diffuser: bool = False
    #: a locomotion episode's length (gymnasium's time limit for ``gym_id``), which sizes
    #: generated datasets before they exist; ``None`` for the mazes, whose episodes are settings
    episode_steps: int | None = None
    #: the mazes' true reward (the thesis's 5i + 5j unless params say otherwise); locomotion
    #: environments are scored by their own reward
    reward: CellReward | None = None
    #: D4RL's reference returns (random policy, expert policy) of an undiscounted episode, which its
    #: normalised score maps to 0 and 100; ``None`` where D4RL has none
    d4rl_reference_returns: tuple[float, float] | None = None

    @property
    def has_true_reward_guide(self) -> bool:
        """The true reward can guide the diffuser (a designed, differentiable reward)."""
        return self.kind.designed_reward

    @property
    def base_split(self) -> str:
        return self.splits[0]

    def with_reward(self, **weights) -> EnvironmentSpec:
        """This environment with the true reward of the given weights (``CellReward``'s fields)."""
        if self.maze is None:
            raise ValueError(f"{self.name} has no cell reward: it is scored by its own reward")
        return replace(self, reward=CellReward(self.maze, **weights))


ENVIRONMENTS: dict[str, EnvironmentSpec] = {
    "umaze": EnvironmentSpec("umaze", "PointMaze_UMaze-v3", POINT_MAZE, ("base",), U_MAZE, reward=CellReward(U_MAZE)),
    "large": EnvironmentSpec(
        "large", "PointMaze_Large-v3", POINT_MAZE, ("base",), LARGE_MAZE, reward=CellReward(LARGE_MAZE)
    ),
    # HalfCheetah's ERC windows: an unseen 50/50 mix of medium-replay and expert data
    "halfcheetah": EnvironmentSpec(
        "halfcheetah",
        "HalfCheetah-v4",
        LOCOMOTION,
        ("medium-replay", "medium", "expert"),
        erc_splits=("medium-replay", "expert"),
        expert_split="expert",
        erc_unseen_by_diffuser=True,
        episode_steps=1000,
        d4rl_reference_returns=(-280.178953, 12135.0),  # D4RL's halfcheetah-*-v2
    ),
}


def register_environment(spec: EnvironmentSpec) -> EnvironmentSpec:
    """Add an environment (from a plugin, :mod:`diffirl.plugins`); its settings sections follow from its kind."""
    if spec.name in ENVIRONMENTS:
        raise ValueError(f"environment {spec.name!r} is registered already")
    ENVIRONMENTS[spec.name] = spec
    return spec


def environments_with(figure: str) -> tuple[str, ...]:
    """The environments whose kind draws one of the thesis's figures (names as in :mod:`diffirl.paths`)."""
    return tuple(name for name, spec in ENVIRONMENTS.items() if figure in spec.kind.figures)


def environments_with_true_reward_settings() -> tuple[str, ...]:
    """The environments scored by a designed reward, with its settings (`true_reward.ENV`)."""
    return tuple(name for name, spec in ENVIRONMENTS.items() if spec.kind.designed_reward)


class UnknownEnvironmentError(ValueError):
    pass


def get_environment(name: str) -> EnvironmentSpec:
    try:
        return ENVIRONMENTS[name]
    except KeyError:
        raise UnknownEnvironmentError(
            f"unknown environment {name!r}; choose one of {', '.join(ENVIRONMENTS)}"
        ) from None


load_plugins()
