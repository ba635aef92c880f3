"""Figures 21 and 23: sample windows of a maze's reward-agnostic dataset, drawn on the maze."""

from __future__ import annotations

import numpy as np

from diffirl.data.format import Dataset
from diffirl.diffusion.windows import window_starts
from diffirl.envs.maze import MazeLayout
from diffirl.reports.maze_plots import trajectory_grid


def sample_windows(dataset: Dataset, window: int, count: int, seed: int) -> list[np.ndarray]:
    """``count`` random ``window``-step pieces of episodes, as (window, 2) positions."""
    try:
        starts, _ = window_starts(dataset, window)
    except ValueError:
        raise ValueError(f"no episode is {window} steps long; lower figures.dataset_samples.*.window") from None
    chosen = np.random.default_rng(seed).choice(starts, count)
    return [dataset.observations[start : start + window, :2] for start in chosen]


def dataset_samples_figure(dataset: Dataset, maze: MazeLayout, n_panels: int, window: int, seed: int, title: str):
    return trajectory_grid(maze, sample_windows(dataset, window, n_panels, seed), title)
