"""Maze layouts and the three coordinate frames positions are expressed in.

* PointMaze frame (gymnasium-robotics, what the simulator and our datasets use):
  the centre of cell (row i, column j) is at ``x = j + 0.5 - W/2``, ``y = H/2 - i - 0.5``.
* Cell frame (the thesis's frame, in which its true reward ``5 i + 5 j`` is defined):
  continuous (i, j) in cell units, i growing downwards, j to the right, the centre of
  the top-left wall cell at (0, 0).
* D4RL frame (observations in D4RL's maze2d HDF5 files): the slide-joint positions of
  a particle whose body sits at world (1.2, 1.2) in a world where wall (i, j) is centred
  at (i + 1, j + 1). So a D4RL position p is cell position ``p + 0.2`` on each axis, and
  D4RL's first axis is the row axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

#: D4RL's particle body offset (1.2) minus its wall offset (1.0), in cells, on both axes.
D4RL_PARTICLE_OFFSET = 0.2


@dataclass(frozen=True)
class MazeLayout:
    name: str
    rows: tuple[str, ...]  # '#' wall, '.' free

    @cached_property
    def walls(self) -> np.ndarray:
        """Boolean (H, W) grid, True where a wall cell is."""
        return np.array([[c == "#" for c in row] for row in self.rows], dtype=bool)

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0])

    @cached_property
    def free_cells(self) -> np.ndarray:
        """(n, 2) integer array of (i, j) of every free cell, row-major."""
        return np.argwhere(~self.walls)

    # --- PointMaze <-> cell frame -------------------------------------------------
    def cell_to_xy(self, cell: np.ndarray) -> np.ndarray:
        """Continuous cell coordinates (..., 2) as (i, j) -> PointMaze (..., 2) as (x, y)."""
        cell = np.asarray(cell, dtype=np.float64)
        i, j = cell[..., 0], cell[..., 1]
        return np.stack([j + 0.5 - self.width / 2, self.height / 2 - 0.5 - i], axis=-1)

    def xy_to_cell(self, xy: np.ndarray) -> np.ndarray:
        """PointMaze (..., 2) as (x, y) -> continuous cell coordinates (..., 2) as (i, j)."""
        xy = np.asarray(xy, dtype=np.float64)
        x, y = xy[..., 0], xy[..., 1]
        return np.stack([self.height / 2 - 0.5 - y, x + self.width / 2 - 0.5], axis=-1)

    @staticmethod
    def cell_velocity_to_xy(velocity: np.ndarray) -> np.ndarray:
        """A velocity (..., 2) along (rows, columns) -> PointMaze's (x, y): rows grow downwards.

        ``0.0 - v`` rather than ``-v``: a start at rest keeps +0.0, not -0.0, so its saved
        state has the bytes a state made of zeros has.
        """
        velocity = np.asarray(velocity, dtype=np.float64)
        return np.stack([velocity[..., 1], 0.0 - velocity[..., 0]], axis=-1)

    def cell_index(self, xy: np.ndarray) -> np.ndarray:
        """The integer (i, j) of the cell that contains each PointMaze position."""
        return np.floor(self.xy_to_cell(xy) + 0.5).astype(np.int64)

    def in_wall(self, xy: np.ndarray) -> np.ndarray:
        """True where a PointMaze position lies inside a wall cell (or outside the map)."""
        index = self.cell_index(xy)
        i, j = index[..., 0], index[..., 1]
        outside = (i < 0) | (i >= self.height) | (j < 0) | (j >= self.width)
        inside = ~outside
        result = np.ones(i.shape, dtype=bool)
        result[inside] = self.walls[i[inside], j[inside]]
        return result

    # --- D4RL -> PointMaze ------------------------------------------------------------
    def d4rl_to_pointmaze(self, observations: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Convert D4RL maze2d observations (qx, qy, vqx, vqy) and actions to PointMaze's frame.

        D4RL's axes are (row, column); PointMaze's are (x = column, y = -row). Velocities
        and forces rotate the same way; positions also lose D4RL's particle offset.
        """
        observations = np.asarray(observations, dtype=np.float64)
        actions = np.asarray(actions, dtype=np.float64)
        cell = observations[:, :2] + D4RL_PARTICLE_OFFSET
        xy = self.cell_to_xy(cell)
        velocity = np.stack([observations[:, 3], -observations[:, 2]], axis=-1)
        converted_actions = np.stack([actions[:, 1], -actions[:, 0]], axis=-1)
        return np.concatenate([xy, velocity], axis=-1), converted_actions


U_MAZE = MazeLayout(
    "umaze",
    (
        "#####",
        "#...#",
        "###.#",
        "#...#",
        "#####",
    ),
)

LARGE_MAZE = MazeLayout(
    "large",
    (
        "############",
        "#....#.....#",
        "#.##.#.#.#.#",
        "#......#...#",
        "#.####.###.#",
        "#..#.#.....#",
        "##.#.#.#.###",
        "#..#...#...#",
        "############",
    ),
)
