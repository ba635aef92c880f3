"""Drawing on the maze: walls, and trajectories coloured by time from blue (start) to red (end)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from diffirl.envs.maze import MazeLayout  # noqa: E402
from diffirl.io import atomic_path  # noqa: E402

TIME_COLOURS = "coolwarm"  # blue -> red


def draw_maze(ax, maze: MazeLayout) -> None:
    """Walls as grey squares, in PointMaze's (x, y) frame."""
    for i, j in np.argwhere(maze.walls):
        x, y = maze.cell_to_xy(np.array([i, j], dtype=float))
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1.0, 1.0, color="0.55", linewidth=0))
    ax.set_xlim(-maze.width / 2, maze.width / 2)
    ax.set_ylim(-maze.height / 2, maze.height / 2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def draw_trajectory(ax, xy: np.ndarray, size: float = 4.0) -> None:
    ax.plot(xy[:, 0], xy[:, 1], color="0.2", linewidth=0.4, alpha=0.5)
    ax.scatter(xy[:, 0], xy[:, 1], c=np.linspace(0, 1, len(xy)), cmap=TIME_COLOURS, s=size, zorder=3)


def trajectory_grid(
    maze: MazeLayout,
    trajectories: list[np.ndarray],
    title: str,
    columns: int = 4,
    panel_titles: list[str] | None = None,
):
    """One panel per trajectory, each drawn on the maze."""
    rows = int(np.ceil(len(trajectories) / columns))
    columns = min(columns, len(trajectories))
    scale = 2.6 * maze.height / maze.width
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, scale * rows + 0.6), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for k, (ax, xy) in enumerate(zip(axes.flat, trajectories)):
        ax.axis("on")
        draw_maze(ax, maze)
        draw_trajectory(ax, xy)
        if panel_titles:
            ax.set_title(panel_titles[k], fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def save_figure(fig, path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)
