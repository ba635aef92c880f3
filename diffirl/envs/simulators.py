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
import mujoco
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


INTEGRATION_STATE = mujoco.mjtState.mjSTATE_INTEGRATION


def physics(env: gym.Env) -> tuple[mujoco.MjModel, mujoco.MjData]:
    """The MuJoCo model and data the environment steps."""
    inner = env.unwrapped
    simulator = getattr(inner, "point_env", inner)  # PointMaze wraps a point-mass MujocoEnv
    return simulator.model, simulator.data


class SimulatorBatch:
    """N simulator states stepped in turn by one simulator, as N simulators would step them.

    Each rollout keeps MuJoCo's integration state (``mjSTATE_INTEGRATION``: positions,
    velocities, controls, the solver's warm start, the clock; MuJoCo's own unit of exact
    reproducibility), and the one simulator loads it before a step and saves it after, so
    every step is bit-for-bit the step the rollout's own simulator would take. One
    simulator instead of N matters for memory: every PointMaze simulator carries 11 MB of
    floor and wall textures (500 rollouts of the U-Maze evaluation held 11 GB).

    The environment's own reward is computed by the one simulator, so it must depend on
    the physics alone (HalfCheetah's does); PointMaze's depends on a goal drawn at reset,
    hence a maze batch refuses to report it.
    """

    def __init__(self, spec: EnvironmentSpec, start_states: np.ndarray, seeds: list[int]):
        self.spec = spec
        self.env = make_env(spec)
        self.model, self.data = physics(self.env)
        self.states = np.zeros((len(start_states), mujoco.mj_stateSize(self.model, INTEGRATION_STATE)))
        for saved, seed, state in zip(self.states, seeds, start_states, strict=True):
            self.env.reset(seed=seed)
            set_state(self.env, spec, state)
            mujoco.mj_getState(self.model, self.data, saved, INTEGRATION_STATE)

    def step(self, actions: np.ndarray, with_rewards: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """(next state of every rollout, the environment's reward of every step or None)."""
        if with_rewards and self.spec.is_maze:
            raise ValueError("a maze's own reward depends on each simulator's goal: pass a reward function")
        next_states, rewards = [], []
        for saved, action in zip(self.states, actions, strict=True):
            mujoco.mj_setState(self.model, self.data, saved, INTEGRATION_STATE)
            observation, reward, *_ = self.env.step(action)
            mujoco.mj_getState(self.model, self.data, saved, INTEGRATION_STATE)
            next_states.append(state_of(self.spec, observation))
            rewards.append(reward)
        return np.stack(next_states), np.asarray(rewards, dtype=np.float64) if with_rewards else None

    def close(self) -> None:
        self.env.close()
