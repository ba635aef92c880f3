"""Trajectory statistics shared by the tables: returns and action norms."""

from __future__ import annotations

import numpy as np

from diffirl.data.format import Dataset


def discounted_return(rewards: np.ndarray, gamma: float) -> np.ndarray:
    """Sum over the last axis of gamma**t * r_t."""
    rewards = np.asarray(rewards, dtype=np.float64)
    return rewards @ (gamma ** np.arange(rewards.shape[-1]))


def fixed_length_segments(dataset: Dataset, length: int) -> list[slice]:
    """Consecutive, non-overlapping ``length``-step pieces of every episode (remainders dropped)."""
    segments = []
    for episode in dataset.episodes():
        for start in range(episode.start, episode.stop - length + 1, length):
            segments.append(slice(start, start + length))
    return segments


def action_norms(actions: np.ndarray) -> np.ndarray:
    return np.linalg.norm(np.asarray(actions, dtype=np.float64), axis=-1)


def mean_std(values: np.ndarray) -> tuple[float, float]:
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), float(values.std())
