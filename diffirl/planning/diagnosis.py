"""Why guided planning fails in a maze (the thesis's section 4.1.2, Figures 15-17).

The diffuser plans from start states drawn uniformly over the free space; each planned
step (s_t, a_t) is replayed in the simulator from s_t and compared with the planned
s_{t+1} (:func:`diffirl.planning.quality.dynamics_errors`). Where the first step's error is
high, the planner cannot be followed; the true-reward rollouts that stall show whether
they stall there.
"""

from __future__ import annotations

import numpy as np

from diffirl.envs.maze import MazeLayout

#: start states keep this far (in cells) from every wall, so that none starts inside one
WALL_MARGIN = 0.1


def uniform_free_states(maze: MazeLayout, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` states at rest, uniform over the free cells (each cell shrunk by ``WALL_MARGIN``)."""
    cells = maze.free_cells[rng.integers(len(maze.free_cells), size=count)].astype(float)
    cells += rng.uniform(-0.5 + WALL_MARGIN, 0.5 - WALL_MARGIN, size=cells.shape)
    xy = maze.cell_to_xy(cells)
    return np.concatenate([xy, np.zeros_like(xy)], axis=1)


def stalled(positions: np.ndarray, window: int, threshold: float) -> np.ndarray:
    """Which rollouts (N, steps + 1, 2) moved less than ``threshold`` over their last ``window`` steps."""
    window = min(window, positions.shape[1] - 1)
    return np.linalg.norm(positions[:, -1] - positions[:, -1 - window], axis=-1) < threshold


def error_grid(maze: MazeLayout, xy: np.ndarray, errors: np.ndarray, bins_per_cell: int) -> tuple:
    """Mean error of the starts in each of ``bins_per_cell``^2 bins per cell; NaN where none fell.

    Returns (x edges, y edges, (ny, nx) mean error).
    """
    x_edges = np.linspace(-maze.width / 2, maze.width / 2, maze.width * bins_per_cell + 1)
    y_edges = np.linspace(-maze.height / 2, maze.height / 2, maze.height * bins_per_cell + 1)
    totals, _, _ = np.histogram2d(xy[:, 1], xy[:, 0], bins=(y_edges, x_edges), weights=errors)
    counts, _, _ = np.histogram2d(xy[:, 1], xy[:, 0], bins=(y_edges, x_edges))
    with np.errstate(invalid="ignore"):
        return x_edges, y_edges, np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def summary(errors: np.ndarray) -> dict:
    """Mean, median and 90th percentile of an array of squared errors, and the mean by plan step."""
    return {
        "mean": float(errors.mean()),
        "median": float(np.median(errors)),
        "p90": float(np.quantile(errors, 0.9)),
        "by_step": [float(e) for e in errors.mean(axis=0)],
    }
