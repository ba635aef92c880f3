"""Expert trajectories as `imitation` demonstrations.

An expert trajectory is L raw rows [a_t, s_t] (the action taken in state s_t). As a
Trajectory it has the L states as observations and the first L - 1 actions: n + 1
observations for n actions. The last row's action has no next state and is dropped.
"""

from __future__ import annotations

import numpy as np
from imitation.data.types import Trajectory

from diffirl.method.expert_trajectories import Experts


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
