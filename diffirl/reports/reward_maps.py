"""Nuti et al.'s own check of a learnt reward in a maze: the reward drawn over the maze, and
"goal recovery", whether its best cell lies within one cell of the true reward's.

Every method's reward is read the same way, as the value of resting at a state: a plan (or
transition) that stays at the cell's centre with zero velocity and zero action, scored by the
network at the chain's end (t = 0). For a per-step network that is g(s, 0, 0); for the thesis's
window network, its value of a window resting at s; for AIRL, the reward it recovers of (s, 0, s).
"""

from __future__ import annotations

import numpy as np
import torch

from diffirl.envs.maze import MazeLayout
from diffirl.reports.maze_plots import draw_maze, plt
from diffirl.rewards.true_reward import CellReward


def resting_states(maze: MazeLayout) -> np.ndarray:
    """(free cells, 4): each free cell's centre at rest, in the PointMaze frame."""
    xy = maze.cell_to_xy(maze.free_cells)
    return np.concatenate([xy, np.zeros_like(xy)], axis=1)


def resting_plans(states: np.ndarray, horizon: int, action_dim: int) -> np.ndarray:
    """(n, horizon, action_dim + state_dim) raw plans that rest at each state with zero action."""
    rows = np.concatenate([np.zeros((len(states), action_dim)), states], axis=1)
    return np.repeat(rows[:, None, :], horizon, axis=1)


def plan_network_values(network: torch.nn.Module, normalizer, plans: np.ndarray) -> np.ndarray:
    """A network of normalised plans (the thesis's rewards, the relative reward, the discriminator) at t = 0."""
    with torch.no_grad():
        normalised = normalizer.normalize(torch.as_tensor(plans, dtype=torch.float32))
        return network(normalised).cpu().numpy().astype(np.float64)


def reward_net_values(reward_net, states: np.ndarray, action_dim: int) -> np.ndarray:
    """An `imitation` reward network of raw (s, 0, s): AIRL's reward of resting at s."""
    actions = np.zeros((len(states), action_dim))
    return reward_net.predict_processed(states, actions, states, np.zeros(len(states), dtype=bool)).astype(np.float64)


def best_cell(maze: MazeLayout, values: np.ndarray) -> tuple[int, int]:
    i, j = maze.free_cells[int(np.argmax(values))]
    return int(i), int(j)


def goal_recovered(found: tuple[int, int], goal: tuple[int, int]) -> bool:
    """Within one cell of the goal, diagonals included (Nuti et al., Appendix E)."""
    return max(abs(found[0] - goal[0]), abs(found[1] - goal[1])) <= 1


def reward_maps_figure(reward: CellReward, values: dict[str, np.ndarray], labels: dict[str, str], title: str):
    """The true reward and each method's, one panel each, per free cell, each on its own colour scale."""
    maze = reward.maze
    panels = {"true": reward(maze.cell_to_xy(maze.free_cells))} | values
    fig, axes = plt.subplots(1, len(panels), figsize=(1.2 + 2.2 * len(panels), 2.4), squeeze=False)
    for ax, (name, cell_values) in zip(axes[0], panels.items()):
        grid = np.full(maze.walls.shape, np.nan)
        grid[maze.free_cells[:, 0], maze.free_cells[:, 1]] = cell_values
        xy = maze.cell_to_xy(np.argwhere(np.ones_like(maze.walls)))
        x = np.unique(xy[:, 0])
        y = np.unique(xy[:, 1])[::-1]
        ax.pcolormesh(x, y, np.ma.masked_invalid(grid), cmap="viridis", shading="nearest")
        draw_maze(ax, maze)
        i, j = best_cell(maze, cell_values)
        ax.plot(*maze.cell_to_xy(np.array([i, j])), marker="*", color="red", markersize=10)
        ax.set_title(labels.get(name, "True reward"), fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
