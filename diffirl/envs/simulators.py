"""Making the real simulators and putting them in an exact state.

PointMaze's state is its observation (x, y, vx, vy). HalfCheetah's observation leaves
out the x position, which the dynamics do not depend on, so a state is set from an
observation by putting the torso at x = 0.
"""

from __future__ import annotations

import contextlib
import os

import gymnasium as gym
import gymnasium_robotics  # noqa: F401  (registers the PointMaze environments)
import numpy as np

from diffirl.envs.registry import EnvironmentSpec


def make_env(spec: EnvironmentSpec, max_episode_steps: int | None = None) -> gym.Env:
    if not spec.is_maze:
        return gym.make(spec.gym_id, max_episode_steps=max_episode_steps)
    # continuing_task and reset_target are explicit: the defaults move the goal
    env = gym.make(spec.gym_id, continuing_task=True, reset_target=False, max_episode_steps=max_episode_steps)
    _remove_maze_model_file(env)
    return env


def _remove_maze_model_file(env: gym.Env) -> None:
    """Delete the MJCF file gymnasium-robotics writes to the temporary directory per maze.

    It is read once, when the simulator is built, and never removed upstream: a study
    would otherwise leave thousands of ``ant_maze<time>.xml`` files in /tmp.
    """
    with contextlib.suppress(FileNotFoundError):
        os.remove(env.unwrapped.tmp_xml_file_path)


def state_of(spec: EnvironmentSpec, observation) -> np.ndarray:
    """The state vector in a raw gymnasium observation."""
    return np.asarray(observation["observation"] if spec.is_maze else observation, dtype=np.float64)


def set_state(env: gym.Env, spec: EnvironmentSpec, state: np.ndarray) -> None:
    state = np.asarray(state, dtype=np.float64)
    if spec.is_maze:
        env.unwrapped.point_env.set_state(state[:2], state[2:])
        return
    n_qpos = env.unwrapped.model.nq
    qpos = np.concatenate([[0.0], state[: n_qpos - 1]])
    env.unwrapped.set_state(qpos, state[n_qpos - 1 :])


def step_from(env: gym.Env, spec: EnvironmentSpec, state: np.ndarray, action: np.ndarray) -> np.ndarray:
    """The simulator's next state after ``action`` from exactly ``state``."""
    set_state(env, spec, state)
    return state_of(spec, env.step(action)[0])
