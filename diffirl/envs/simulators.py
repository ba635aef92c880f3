"""Making the real simulators and putting them in an exact state.

How a state is read from an observation and set in a simulator is the environment kind's
(:mod:`diffirl.envs.kinds`): PointMaze's state is its observation (x, y, vx, vy);
HalfCheetah's leaves out the x position, which the dynamics do not depend on.
"""

from __future__ import annotations

import gymnasium as gym
import gymnasium_robotics  # noqa: F401  (registers the PointMaze environments)
import mujoco
import numpy as np

from diffirl.envs.registry import EnvironmentSpec


def make_env(spec: EnvironmentSpec, max_episode_steps: int | None = None) -> gym.Env:
    env = gym.make(spec.gym_id, max_episode_steps=max_episode_steps, **spec.kind.make_kwargs())
    spec.kind.after_make(env)
    return env


def state_of(spec: EnvironmentSpec, observation) -> np.ndarray:
    """The state vector in a raw gymnasium observation."""
    return spec.kind.state_of(observation)


def set_state(env: gym.Env, spec: EnvironmentSpec, state: np.ndarray) -> None:
    spec.kind.set_state(env, np.asarray(state, dtype=np.float64))


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
    hence such a batch refuses to report it (``kind.own_reward_is_physical``).
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
        if with_rewards and not self.spec.kind.own_reward_is_physical():
            raise ValueError(
                f"{self.spec.name}'s own reward depends on more than each simulator's physics: pass a reward function"
            )
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
