"""Figures of the method: the true reward over a maze (4, 12) and the experts (5, 11)."""

from __future__ import annotations

import numpy as np

from diffirl.envs.maze import MazeLayout
from diffirl.experts.trajectories import Experts
from diffirl.reports.maze_plots import draw_maze, draw_trajectory, plt, trajectory_grid
from diffirl.rewards.true_reward import CellReward


def true_reward_figure(reward: CellReward, title: str, resolution: int = 200):
    maze = reward.maze
    x = np.linspace(-maze.width / 2, maze.width / 2, resolution)
    y = np.linspace(-maze.height / 2, maze.height / 2, int(resolution * maze.height / maze.width))
    grid = np.stack(np.meshgrid(x, y), axis=-1)
    values = np.ma.masked_where(maze.in_wall(grid), reward(grid))
    fig, ax = plt.subplots(figsize=(1 + 0.6 * maze.width, 0.6 * maze.height))
    draw_maze(ax, maze)
    image = ax.pcolormesh(x, y, values, cmap="viridis", shading="auto")
    fig.colorbar(image, ax=ax, label="true reward per step")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def experts_figure(
    maze: MazeLayout, experts: Experts, action_dim: int, title: str, start_cells=None, dwell: np.ndarray | None = None
):
    """Every expert trajectory, one panel each: a row per start point, a column per seed.

    ``start_cells`` names the start points in the panel titles; ``dwell`` (one fraction per
    trajectory, :func:`diffirl.rewards.true_reward.best_cell_dwell`) is written beside them.
    """
    order = np.lexsort((experts.seed, experts.start_point))
    panels, titles = [], []
    for k in order:
        point = int(experts.start_point[k])
        where = f"start {tuple(start_cells[point])}" if start_cells is not None else f"start {point}"
        panels.append(experts.trajectories[k, :, action_dim : action_dim + 2])
        titles.append(f"{where}, seed {experts.seed[k]}" + (f"\nbest cell {dwell[k]:.0%}" if dwell is not None else ""))
    columns = len(np.unique(experts.seed))
    return trajectory_grid(maze, panels, title, columns=columns, panel_titles=titles)


def loss_curves_figure(logs: dict[str, list[dict]], title: str):
    """Figures 6, 13, 18: one panel per loss, loss against epoch."""
    fig, axes = plt.subplots(1, len(logs), figsize=(4 * len(logs), 3.2), squeeze=False)
    for ax, (name, log) in zip(axes[0], logs.items()):
        ax.plot([row["epoch"] for row in log], [row["loss"] for row in log], marker=".")
        ax.set_title(name)
        ax.set_xlabel("epoch")
    axes[0][0].set_ylabel("distance to the experts")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def rollouts_figure(
    maze: MazeLayout, positions: dict[str, np.ndarray], start_index: np.ndarray, labels: dict[str, str], title: str
):
    """Figures 7 and 14: one row per start point, one column per method (its first rollout there)."""
    methods = list(positions)
    points = np.unique(start_index)
    fig, axes = plt.subplots(
        len(points),
        len(methods),
        figsize=(2.2 * len(methods), 2.2 * len(points) * maze.height / maze.width + 0.5),
        squeeze=False,
    )
    for row, point in enumerate(points):
        k = int(np.flatnonzero(start_index == point)[0])
        for column, method in enumerate(methods):
            ax = axes[row][column]
            draw_maze(ax, maze)
            draw_trajectory(ax, positions[method][k], size=3)
            if row == 0:
                ax.set_title(labels[method], fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def start_point_figure(maze: MazeLayout, positions: np.ndarray, start_index: np.ndarray, title: str):
    """Figure 10: one panel per start point with every rollout from it, so that stalls show."""
    points = np.unique(start_index)
    columns = min(4, len(points))
    rows = int(np.ceil(len(points) / columns))
    fig, axes = plt.subplots(
        rows, columns, figsize=(2.6 * columns, 2.6 * rows * maze.height / maze.width + 0.6), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, point in zip(axes.flat, points):
        ax.axis("on")
        draw_maze(ax, maze)
        for xy in positions[start_index == point]:
            draw_trajectory(ax, xy, size=2)
        ax.set_title(f"start {point}", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
