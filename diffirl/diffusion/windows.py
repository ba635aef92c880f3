"""Training windows: every ``horizon``-step piece of every episode, stride 1.

Padding rule: none. A window lies entirely inside one episode, so it never spans a
reset; episodes shorter than the horizon contribute no window (the training stage
reports how many were skipped). Each step is the row [action, observation].
"""

from __future__ import annotations

import numpy as np
import torch

from diffirl.data.format import Dataset


def transitions(dataset: Dataset) -> np.ndarray:
    """(N, action_dim + observation_dim) rows [action, observation]."""
    return np.concatenate([dataset.actions, dataset.observations], axis=1)


def diffuser_episodes(dataset: Dataset, max_episodes: int | None = None, held_out_fraction: float = 0.0) -> list[slice]:
    """The episodes (or their first parts) a base diffuser trains on: the first ``max_episodes``
    of the dataset's first ``1 - held_out_fraction`` of rows; the rest stay unseen, for evaluation."""
    cut = len(dataset) - int(round(held_out_fraction * len(dataset)))
    kept = [slice(e.start, min(e.stop, cut)) for e in dataset.episodes() if e.start < cut]
    if not kept:
        raise ValueError(f"held_out_fraction {held_out_fraction} leaves no row of the dataset to train on")
    return kept[:max_episodes]


def episode_rows(episodes: list[slice]) -> np.ndarray:
    return np.concatenate([np.arange(e.start, e.stop) for e in episodes]) if episodes else np.zeros(0, dtype=np.int64)


def window_starts(dataset: Dataset, horizon: int, episodes: list[slice] | None = None) -> tuple[np.ndarray, int]:
    """Start rows of all windows (of ``episodes``, default every episode), and the number of
    episodes too short to hold one."""
    starts, skipped = [], 0
    for episode in dataset.episodes() if episodes is None else episodes:
        length = episode.stop - episode.start
        if length < horizon:
            skipped += 1
            continue
        starts.append(np.arange(episode.start, episode.stop - horizon + 1))
    if not starts:
        raise ValueError(f"no episode holds a window of {horizon} steps")
    return np.concatenate(starts), skipped


def choose_windows(starts: np.ndarray, count: int, rng: np.random.Generator, setting: str) -> np.ndarray:
    """``count`` distinct window starts drawn from ``starts``.

    More than there are is an error naming ``setting`` (a params key and its value): drawn
    with replacement they would repeat windows, and a count like 1e9 exhausts memory first.
    """
    if count > len(starts):
        raise ValueError(f"{setting} asks for {count} windows; the data holds {len(starts)} distinct ones")
    return rng.choice(starts, count, replace=False)


def covered_rows(starts: np.ndarray, horizon: int, n_rows: int) -> np.ndarray:
    """Boolean mask of the rows that at least one window covers (a difference array, O(n))."""
    delta = np.zeros(n_rows + 1, dtype=np.int64)
    np.add.at(delta, starts, 1)
    np.add.at(delta, starts + horizon, -1)
    return np.cumsum(delta[:-1]) > 0


class WindowSampler:
    """Draws batches of normalised windows with its own generator (whose state a checkpoint saves)."""

    def __init__(self, rows: torch.Tensor, starts: np.ndarray, horizon: int, seed: int):
        self.rows = rows
        self.starts = torch.as_tensor(starts, dtype=torch.long, device=rows.device)
        self.offsets = torch.arange(horizon, device=rows.device)
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.starts)

    def batch(self, size: int) -> torch.Tensor:
        chosen = self.starts[torch.randint(len(self.starts), (size,), generator=self.generator).to(self.rows.device)]
        return self.rows[chosen[:, None] + self.offsets[None, :]]
