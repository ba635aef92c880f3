"""D4RL's maze2d data-collection controller, in PointMaze's frame.

The controller plans a shortest path over the free cells to a goal cell (breadth-first
search on the 4-connected cell graph, which is what D4RL's value iteration on its grid
computes), then tracks the path's cell centres one after the other with a PD law::

    action = clip(p_gain * (waypoint - position) + d_gain * velocity, -1, 1)

A waypoint counts as reached within ``solve_threshold``. D4RL also required the
per-step displacement to be below 0.1, which a point mass capped at speed 5 and
dt 0.01 (at most 0.05 per step) always satisfies, so that check is left out.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from diffirl.envs.maze import MazeLayout

NEIGHBOUR_STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def shortest_cell_path(maze: MazeLayout, start: tuple[int, int], goal: tuple[int, int]) -> list[tuple[int, int]]:
    """Cells from ``start`` (excluded) to ``goal`` (included) along a shortest free path."""
    if maze.walls[start] or maze.walls[goal]:
        raise ValueError(f"path endpoints must be free cells, got {start} -> {goal}")
    parent: dict[tuple[int, int], tuple[int, int] | None] = {goal: None}
    frontier = deque([goal])
    while frontier:  # search from the goal, so parents point along the path towards it
        cell = frontier.popleft()
        if cell == start:
            break
        for di, dj in NEIGHBOUR_STEPS:
            nxt = (cell[0] + di, cell[1] + dj)
            if nxt not in parent and not maze.walls[nxt]:
                parent[nxt] = cell
                frontier.append(nxt)
    if start not in parent:
        raise ValueError(f"no free path from {start} to {goal}")
    path, cell = [], parent[start]
    while cell is not None:
        path.append(cell)
        cell = parent[cell]
    return path


class WaypointController:
    def __init__(
        self,
        maze: MazeLayout,
        rng: np.random.Generator,
        p_gain: float,
        d_gain: float,
        solve_threshold: float,
        waypoint_jitter: float,
    ) -> None:
        self.maze = maze
        self.rng = rng
        self.p_gain = p_gain
        self.d_gain = d_gain
        self.solve_threshold = solve_threshold
        self.waypoint_jitter = waypoint_jitter
        self.goal_xy: np.ndarray | None = None
        self._waypoints: list[np.ndarray] = []

    def set_goal(self, position_xy: np.ndarray, goal_cell: tuple[int, int], goal_xy: np.ndarray) -> None:
        """Plan waypoints from the cell holding ``position_xy`` to ``goal_xy`` in ``goal_cell``."""
        start_cell = tuple(int(c) for c in self.maze.cell_index(position_xy))
        cells = shortest_cell_path(self.maze, start_cell, goal_cell) if start_cell != goal_cell else []
        jitter = self.rng.uniform(-self.waypoint_jitter / 2, self.waypoint_jitter / 2, size=(len(cells), 2))
        centres = self.maze.cell_to_xy(np.array(cells, dtype=np.float64).reshape(-1, 2) + jitter)
        self._waypoints = [c for c in centres[:-1]] + [np.asarray(goal_xy, dtype=np.float64)]
        self.goal_xy = np.asarray(goal_xy, dtype=np.float64)

    def reached_goal(self, position_xy: np.ndarray) -> bool:
        return self.goal_xy is not None and np.linalg.norm(position_xy - self.goal_xy) < self.solve_threshold

    def action(self, position_xy: np.ndarray, velocity: np.ndarray) -> np.ndarray:
        while len(self._waypoints) > 1 and np.linalg.norm(self._waypoints[0] - position_xy) < self.solve_threshold:
            self._waypoints.pop(0)
        target = self._waypoints[0]
        return np.clip(self.p_gain * (target - position_xy) + self.d_gain * velocity, -1.0, 1.0)
