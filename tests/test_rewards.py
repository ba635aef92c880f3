import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from diffirl.envs.maze import LARGE_MAZE, U_MAZE
from diffirl.methods.thesis.k_windows import k_windows
from diffirl.methods.thesis.losses import matern_kernel, mmd, mse
from diffirl.metrics import episode_return_correlation
from diffirl.rewards.true_reward import CellReward, arrival_and_stay, best_cell_dwell, true_reward
from diffirl.rewards.true_reward_guide import TrueRewardGuide
from tests.test_method import learning_settings


@pytest.mark.parametrize("maze, best", [(U_MAZE, (3, 3)), (LARGE_MAZE, (7, 10))])
def test_the_bottom_right_free_cell_is_the_best_one(maze, best):
    centres = maze.cell_to_xy(maze.free_cells.astype(float))
    rewards = true_reward(maze, centres)
    assert tuple(maze.free_cells[np.argmax(rewards)]) == best
    assert true_reward(maze, maze.cell_to_xy(np.array([1.0, 1.0]))) == pytest.approx(10.0)
    assert true_reward(maze, maze.cell_to_xy(np.array(best, dtype=float))) == pytest.approx(5 * sum(best))


@pytest.mark.parametrize(
    "weights, best",
    [({}, (3, 3)), ({"row_weight": -5.0}, (1, 3)), ({"row_weight": -1.0, "column_weight": -1.0}, (1, 1))],
)
def test_the_best_cell_follows_the_reward_weights(weights, best):
    assert CellReward(U_MAZE, **weights).best_cell() == best


def test_dwell_counts_the_last_steps_spent_in_the_best_cell():
    reward = CellReward(U_MAZE)
    corner, left = U_MAZE.cell_to_xy(np.array([3.0, 3.0])), U_MAZE.cell_to_xy(np.array([3.0, 2.0]))
    arrives_and_stays = np.stack([left] * 60 + [corner] * 140)
    leaves_again = np.stack([left] * 60 + [corner] * 80 + [left] * 60)
    # 0.45 cells from the centre is still the corner cell; 0.55 is its neighbour
    edge = np.stack([corner + [-0.45, 0.45]] * 150 + [corner + [-0.55, 0.0]] * 50)
    dwell = best_cell_dwell(reward, np.stack([arrives_and_stays, leaves_again, edge]), 100)
    np.testing.assert_allclose(dwell, [1.0, 0.4, 0.5])
    assert best_cell_dwell(reward, arrives_and_stays[None], 200)[0] == pytest.approx(0.7)
    with pytest.raises(ValueError, match="last_steps = 201"):
        best_cell_dwell(reward, arrives_and_stays[None], 201)


def test_after_arriving_in_the_best_cell_a_rollout_stays_or_leaves():
    reward = CellReward(U_MAZE)
    corner, left = U_MAZE.cell_to_xy(np.array([3.0, 3.0])), U_MAZE.cell_to_xy(np.array([3.0, 2.0]))
    stays = np.stack([left] * 6 + [corner] * 4)
    leaves = np.stack([left] * 2 + [corner] * 2 + [left] * 6)
    never = np.stack([left] * 10)
    reached, stay = arrival_and_stay(reward, np.stack([stays, leaves, never]))
    assert reached.tolist() == [True, True, False]
    np.testing.assert_allclose(stay[:2], [1.0, 0.25])
    assert np.isnan(stay[2])


def test_guide_is_the_true_return_of_the_unnormalised_plan_and_points_to_the_corner():
    shift, scale = torch.tensor([0.0, 0.0, 0.5, -0.5, 0.0, 0.0]), torch.tensor([1.0, 1.0, 2.0, 2.0, 5.0, 5.0])
    guide = TrueRewardGuide(CellReward(U_MAZE), action_dim=2, shift=shift, scale=scale)
    plans = torch.randn(3, 7, 6, requires_grad=True)
    raw = plans * scale + shift
    expected = torch.as_tensor(true_reward(U_MAZE, raw[..., 2:4].detach().numpy().astype(np.float64))).sum(-1)
    torch.testing.assert_close(guide(plans).double(), expected, rtol=1e-5, atol=1e-4)
    (gradient,) = torch.autograd.grad(guide(plans).sum(), plans)
    assert torch.all(gradient[..., 2] > 0) and torch.all(gradient[..., 3] < 0)  # right (+x) and down (-y)
    assert torch.all(gradient[..., :2] == 0) and torch.all(gradient[..., 4:] == 0)


def test_a_cell_reward_of_other_weights_is_what_the_formula_says():
    reward = CellReward(U_MAZE, row_weight=2.0, column_weight=-1.0, constant=3.0)
    xy = U_MAZE.cell_to_xy(np.array([[1.0, 3.0], [3.0, 1.5]]))
    np.testing.assert_allclose(reward(xy), [2 * 1 - 3 + 3, 2 * 3 - 1.5 + 3])
    assert reward.describe() == "2i + -1j + 3".replace("+ -", "- ") and "top-left wall cell" in reward.describe_frame()
    assert CellReward(U_MAZE).describe() == "5i + 5j"


def test_guide_units_set_how_strongly_the_same_weights_push():
    """The published code applied 5(x + y) to the normalised plan; raw units scale that push by the normaliser."""
    shift, scale = torch.tensor([0.0, 0.0, 0.5, -0.5, 0.0, 0.0]), torch.tensor([1.0, 1.0, 1.4, 2.0, 5.0, 5.0])
    plans = torch.randn(2, 5, 6, requires_grad=True)
    gradients = {}
    for units in ("raw", "normalised"):
        guide = TrueRewardGuide(CellReward(U_MAZE, guide_units=units), action_dim=2, shift=shift, scale=scale)
        (gradients[units],) = torch.autograd.grad(guide(plans).sum(), plans)
    torch.testing.assert_close(gradients["normalised"][..., 2:4], torch.tensor([5.0, -5.0]).expand(2, 5, 2))
    torch.testing.assert_close(gradients["raw"][..., 2:4], gradients["normalised"][..., 2:4] * scale[2:4])


def test_the_environment_carries_the_reward_params_set():
    from diffirl.envs import get_environment

    spec = get_environment("large").with_reward(row_weight=1.0, column_weight=0.0, constant=0.0, guide_units="raw")
    assert spec.reward.describe() == "1i + 0j" and get_environment("large").reward.describe() == "5i + 5j"
    with pytest.raises(ValueError, match="own reward"):
        get_environment("halfcheetah").with_reward(row_weight=1.0)


def test_mmd_bandwidths_and_estimator_are_settings():
    x, y = torch.randn(6, 8, generator=torch.Generator().manual_seed(0)), torch.randn(5, 8)
    assert not torch.isclose(mmd(x, y, "gaussian"), mmd(x, y, "gaussian", bandwidth_factors=(1.0,)))
    assert mmd(x, x, "matern", unbiased=False) == pytest.approx(0.0, abs=1e-6)
    assert mmd(x, x, "matern", unbiased=True) < 0  # the U-statistic drops the diagonal (the largest terms)


@pytest.mark.parametrize("n, length, k, expected", [(9, 300, 10, 270), (8, 380, 10, 304), (2, 10, 4, 4)])
def test_k_windows_counts_match_the_thesis(n, length, k, expected):
    windows = k_windows(np.zeros((n, length, 6)), k)
    assert windows.shape == (expected, k, 6)


def test_k_windows_keep_order_and_honour_the_stride():
    trajectories = np.arange(2 * 7).reshape(2, 7, 1).astype(float)
    windows = k_windows(trajectories, 3, stride=2)
    assert windows[:, :, 0].tolist() == [[0, 1, 2], [2, 3, 4], [4, 5, 6], [7, 8, 9], [9, 10, 11], [11, 12, 13]]
    with pytest.raises(ValueError, match="no window"):
        k_windows(trajectories, 8)


@pytest.mark.parametrize("kernel", ["gaussian", "matern"])
def test_mmd_is_zero_for_identical_batches_and_grows_with_a_shift(kernel):
    x = torch.randn(64, 5, generator=torch.Generator().manual_seed(0))
    assert mmd(x, x.clone(), kernel).item() == pytest.approx(0.0, abs=1e-6)
    values = [mmd(x, x + shift, kernel).item() for shift in (0.1, 0.5, 1.0)]
    assert values[0] < values[1] < values[2]


def test_unbiased_mmd_is_unbiased_on_gaussians_where_the_biased_one_is_not():
    generator = torch.Generator().manual_seed(1)
    unbiased, biased = [], []
    for _ in range(300):
        x, y = torch.randn(16, 3, generator=generator), torch.randn(16, 3, generator=generator)
        unbiased.append(mmd(x, y, "gaussian", unbiased=True).item())
        biased.append(mmd(x, y, "gaussian", unbiased=False).item())
    unbiased, biased = np.array(unbiased), np.array(biased)
    standard_error = unbiased.std() / np.sqrt(len(unbiased))
    assert abs(unbiased.mean()) < 3 * standard_error  # the true MMD of equal distributions is 0
    assert biased.mean() > 10 * biased.std() / np.sqrt(len(biased))


def test_matern_one_half_is_the_exponential_kernel():
    a, b = torch.randn(6, 4), torch.randn(5, 4)
    distance = torch.cdist(a, b)
    torch.testing.assert_close(matern_kernel(a, b, 0.5, 0.7), torch.exp(-distance / 0.7), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="nu"):
        matern_kernel(a, b, 1.0, 0.7)


def test_mse_and_mmd_are_differentiable():
    plans = torch.randn(8, 10, 6, requires_grad=True)
    windows = torch.randn(8, 10, 6)
    for loss in (mse(plans, windows), mmd(plans, windows, "gaussian"), mmd(plans, windows, "matern", nu=1.5)):
        (gradient,) = torch.autograd.grad(loss, plans)
        assert torch.isfinite(gradient).all() and gradient.abs().sum() > 0


def test_erc_is_zero_for_a_positive_affine_transform_and_one_for_a_negation():
    returns = np.random.default_rng(0).normal(size=100)
    assert episode_return_correlation(returns, 3.0 * returns + 7.0) == pytest.approx(0.0, abs=1e-7)
    assert episode_return_correlation(returns, -returns) == pytest.approx(1.0)
    assert 0.0 < episode_return_correlation(returns, np.random.default_rng(1).normal(size=100)) < 1.0


def test_the_reward_of_positions_is_the_same_on_arrays_and_tensors():
    reward = CellReward(LARGE_MAZE, 5.0, 3.3, 0.7)
    positions = np.random.default_rng(0).normal(size=(40, 50, 2)) * 3
    on_tensors = reward(torch.as_tensor(positions)).numpy()
    for array in (positions, positions.astype(np.float32)):
        on_array = reward(array)
        assert on_array.dtype == np.float64
        np.testing.assert_array_equal(on_array, reward(torch.as_tensor(array, dtype=torch.float64)).numpy())
    np.testing.assert_array_equal(reward(positions), on_tensors)


@pytest.mark.parametrize("stage", ["results_table", "claims", "report", "table3", "remedies"])
def test_stages_that_only_tabulate_start_without_torch(stage):
    """Importing torch costs ~2 s per stage; the table and report stages have no use for it."""
    code = f"import sys; sys.path.insert(0, 'stages'); import {stage}; print('torch' in sys.modules)"
    imported = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "False"


def test_each_learnt_method_holds_the_loss_its_name_says():
    from diffirl.methods import METHODS, MaximumMeanDiscrepancy
    from diffirl.methods.thesis.losses import trajectory_loss

    settings = learning_settings(mmd_unbiased={"gaussian": False, "matern": True})
    plans, windows = torch.randn(6, 3, 2, generator=torch.Generator().manual_seed(0)), torch.zeros(6, 3, 2)
    flat = plans.flatten(1), windows.flatten(1)
    assert trajectory_loss(METHODS["mse"].trajectory_loss, *flat, settings) == mse(*flat)
    matern = trajectory_loss(METHODS["mmd_matern"].trajectory_loss, *flat, settings)
    assert matern == mmd(*flat, "matern", True, 0.5, 0.69)
    assert METHODS["mmd_gauss"].trajectory_loss == MaximumMeanDiscrepancy("gaussian")


def test_a_learnt_reward_without_a_loss_is_refused_where_it_is_declared():
    from diffirl.methods import ByLearntReward, ByTrueReward, MeanSquaredError, Method

    with pytest.raises(ValueError, match="'mine'.*trajectory loss"):
        Method("mine", "Diffuser (Mine)", "diffuser", guide=ByLearntReward())
    with pytest.raises(ValueError, match="'true'.*trajectory loss"):
        Method("true", "Diffuser (True Reward)", "diffuser", guide=ByTrueReward(), trajectory_loss=MeanSquaredError())


def test_a_new_loss_is_a_declaration_and_a_registered_computation():
    from diffirl.methods import METHODS, ByLearntReward, Method, TrajectoryLoss
    from diffirl.methods.thesis import losses
    from diffirl.methods.thesis.reward_learning import trajectory_loss

    class Constant(TrajectoryLoss):
        pass

    METHODS["constant"] = Method(
        "constant", "Diffuser (Constant)", "diffuser", guide=ByLearntReward(), trajectory_loss=Constant()
    )
    try:
        with pytest.raises(NotImplementedError, match="Constant"):
            trajectory_loss("constant", torch.ones(2, 3), torch.zeros(2, 3), learning_settings())
        losses.trajectory_loss.register(Constant)(lambda loss, plans, windows, settings: plans.sum() * 0 + 7.0)
        assert trajectory_loss("constant", torch.ones(2, 3), torch.zeros(2, 3), learning_settings()).item() == 7.0
    finally:
        del METHODS["constant"]


def test_a_loss_from_outside_the_project_computes_itself():
    from diffirl.methods import METHODS, ByLearntReward, Method, TrajectoryLoss
    from diffirl.methods.thesis.reward_learning import trajectory_loss

    class MeanAbsoluteError(TrajectoryLoss):
        def compute(self, plans, windows, settings):
            return (plans - windows).abs().mean()

    learnt = ByLearntReward()
    METHODS["mae"] = Method("mae", "Diffuser (MAE)", "diffuser", guide=learnt, trajectory_loss=MeanAbsoluteError())
    try:
        assert trajectory_loss("mae", torch.ones(2, 3), torch.zeros(2, 3), learning_settings()).item() == 1.0
    finally:
        del METHODS["mae"]
