"""Figures 15-17: where and when the diffuser's plans break the simulator's dynamics."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LogNorm

from diffirl.envs.maze import MazeLayout
from diffirl.reports.maze_plots import draw_maze, plt


def _heatmap(ax, maze: MazeLayout, grid: tuple, vmin: float, vmax: float):
    x_edges, y_edges, values = grid
    masked = np.ma.masked_invalid(values)
    image = ax.pcolormesh(x_edges, y_edges, masked, cmap="magma", norm=LogNorm(vmin=vmin, vmax=vmax), shading="flat")
    draw_maze(ax, maze)
    return image


def heatmap_figure(maze: MazeLayout, grid: tuple, title: str):
    """Figure 15: the first planned step's dynamics error over the maze (mean per bin, log scale)."""
    values = grid[2][np.isfinite(grid[2])]
    vmin, vmax = max(values.min(), 1e-8), max(values.max(), 1e-7)
    fig, ax = plt.subplots(figsize=(1.4 + 0.6 * maze.width, 0.6 * maze.height + 0.4))
    image = _heatmap(ax, maze, grid, vmin, vmax)
    fig.colorbar(image, ax=ax, label="one-step dynamics MSE")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def zones_figure(
    maze: MazeLayout, grid: tuple, threshold: float, expert_starts: np.ndarray, stalls: np.ndarray, title: str
):
    """Figure 16: Figure 15 with the high-error bins outlined, the expert start points and where rollouts stall."""
    values = grid[2][np.isfinite(grid[2])]
    vmin, vmax = max(values.min(), 1e-8), max(values.max(), 1e-7)
    fig, ax = plt.subplots(figsize=(1.4 + 0.6 * maze.width, 0.6 * maze.height + 0.4))
    image = _heatmap(ax, maze, grid, vmin, vmax)
    x_edges, y_edges, mean = grid
    high = np.nan_to_num(mean, nan=0.0) > threshold
    ax.contour(
        (x_edges[:-1] + x_edges[1:]) / 2,
        (y_edges[:-1] + y_edges[1:]) / 2,
        high.astype(float),
        levels=[0.5],
        colors="cyan",
        linewidths=1.2,
    )
    if len(expert_starts):
        ax.scatter(
            expert_starts[:, 0],
            expert_starts[:, 1],
            marker="*",
            s=90,
            c="white",
            edgecolors="black",
            label="expert starts",
            zorder=5,
        )
    if len(stalls):
        ax.scatter(stalls[:, 0], stalls[:, 1], marker="x", s=40, c="lime", label="true-reward rollouts stall", zorder=6)
    fig.colorbar(image, ax=ax, label="one-step dynamics MSE")
    ax.legend(loc="upper right", fontsize=6, framealpha=0.8)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def by_step_figure(curves: dict[str, np.ndarray], title: str):
    """Figure 17: dynamics error against plan step, mean and 10-90% band, one curve per source of plans."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for name, errors in curves.items():
        errors = np.maximum(errors, 1e-12)  # exactly physical steps (rollouts) still show on the log axis
        steps = np.arange(errors.shape[1])
        ax.plot(steps, errors.mean(axis=0), label=f"{name} (mean)")
        ax.fill_between(steps, np.quantile(errors, 0.1, axis=0), np.quantile(errors, 0.9, axis=0), alpha=0.25)
    ax.set_yscale("log")
    ax.set_xlabel("plan step t")
    ax.set_ylabel("one-step dynamics MSE")
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig
