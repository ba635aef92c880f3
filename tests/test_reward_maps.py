"""Nuti et al.'s maze check: rewards of resting in each cell, and goal recovery."""

import numpy as np

from diffirl.envs.maze import U_MAZE
from diffirl.reports.reward_maps import (
    best_cell,
    goal_recovered,
    resting_plans,
    resting_states,
    reward_maps_figure,
)
from diffirl.rewards.true_reward import CellReward


def test_resting_states_sit_at_every_free_cell_centre_at_rest():
    states = resting_states(U_MAZE)
    assert len(states) == len(U_MAZE.free_cells) and not states[:, 2:].any()
    np.testing.assert_allclose(U_MAZE.xy_to_cell(states[:, :2]), U_MAZE.free_cells)
    plans = resting_plans(states, horizon=5, action_dim=2)
    assert plans.shape == (len(states), 5, 6) and not plans[..., :2].any()
    assert (plans == plans[:, :1]).all()  # the same row at every step


def test_the_true_reward_recovers_its_own_goal_and_a_far_cell_does_not():
    reward = CellReward(U_MAZE)
    values = reward(resting_states(U_MAZE)[:, :2])
    goal = reward.best_cell()
    assert best_cell(U_MAZE, values) == goal and goal_recovered(goal, goal)
    assert goal_recovered((goal[0] - 1, goal[1] - 1), goal)  # a diagonal neighbour is within one cell
    assert not goal_recovered((1, 1), goal)
    assert best_cell(U_MAZE, -values) == (1, 1)


def test_the_maps_figure_draws_a_panel_per_reward():
    reward = CellReward(U_MAZE)
    values = reward(resting_states(U_MAZE)[:, :2])
    figure = reward_maps_figure(reward, {"mse": values, "relative": -values}, {"mse": "MSE", "relative": "Rel"}, "t")
    assert len(figure.axes) == 3
    assert [ax.get_title() for ax in figure.axes] == ["True reward", "MSE", "Rel"]


def test_the_comparison_page_states_each_compared_method_against_the_base():
    import pandas as pd

    from diffirl.reports.comparison_page import comparison_finding

    rows = pd.DataFrame(
        {
            "method": ["base", "mse", "relative", "discriminator"],
            "label": ["Base Diffuser", "Diffuser (Learnt MSE Reward)", "Diffuser (Relative Reward)", "D"],
            "vs_base_mean": [None, 5.0, 3.0, -1.0],
            "vs_base_low": [None, 1.0, -1.0, -2.0],
            "vs_base_high": [None, 9.0, 7.0, -0.5],
        }
    )
    steering = {"relative": {"scale": 0.3, "t_stopgrad": 2}, "discriminator": {"scale": 1.0, "t_stopgrad": 0}}
    finding = comparison_finding("U-Maze", rows, steering)
    assert "Diffuser (Relative Reward) (scale 0.3, t_stopgrad 2): +3.00 [-1.00, +7.00], not distinguishable" in finding
    assert "D (scale 1, t_stopgrad 0): -1.00 [-2.00, -0.500], below the base" in finding
    assert "the thesis's losses above the base: Diffuser (Learnt MSE Reward)" in finding
