"""Generate a reward-agnostic Maze2D dataset with D4RL's procedure on gymnasium-robotics.

Episodes of ``episode_length`` steps start at a random free cell. Within an episode the
controller heads for a random goal cell; on arrival it draws a new one. Gaussian
``action_noise`` is added to every action before clipping, as in D4RL's noisy datasets.
The stored reward is D4RL's sparse one: 1 within 0.5 of the current goal, else 0.
"""

from __future__ import annotations

import numpy as np

from diffirl.data.format import Dataset, make_dataset
from diffirl.data.maze_controller import WaypointController
from diffirl.envs.registry import EnvironmentSpec
from diffirl.envs.simulators import make_env, set_state
from diffirl.params.schema import MazeGeneration
from diffirl.progress import progress_bar

SPARSE_REWARD_RADIUS = 0.5


def _random_goal(maze, rng: np.random.Generator) -> tuple[tuple[int, int], np.ndarray]:
    cell = tuple(int(c) for c in maze.free_cells[rng.integers(len(maze.free_cells))])
    goal_xy = maze.cell_to_xy(np.array(cell, dtype=np.float64) + rng.uniform(-0.1, 0.1, size=2))
    return cell, goal_xy


def generate_maze_dataset(spec: EnvironmentSpec, settings: MazeGeneration, seed: int, progress: bool = True) -> Dataset:
    maze = spec.maze
    rng = np.random.default_rng(seed)
    env = make_env(spec, settings.episode_length)
    env.reset(seed=seed)
    controller = WaypointController(
        maze, rng, settings.p_gain, settings.d_gain, settings.solve_threshold, settings.waypoint_jitter
    )

    n = settings.n_transitions
    observations = np.empty((n, 4), dtype=np.float64)
    actions = np.empty((n, 2), dtype=np.float64)
    rewards = np.zeros(n, dtype=np.float64)
    timeouts = np.zeros(n, dtype=bool)

    step_in_episode = settings.episode_length  # forces a reset on the first step
    state = np.zeros(4)
    for t in progress_bar(range(n), desc=f"generate {spec.name}", unit="step", disable=not progress, mininterval=2):
        if step_in_episode == settings.episode_length:
            start_cell = maze.free_cells[rng.integers(len(maze.free_cells))]
            qpos = maze.cell_to_xy(start_cell + rng.uniform(-settings.start_jitter, settings.start_jitter, size=2))
            qvel = rng.normal(0.0, settings.start_velocity_std, size=2)
            env.reset(seed=int(rng.integers(2**31)))
            state = np.concatenate([qpos, qvel])
            set_state(env, spec, state)
            controller.set_goal(state[:2], *_random_goal(maze, rng))
            step_in_episode = 0
        elif controller.reached_goal(state[:2]):
            controller.set_goal(state[:2], *_random_goal(maze, rng))

        action = controller.action(state[:2], state[2:])
        action = np.clip(action + rng.normal(0.0, settings.action_noise, size=2), -1.0, 1.0)
        observations[t], actions[t] = state, action
        next_observation = env.step(action)[0]["observation"]
        rewards[t] = float(np.linalg.norm(next_observation[:2] - controller.goal_xy) <= SPARSE_REWARD_RADIUS)
        state = next_observation
        step_in_episode += 1
        timeouts[t] = step_in_episode == settings.episode_length or t == n - 1
    env.close()
    return make_dataset(observations, actions, rewards, np.zeros(n, dtype=bool), timeouts)
