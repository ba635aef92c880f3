"""Trajectory statistics shared by the tables: returns and action norms."""

from __future__ import annotations

import numpy as np

from diffirl.data.format import Dataset


def finite_or_none(value) -> float | None:
    """A table cell as a float: None for an empty, non-numeric or NaN cell."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(value) else value


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


def pearson_distance(a: np.ndarray, b: np.ndarray) -> float:
    """sqrt(1 - rho) / sqrt(2): 0 for perfectly correlated, 1 for perfectly anti-correlated."""
    rho = float(np.corrcoef(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))[0, 1])
    return float(np.sqrt(max(0.0, 1.0 - rho)) / np.sqrt(2.0))


def episode_return_correlation(true_returns: np.ndarray, learnt_returns: np.ndarray) -> float:
    """ERC (Gleave et al.): the Pearson distance between two rewards' returns on the same trajectories."""
    return pearson_distance(true_returns, learnt_returns)
