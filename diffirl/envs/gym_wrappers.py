"""Gymnasium environments for policy learners (the baselines), in the pipeline's raw units.

:class:`PointMazeState` turns a goal-conditioned PointMaze into a plain control task:
its observation is the 4-dim state (x, y, vx, vy), the goal is neither observed nor
allowed to change anything (no termination, no teleport, no goal resampling), its reward
is the maze's true reward (``spec.reward``; for logging only), and ``reset(options={"state": s})`` starts exactly at ``s``.
Without a given state it starts where PointMaze itself would (a random free cell).
HalfCheetah-v4 is used as it is.
"""

from __future__ import annotations

import functools

import gymnasium as gym
import numpy as np

from diffirl.envs.kinds import EnvironmentKind, Locomotion, PointMaze
from diffirl.envs.registry import EnvironmentSpec
from diffirl.envs.simulators import make_env, set_state, state_of


class PointMazeState(gym.Env):
    metadata = {"render_modes": []}

    def __init__(self, spec: EnvironmentSpec, max_episode_steps: int):
        if spec.maze is None:
            raise ValueError(f"PointMazeState needs a maze environment, got {spec.name!r}")
        self.environment = spec  # not self.spec: gymnasium keeps its registration EnvSpec there
        self.maze_env = make_env(spec)
        self.max_episode_steps = max_episode_steps
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, shape=(4,), dtype=np.float64)
        self.action_space = self.maze_env.action_space
        self._elapsed = 0

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        observation, _ = self.maze_env.reset(seed=seed)
        state = state_of(self.environment, observation)
        if options and options.get("state") is not None:
            state = np.asarray(options["state"], dtype=np.float64)
            set_state(self.maze_env, self.environment, state)
        self._elapsed = 0
        return state.copy(), {}

    def step(self, action):
        observation, *_ = self.maze_env.step(np.asarray(action, dtype=np.float32))
        state = state_of(self.environment, observation)
        self._elapsed += 1
        reward = float(self.environment.reward(state[None, :2])[0])
        return state, reward, False, self._elapsed >= self.max_episode_steps, {}

    def close(self):
        self.maze_env.close()


@functools.singledispatch
def policy_env(kind: EnvironmentKind, spec: EnvironmentSpec, max_episode_steps: int) -> gym.Env:
    """The environment a policy learner trains in, registered per environment kind."""
    raise NotImplementedError(f"no policy environment is registered for {type(kind).__name__} ({spec.name})")


@policy_env.register
def _(kind: PointMaze, spec: EnvironmentSpec, max_episode_steps: int) -> gym.Env:
    return PointMazeState(spec, max_episode_steps)


@policy_env.register
def _(kind: Locomotion, spec: EnvironmentSpec, max_episode_steps: int) -> gym.Env:
    return make_env(spec, max_episode_steps=max_episode_steps)


def make_policy_env(spec: EnvironmentSpec, max_episode_steps: int) -> gym.Env:
    """The environment a policy learner trains in."""
    return policy_env(spec.kind, spec, max_episode_steps)
