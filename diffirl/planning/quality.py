"""How physical a diffuser's plans are: one-step dynamics error, and walls in the mazes.

The dynamics error of a plan step t puts the simulator exactly in the planned state
s_t, applies the planned action a_t, and compares the simulator's next state with the
planned s_{t+1} (mean squared error over the state's dimensions).
"""

from __future__ import annotations

import numpy as np

from diffirl.envs.registry import EnvironmentSpec
from diffirl.envs.simulators import make_env, step_from


def dynamics_errors(spec: EnvironmentSpec, actions: np.ndarray, observations: np.ndarray) -> np.ndarray:
    """(N, H - 1) squared one-step errors of N raw plans of H steps."""
    env = make_env(spec)
    env.reset(seed=0)
    count, horizon = observations.shape[:2]
    errors = np.zeros((count, horizon - 1))
    for n in range(count):
        for t in range(horizon - 1):
            true_next = step_from(env, spec, observations[n, t], actions[n, t])
            errors[n, t] = np.mean((true_next - observations[n, t + 1]) ** 2)
    env.close()
    return errors


def trajectory_dynamics_error(spec: EnvironmentSpec, trajectories: np.ndarray) -> float:
    """Mean one-step error of raw [action, observation] trajectories: 0 for what the simulator made itself."""
    env = make_env(spec)
    action_dim = env.action_space.shape[0]
    env.close()
    return float(dynamics_errors(spec, trajectories[..., :action_dim], trajectories[..., action_dim:]).mean())


def wall_fraction(spec: EnvironmentSpec, observations: np.ndarray) -> float:
    """Fraction of planned maze positions inside a wall."""
    return float(spec.maze.in_wall(observations[..., :2]).mean())
