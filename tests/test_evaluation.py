"""The shared evaluator: one batched chain for every diffuser method, common noise, unseen ERC windows."""

import numpy as np
import pytest
import torch

from diffirl.diffusion.sampling import Guidance
from diffirl.envs import get_environment
from diffirl.evaluation import (
    GroupedGuide,
    allowed_window_starts,
    erc_windows,
    evaluate_diffuser_methods,
    evaluation_reward,
    expert_rows,
    load_positions,
    save_rollouts,
)
from diffirl.experts.generation import start_states, true_reward_guide
from diffirl.experts.trajectories import Experts
from diffirl.methods import LOSSES
from diffirl.methods.thesis.reward_model import RewardMLP
from diffirl.params.schema import EvaluationSettings
from diffirl.planning.rollouts import planned_rollouts
from tests.test_diffusion import sine_dataset
from tests.test_planning import tiny_trained

GUIDANCE = Guidance(scale=0.5, n_guide_steps=2, t_stopgrad=0, scale_grad_by_std=False)


def test_grouped_chain_equals_each_method_run_alone(tmp_path):
    spec = get_environment("umaze")
    trained = tiny_trained(tmp_path, "umaze", 4, 2)
    starts = start_states(spec, [(1, 1), (1, 3), (3, 1)])
    reward = evaluation_reward(spec)
    guide = true_reward_guide(trained, spec)
    alone = [
        planned_rollouts(trained, spec, starts, 6, 1, reward, g, GUIDANCE if g else None, seed=3, progress=False)
        for g in (None, guide)
    ]
    together = planned_rollouts(
        trained,
        spec,
        np.concatenate([starts, starts]),
        6,
        1,
        reward,
        GroupedGuide([None, guide]),
        GUIDANCE,
        seed=3,
        progress=False,
        noise_groups=2,
    )
    for single, grouped in zip(alone, together.split(2)):
        # float32 sums differ with the batch size (~1e-4 here); a wrong noise or guide moves states by ~0.1
        np.testing.assert_allclose(grouped.observations, single.observations, atol=2e-3)
    # guidance moved the states far more than that, so the equality above is not vacuous
    assert np.abs(alone[0].observations - alone[1].observations).max() > 2e-2


def test_noise_groups_must_divide_the_batch(tmp_path):
    spec = get_environment("umaze")
    trained = tiny_trained(tmp_path, "umaze", 4, 2)
    with pytest.raises(ValueError, match="noise groups"):
        planned_rollouts(trained, spec, start_states(spec, [(1, 1)] * 3), 2, noise_groups=2, progress=False)


def test_erc_windows_never_touch_the_rows_experts_came_from():
    dataset = sine_dataset(episodes=4, length=30)
    experts = Experts(np.zeros((3, 4, 5)), np.array([5, 40, 70]), np.zeros(3, dtype=int), "dataset")
    excluded = expert_rows(experts)
    assert excluded.tolist() == [5, 6, 7, 8, 40, 41, 42, 43, 70, 71, 72, 73]
    starts = allowed_window_starts(dataset, 6, excluded)
    for start in starts:
        assert not set(range(start, start + 6)) & set(excluded)
    assert 9 in starts and 30 in starts and 0 not in starts and 35 not in starts  # 0..5 holds row 5; 35..40 row 40
    windows = erc_windows(get_environment("halfcheetah"), [dataset], 6, 50, 0, [excluded])
    assert windows.rows.shape == (50, 6, 5)
    assert expert_rows(Experts(np.zeros((1, 4, 5)), np.array([0]), np.zeros(1, dtype=int), "plan")).size == 0
    with pytest.raises(ValueError, match=r"evaluation\.halfcheetah\.erc_windows = 1000000000, .* holds \d+ distinct"):
        erc_windows(get_environment("halfcheetah"), [dataset], 6, 10**9, 0, [excluded])


def test_halfcheetah_erc_windows_avoid_the_rows_the_base_diffuser_trained_on(root, tmp_path, monkeypatch):
    from diffirl import paths
    from diffirl.data.format import write_datasets
    from diffirl.diffusion.windows import transitions
    from diffirl.evaluation import environment_erc_windows
    from diffirl.params.load import validate_params
    from diffirl.params.scale import compose

    params = validate_params(compose("default", root / "scales"), "params.yaml")
    diffuser = params.diffusers.halfcheetah.model_copy(update={"max_episodes": None, "held_out_fraction": 0.25})
    spec = get_environment("halfcheetah")
    monkeypatch.chdir(tmp_path)
    base = sine_dataset(episodes=4, length=30)
    write_datasets([(paths.dataset_file(spec.name, split), base, {}) for split in spec.erc_splits])
    Experts(np.zeros((1, 4, 5)), np.array([0]), np.zeros(1, dtype=int), "dataset").save(paths.experts_file(spec.name))
    windows = environment_erc_windows(spec, settings(erc_windows=20, start_cells=[]), 6, diffuser)
    medium_replay = windows.rows[:10]  # the first half of the windows come from the base split
    trained_rows = transitions(base)[:90]  # the first 75% of its 120 rows
    for window in medium_replay:
        assert not any((trained_rows == step).all(axis=1).any() for step in window)


def settings(**overrides) -> EvaluationSettings:
    values = dict(
        start_cells=[(1, 1), (3, 1)],
        rollouts_per_start=2,
        steps=5,
        replan_every=1,
        erc_windows=10,
        airl_erc_reward="unshaped",
        confidence=0.95,
        seed=0,
    )
    return EvaluationSettings(**(values | overrides))


def test_evaluation_scores_every_method_and_picks_the_best_snapshot(tmp_path):
    spec = get_environment("umaze")
    trained = tiny_trained(tmp_path, "umaze", 4, 2)
    torch.manual_seed(0)
    learnt = {loss: RewardMLP(trained.diffusion.horizon, 6, [8]) for loss in LOSSES}
    snapshots = {"mse": {1: RewardMLP(trained.diffusion.horizon, 6, [8]), 2: learnt["mse"]}}
    rows = np.random.default_rng(0).uniform(-1, 1, size=(10, trained.diffusion.horizon, 6))
    from diffirl.evaluation import ErcWindows

    windows = ErcWindows(rows, rows[..., 2].sum(axis=1))
    metrics, rollouts, start_index = evaluate_diffuser_methods(
        trained, spec, settings(), GUIDANCE, learnt, snapshots, windows, progress=False
    )
    assert list(metrics) == ["base", "true", *LOSSES, "mse_best"]
    assert start_index.tolist() == [0, 0, 1, 1]
    for name, entry in metrics.items():
        assert entry["rollouts"] == 4 and entry["steps"] == 5 and len(entry["returns"]) == 4
        assert rollouts[name].actions.shape == (4, 5, 2)
    best = metrics["mse_best"]
    assert best["selected_epoch"] in (1, 2) and best["checkpoint"] == "best" and metrics["mse"]["checkpoint"] == "last"
    assert best["return_mean"] >= metrics["mse"]["return_mean"] - 1e-9  # the last network is among the candidates
    assert metrics["base"]["erc"] is None and 0 <= metrics["mse"]["erc"] <= 1
    # the base row is exactly the unguided planner on the same noise
    alone = planned_rollouts(
        trained,
        spec,
        start_states(spec, [(1, 1), (1, 1), (3, 1), (3, 1)]),
        5,
        1,
        evaluation_reward(spec),
        seed=0,
        progress=False,
    )
    np.testing.assert_allclose(rollouts["base"].observations, alone.observations, atol=2e-3)
    # every rollout's states and actions are kept, and the figures read positions back
    save_rollouts(tmp_path / "r.npz", rollouts, start_index)
    positions, index = load_positions(tmp_path / "r.npz")
    np.testing.assert_array_equal(positions["true"], rollouts["true"].observations[..., :2])
    assert index.tolist() == start_index.tolist()


def test_halfcheetah_has_no_true_reward_row(tmp_path):
    spec = get_environment("halfcheetah")
    trained = tiny_trained(tmp_path, "hc", 17, 6)
    learnt = {loss: RewardMLP(trained.diffusion.horizon, 23, [8]) for loss in LOSSES}
    from diffirl.evaluation import ErcWindows

    rows = np.random.default_rng(0).normal(size=(6, trained.diffusion.horizon, 23))
    metrics, rollouts, _ = evaluate_diffuser_methods(
        trained,
        spec,
        settings(start_cells=[], rollouts_per_start=2, steps=3, gamma=0.99),
        GUIDANCE,
        learnt,
        {},
        ErcWindows(rows, rows[..., 0].sum(1)),
        progress=False,
    )
    assert list(metrics) == ["base", *LOSSES]
    assert metrics["base"]["discounted_return"][0] != metrics["base"]["return_mean"]
