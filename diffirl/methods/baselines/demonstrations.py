"""Expert trajectories as `imitation` demonstrations.

An expert trajectory is L raw rows [a_t, s_t] (the action taken in state s_t). As a
Trajectory it has the L states as observations and the first L - 1 actions: n + 1
observations for n actions. The last row's action has no next state and is dropped.

The baselines learn from the reward learner's experts, or (``baselines.ENV.demonstrations:
expert_episodes``, the thesis's HalfCheetah protocol) from whole episodes of the expert
split, as many as hold the transitions the reward learner's expert windows hold.
"""

from __future__ import annotations

import math

import numpy as np
from imitation.data.types import Trajectory

from diffirl.data.format import Dataset
from diffirl.experts.trajectories import Experts


def episodes_for_transitions(n_windows: int, window_length: int, episode_steps: int) -> int:
    """How many whole episodes hold at least the learner's n_windows x window_length rows."""
    return math.ceil(n_windows * window_length / episode_steps)


def choose_expert_episodes(expert_data: Dataset, count: int, seed: int, setting: str) -> np.ndarray:
    """Indices of ``count`` distinct episodes of the expert split, drawn with ``seed``, in ascending order."""
    available = len(expert_data.episodes())
    if count > available:
        raise ValueError(f"{setting} asks for {count} expert episodes; the expert split holds {available}")
    return np.sort(np.random.default_rng(seed).choice(available, count, replace=False))


def expert_episodes(expert_data: Dataset, indices: np.ndarray) -> Experts:
    """The chosen episodes as expert trajectories of raw rows [action, observation]."""
    episodes = expert_data.episodes()
    chosen = [
        np.concatenate([expert_data.actions[episodes[k]], expert_data.observations[episodes[k]]], axis=1)
        for k in indices
    ]
    if len({len(episode) for episode in chosen}) != 1:
        raise ValueError(
            f"expert episodes {indices.tolist()} differ in length; demonstrations need whole equal episodes"
        )
    return Experts(np.stack(chosen), indices, np.zeros(len(indices), dtype=int), "episode")


def to_trajectories(experts: Experts, action_dim: int) -> list[Trajectory]:
    if experts.trajectories.shape[1] < 2:
        raise ValueError("expert trajectories need at least 2 steps to hold one transition")
    return [
        Trajectory(
            obs=rows[:, action_dim:].astype(np.float64),
            acts=rows[:-1, :action_dim].astype(np.float32),
            infos=None,
            terminal=False,
        )
        for rows in experts.trajectories
    ]


def to_rows(trajectories: list[Trajectory]) -> np.ndarray:
    """The inverse of :func:`to_trajectories`; the dropped last action comes back as NaN."""
    rows = []
    for trajectory in trajectories:
        actions = np.concatenate([trajectory.acts, np.full((1, trajectory.acts.shape[1]), np.nan)])
        rows.append(np.concatenate([actions, trajectory.obs], axis=1))
    return np.stack(rows)
