import numpy as np
import pytest

from diffirl.data.maze_controller import WaypointController, shortest_cell_path
from diffirl.data.maze_generation import generate_maze_dataset
from diffirl.envs import get_environment
from diffirl.envs.maze import LARGE_MAZE, U_MAZE
from diffirl.envs.simulators import make_env, set_state


def test_shortest_path_goes_round_the_u():
    assert shortest_cell_path(U_MAZE, (1, 1), (3, 1)) == [(1, 2), (1, 3), (2, 3), (3, 3), (3, 2), (3, 1)]


def test_shortest_paths_step_between_free_neighbours():
    rng = np.random.default_rng(1)
    cells = [tuple(c) for c in LARGE_MAZE.free_cells]
    for _ in range(30):
        start, goal = (cells[k] for k in rng.choice(len(cells), 2, replace=False))
        path = [start] + shortest_cell_path(LARGE_MAZE, start, goal)
        assert path[-1] == goal
        for a, b in zip(path, path[1:]):
            assert abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1
            assert not LARGE_MAZE.walls[b]


def test_path_endpoint_in_a_wall_is_refused():
    with pytest.raises(ValueError, match="free cells"):
        shortest_cell_path(U_MAZE, (0, 0), (1, 1))


@pytest.mark.parametrize("name, start, goal", [("umaze", (1, 1), (3, 1)), ("large", (1, 1), (7, 10))])
def test_controller_drives_the_point_mass_to_the_goal_without_touching_walls(name, start, goal):
    spec = get_environment(name)
    maze = spec.maze
    controller = WaypointController(maze, np.random.default_rng(0), 10.0, -1.0, 0.1, 0.2)
    env = make_env(spec, 2000)
    env.reset(seed=0)
    state = np.concatenate([maze.cell_to_xy(np.array(start, dtype=float)), np.zeros(2)])
    set_state(env, spec, state)
    controller.set_goal(state[:2], goal, maze.cell_to_xy(np.array(goal, dtype=float)))
    for _ in range(1500):
        if controller.reached_goal(state[:2]):
            break
        state = env.step(controller.action(state[:2], state[2:]))[0]["observation"]
        assert not maze.in_wall(state[:2])
    assert controller.reached_goal(state[:2])
    env.close()


def test_generated_dataset_is_valid_deterministic_and_never_in_walls(smoke_params):
    spec = get_environment("umaze")
    settings = smoke_params.datasets.umaze.generate.model_copy(update={"n_transitions": 1000, "episode_length": 300})
    first = generate_maze_dataset(spec, settings, seed=3, progress=False)
    second = generate_maze_dataset(spec, settings, seed=3, progress=False)
    np.testing.assert_array_equal(first.observations, second.observations)
    assert len(first) == 1000
    assert [e.stop - e.start for e in first.episodes()] == [300, 300, 300, 100]
    assert not first.terminals.any()
    assert not spec.maze.in_wall(first.observations[:, :2]).any()
    assert np.abs(first.actions).max() <= 1.0
    other_seed = generate_maze_dataset(spec, settings, seed=4, progress=False)
    assert not np.allclose(other_seed.observations, first.observations)
