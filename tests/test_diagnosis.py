"""Figures 15-17's measurements: uniform start states, stalls, the error heatmap."""

import numpy as np
import pytest

from diffirl.envs.maze import LARGE_MAZE, U_MAZE
from diffirl.planning.diagnosis import error_grid, stalled, summary, uniform_free_states


@pytest.mark.parametrize("maze", [U_MAZE, LARGE_MAZE])
def test_start_states_are_at_rest_in_free_space_and_cover_every_free_cell(maze):
    states = uniform_free_states(maze, 2000, np.random.default_rng(0))
    assert states.shape == (2000, 4) and np.all(states[:, 2:] == 0)
    assert not maze.in_wall(states[:, :2]).any()
    cells = {tuple(c) for c in np.round(maze.xy_to_cell(states[:, :2])).astype(int)}
    assert cells == {tuple(c) for c in maze.free_cells}


def test_a_rollout_stalls_when_it_stops_moving():
    moving = np.cumsum(np.full((1, 31, 2), 0.05), axis=1)
    stuck = np.concatenate([moving[:, :10], np.repeat(moving[:, 10:11], 21, axis=1)], axis=1)
    assert stalled(np.concatenate([moving, stuck]), window=20, threshold=0.1).tolist() == [False, True]


def test_error_grid_averages_the_starts_in_each_bin():
    xy = U_MAZE.cell_to_xy(np.array([[1.0, 1.0], [1.0, 1.0], [3.0, 3.0]])) + np.array([[0.1, 0.1], [0.2, 0.2], [0, 0]])
    x_edges, y_edges, mean = error_grid(U_MAZE, xy, np.array([1.0, 3.0, 10.0]), bins_per_cell=1)
    assert mean.shape == (U_MAZE.height, U_MAZE.width) and len(x_edges) == U_MAZE.width + 1
    assert np.nansum(mean) == pytest.approx(2.0 + 10.0) and np.isfinite(mean).sum() == 2
    assert summary(np.array([[1.0, 3.0], [1.0, 3.0]]))["by_step"] == [1.0, 3.0]
