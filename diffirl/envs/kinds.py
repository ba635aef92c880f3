"""What differs between kinds of environment, supplied by one object per kind.

A kind answers every question whose answer is "it depends whether this is a maze": how
the simulator is made and put in a state, what the evaluation scores rollouts by, which
inputs the experts come from, which of the thesis's figures apply. An environment names
its kind in the registry (:mod:`diffirl.envs.registry`); nothing else branches on it.

Kinds are declared here with numpy alone, since every stage reads the registry. The two
behaviours that need heavy code register their implementation per kind class where that
code lives: making a dataset (:func:`diffirl.data.sources.generate_datasets`) and the
environment a policy learner trains in (:func:`diffirl.envs.gym_wrappers.make_policy_env`).
"""

from __future__ import annotations

import abc
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from diffirl.rewards.true_reward import arrival_and_stay

if TYPE_CHECKING:
    from diffirl.envs.registry import EnvironmentSpec

#: a reward of (states, actions, next states), each (..., dim), per step
RewardFunction = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class EnvironmentKind(abc.ABC):
    #: the thesis's figures that exist for this kind (names as in :mod:`diffirl.paths`)
    figures: ClassVar[frozenset[str]] = frozenset()
    #: the true reward is a designed, differentiable function of planned states, with its own
    #: settings (`true_reward.ENV`): it can guide the diffuser and score rollouts
    designed_reward: ClassVar[bool] = False
    #: the experts are plans of the base diffuser (guided by the true reward), not dataset windows
    experts_from_diffuser: ClassVar[bool] = False
    #: dataset generation trains networks (its settings carry `torch_threads`)
    generation_trains_networks: ClassVar[bool] = False
    #: a D4RL "terminal" marks a reached goal, not an end: episodes end where the goal changes
    d4rl_terminals_are_goals: ClassVar[bool] = False

    def make_kwargs(self) -> dict:
        """Keyword arguments of ``gymnasium.make`` beyond the id and the time limit."""
        return {}

    def after_make(self, env) -> None:  # noqa: B027  (most kinds leave nothing behind)
        """Tidy up after ``gymnasium.make``."""

    def state_of(self, observation) -> np.ndarray:
        """The state vector in a raw gymnasium observation."""
        return np.asarray(observation, dtype=np.float64)

    @abc.abstractmethod
    def set_state(self, env, state: np.ndarray) -> None:
        """Put the simulator ``env`` exactly in ``state``: every kind says how."""

    def own_reward_is_physical(self) -> bool:
        """The environment's own reward depends on the physics alone (a batch of states stepped by one
        simulator may report it)."""
        return True

    def evaluation_reward(self, spec: EnvironmentSpec) -> RewardFunction | None:
        """What rollouts are scored by; ``None``: the environment's own reward."""
        return None

    def reward_description(self, spec: EnvironmentSpec) -> str:
        return f"{spec.gym_id}'s own reward"

    def rollout_extras(self, spec: EnvironmentSpec, states: np.ndarray) -> dict:
        """Scores beyond the returns, from every rollout's visited states (n, steps, state_dim)."""
        return {}

    def window_returns(self, spec: EnvironmentSpec, rows: np.ndarray, action_dim: int, rewards: np.ndarray):
        """True returns of dataset windows ``rows`` (n, horizon, [action, observation]) whose recorded
        per-step rewards are ``rewards`` (n, horizon)."""
        return rewards.sum(axis=1)

    def from_d4rl_frame(self, spec: EnvironmentSpec, observations: np.ndarray, actions: np.ndarray):
        """D4RL's observations and actions in the simulator's frame."""
        return observations, actions


@dataclass(frozen=True)
class PointMaze(EnvironmentKind):
    """A gymnasium-robotics PointMaze: state (x, y, vx, vy), scored by a designed cell reward."""

    figures: ClassVar[frozenset[str]] = frozenset(
        {"dataset_samples", "diffuser_samples", "true_reward", "experts", "rollouts", "dynamics_error", "reward_maps"}
    )
    designed_reward: ClassVar[bool] = True
    experts_from_diffuser: ClassVar[bool] = True
    d4rl_terminals_are_goals: ClassVar[bool] = True

    def make_kwargs(self) -> dict:
        # explicit: the defaults move the goal
        return {"continuing_task": True, "reset_target": False}

    def after_make(self, env) -> None:
        """Delete the MJCF file gymnasium-robotics writes to the temporary directory per maze.

        It is read once, when the simulator is built, and never removed upstream: a study
        would otherwise leave thousands of ``ant_maze<time>.xml`` files in /tmp.
        """
        with contextlib.suppress(FileNotFoundError):
            os.remove(env.unwrapped.tmp_xml_file_path)

    def state_of(self, observation) -> np.ndarray:
        return np.asarray(observation["observation"], dtype=np.float64)

    def set_state(self, env, state: np.ndarray) -> None:
        env.unwrapped.point_env.set_state(state[:2], state[2:])

    def own_reward_is_physical(self) -> bool:
        return False  # it depends on a goal drawn at reset

    def evaluation_reward(self, spec: EnvironmentSpec) -> RewardFunction:
        return lambda states, actions, next_states: spec.reward(states[..., :2])

    def reward_description(self, spec: EnvironmentSpec) -> str:
        return spec.reward.describe_frame()

    def rollout_extras(self, spec: EnvironmentSpec, states: np.ndarray) -> dict:
        """How many rollouts reach the true reward's best cell, and how long they stay."""
        reached, stay = arrival_and_stay(spec.reward, states[..., :2])
        return {
            "best_cell": {
                "cell": list(spec.reward.best_cell()),
                "reached": float(reached.mean()),
                "stay_after_arrival": float(stay[reached].mean()) if reached.any() else None,
            }
        }

    def window_returns(self, spec: EnvironmentSpec, rows: np.ndarray, action_dim: int, rewards: np.ndarray):
        return spec.reward(rows[..., action_dim : action_dim + 2]).sum(axis=1)

    def from_d4rl_frame(self, spec: EnvironmentSpec, observations: np.ndarray, actions: np.ndarray):
        return spec.maze.d4rl_to_pointmaze(observations, actions)


@dataclass(frozen=True)
class Locomotion(EnvironmentKind):
    """A MuJoCo locomotion task scored by its own reward; the observation leaves out the x position,
    which the dynamics do not depend on, so a state is set with the torso at x = 0."""

    generation_trains_networks: ClassVar[bool] = True

    def set_state(self, env, state: np.ndarray) -> None:
        n_qpos = env.unwrapped.model.nq
        qpos = np.concatenate([[0.0], state[: n_qpos - 1]])
        env.unwrapped.set_state(qpos, state[n_qpos - 1 :])


POINT_MAZE = PointMaze()
LOCOMOTION = Locomotion()
