"""A dataset relabelled by a reward: the offline data every transfer learner trains on.

Every transition (s_t, a_t, s_t+1) inside an episode of the dataset keeps its states and action
and takes the reward's value instead of the recorded one, standardised over the dataset (mean 0,
standard deviation 1), so that every learner sees every reward on the same scale; a shift of the
reward changes no optimal policy here, since no transition inside an episode is terminal.
"""

from __future__ import annotations

import numpy as np

from diffirl.data.format import Dataset
from diffirl.diffusion.windows import window_starts
from diffirl.rewards.epic import Reward
from diffirl.transfer.diffcps import OfflineData


def relabelled(dataset: Dataset, reward: Reward, name: str) -> OfflineData:
    """The dataset's transitions with ``reward``'s standardised values; ``name`` names it in errors."""
    starts, _ = window_starts(dataset, 2)
    states, actions, next_states = (
        dataset.observations[starts],
        dataset.actions[starts],
        dataset.observations[starts + 1],
    )
    rewards = np.asarray(reward(states, actions, next_states), dtype=np.float64)
    if rewards.shape != (len(starts),):
        raise ValueError(f"reward {name!r} gave shape {rewards.shape} for {len(starts)} transitions")
    bad = int((~np.isfinite(rewards)).sum())
    if bad:
        raise ValueError(f"reward {name!r} is not finite on {bad} of {len(rewards)} transitions")
    spread = rewards.std()
    if spread == 0:
        raise ValueError(f"reward {name!r} is constant on the dataset's transitions: nothing to learn from it")
    standardised = (rewards - rewards.mean()) / spread
    return OfflineData.from_arrays(states, actions, standardised, next_states, dataset.terminals[starts].astype(float))
