import gymnasium as gym
import gymnasium_robotics  # noqa: F401
import numpy as np
import pytest

from diffirl.envs import get_environment
from diffirl.envs.maze import D4RL_PARTICLE_OFFSET, LARGE_MAZE, U_MAZE
from diffirl.envs.registry import UnknownEnvironmentError


@pytest.mark.parametrize("name", ["umaze", "large"])
def test_layout_and_cell_centres_match_gymnasium_robotics(name):
    spec = get_environment(name)
    env = gym.make(spec.gym_id, continuing_task=True, reset_target=False)
    maze = env.unwrapped.maze
    np.testing.assert_array_equal(np.array(maze.maze_map) == 1, spec.maze.walls)
    for i, j in spec.maze.free_cells:
        np.testing.assert_allclose(spec.maze.cell_to_xy(np.array([i, j])), maze.cell_rowcol_to_xy(np.array([i, j])))
    env.close()


def test_cell_frame_round_trip_and_known_cells():
    np.testing.assert_allclose(U_MAZE.cell_to_xy([1, 1]), [-1.0, 1.0])
    np.testing.assert_allclose(U_MAZE.cell_to_xy([3, 3]), [1.0, -1.0])  # the bottom-right free cell
    cells = np.random.default_rng(0).uniform(0, 8, size=(50, 2))
    np.testing.assert_allclose(LARGE_MAZE.xy_to_cell(LARGE_MAZE.cell_to_xy(cells)), cells)


def test_in_wall_marks_wall_cells_and_outside():
    walls = U_MAZE.cell_to_xy(np.argwhere(U_MAZE.walls).astype(float))
    free = U_MAZE.cell_to_xy(U_MAZE.free_cells.astype(float))
    assert U_MAZE.in_wall(walls).all()
    assert not U_MAZE.in_wall(free).any()
    assert U_MAZE.in_wall(np.array([[10.0, 0.0]])).all()
    # a point 0.45 cells from a free centre towards a wall is still free; 0.55 is in the wall
    centre = U_MAZE.cell_to_xy([1, 1])
    assert not U_MAZE.in_wall(centre + [0, 0.45])
    assert U_MAZE.in_wall(centre + [0, 0.55])


def test_d4rl_positions_convert_to_pointmaze_cell_centres():
    # D4RL's particle sits 0.2 cells off its wall grid: qpos (i - 0.2, j - 0.2) is cell (i, j)'s centre
    cells = U_MAZE.free_cells.astype(float)
    d4rl = np.concatenate([cells - D4RL_PARTICLE_OFFSET, np.zeros_like(cells)], axis=1)
    converted, _ = U_MAZE.d4rl_to_pointmaze(d4rl, np.zeros_like(cells))
    np.testing.assert_allclose(converted[:, :2], U_MAZE.cell_to_xy(cells))


def test_d4rl_velocities_and_actions_move_the_simulator_the_same_way():
    """A D4RL push along its first axis (rows, downwards) must move PointMaze down."""
    d4rl_state = np.array([[3 - D4RL_PARTICLE_OFFSET, 2 - D4RL_PARTICLE_OFFSET, 0.7, 0.0]])  # moving down-rows
    d4rl_action = np.array([[1.0, 0.0]])
    state, action = U_MAZE.d4rl_to_pointmaze(d4rl_state, d4rl_action)
    assert state[0, 3] < 0 and state[0, 2] == 0  # rows grow downwards: y velocity negative

    env = gym.make("PointMaze_UMaze-v3", continuing_task=True, reset_target=False)
    env.reset(seed=0)
    start = U_MAZE.cell_to_xy([1, 2])
    env.unwrapped.point_env.set_state(start, np.zeros(2))
    for _ in range(10):
        observation = env.step(action[0])[0]["observation"]
    moved = U_MAZE.xy_to_cell(observation[:2]) - U_MAZE.xy_to_cell(start)
    assert moved[0] > 0.05 and abs(moved[1]) < 1e-6  # down a row, same column
    env.close()


def test_locomotion_episode_lengths_are_gymnasiums_time_limits():
    spec = get_environment("halfcheetah")
    assert spec.episode_steps == gym.spec(spec.gym_id).max_episode_steps


def test_unknown_environment_names_the_value():
    with pytest.raises(UnknownEnvironmentError, match="'nowhere'"):
        get_environment("nowhere")
