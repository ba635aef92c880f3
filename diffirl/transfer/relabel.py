"""Datasets relabelled by a reward: the offline data every transfer learner trains on.

Every transition (s_t, a_t, s_t+1) inside an episode of the environment's transfer datasets keeps
its states and action and takes the reward's value instead of the recorded one, standardised over
all of them (mean 0, standard deviation 1), so that every learner sees every reward on the same
scale; a shift of the reward changes no optimal policy here, since no transition inside an episode
is terminal in these environments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from diffirl.data.format import Dataset
from diffirl.diffusion.windows import window_starts
from diffirl.rewards.epic import Reward
from diffirl.transfer.diffcps import OfflineData


@dataclass(frozen=True)
class Transitions:
    """Every transition inside an episode of one or more datasets, with the reward the data recorded."""

    states: np.ndarray
    actions: np.ndarray
    next_states: np.ndarray
    recorded_rewards: np.ndarray
    terminals: np.ndarray

    def __len__(self) -> int:
        return len(self.states)


def transitions(datasets: Sequence[Dataset]) -> Transitions:
    """The transitions of ``datasets`` in order, none across an episode's end or from one dataset to the next."""
    parts = []
    for dataset in datasets:
        starts, _ = window_starts(dataset, 2)
        parts.append(
            (
                dataset.observations[starts],
                dataset.actions[starts],
                dataset.observations[starts + 1],
                dataset.rewards[starts],
                dataset.terminals[starts],
            )
        )
    return Transitions(*(np.concatenate(column) for column in zip(*parts)))


def recorded_reward(data: Transitions) -> Reward:
    """The reward ``data`` recorded, as a reward of its own transitions: the true reward of an environment
    scored by its simulator (HalfCheetah's forward progress reads the position its observations leave out,
    so no function of (s, a, s') gives it exactly). It is known on those transitions only."""

    def recorded(states: np.ndarray, actions: np.ndarray, next_states: np.ndarray) -> np.ndarray:
        if states is not data.states:
            raise ValueError("the recorded reward is known only on the transitions of the data that recorded it")
        return data.recorded_rewards

    return recorded


def relabelled(data: Transitions, reward: Reward, name: str) -> OfflineData:
    """``data``'s transitions with ``reward``'s standardised values; ``name`` names it in errors."""
    rewards = np.asarray(reward(data.states, data.actions, data.next_states), dtype=np.float64)
    if rewards.shape != (len(data),):
        raise ValueError(f"reward {name!r} gave shape {rewards.shape} for {len(data)} transitions")
    bad = int((~np.isfinite(rewards)).sum())
    if bad:
        raise ValueError(f"reward {name!r} is not finite on {bad} of {len(rewards)} transitions")
    spread = rewards.std()
    if spread == 0:
        raise ValueError(f"reward {name!r} is constant on the dataset's transitions: nothing to learn from it")
    standardised = (rewards - rewards.mean()) / spread
    return OfflineData.from_arrays(
        data.states, data.actions, standardised, data.next_states, data.terminals.astype(float)
    )
