"""The reward-recovery benchmark's parts (issue 32): the goal rewards of the family, the controls
and their metrics, the recovery ratio, and the settings refused before any work."""

import numpy as np
import pandas as pd
import pytest
import torch

from diffirl.data.format import Dataset
from diffirl.diffusion.sampling import draw_noise
from diffirl.envs.maze import U_MAZE
from diffirl.envs.registry import get_environment
from diffirl.methods.thesis.reward_model import RewardMLP
from diffirl.params import ParameterError
from diffirl.params.load import validate_params
from diffirl.params.scale import compose
from diffirl.params.schema import EpicSettings, RecoveryControls
from diffirl.reports.recovery import (
    controls_finding,
    distance_interval,
    leaderboard_row,
    learnt_finding,
    ratio_figure,
    recovery_ratio,
)
from diffirl.rewards.controls import control_guide, controls_of, transition_reward
from diffirl.rewards.coverage import COVERAGES, epic_samples, learnt_transition_reward
from diffirl.rewards.epic import epic_distance
from diffirl.rewards.gradient_agreement import gradient_cosines
from diffirl.rewards.true_reward import CellReward
from diffirl.variants import RECOVERY_MEMBERS, recovery_member_name, recovery_members, variant_params
from tests.test_planning import tiny_trained

CONTROLS = RecoveryControls.model_validate(
    {"rescale": 3.0, "shaping": {"potential_cell": [1, 1], "potential_weight": 10.0}}
)
GAMMA = 0.99


# --- the family's rewards -----------------------------------------------------------------------
def test_a_goal_reward_is_minus_the_distance_to_its_cell_and_guides_with_finite_gradients():
    goal = CellReward(U_MAZE, 0.0, 0.0, goal_cell=(1.0, 3.0), goal_weight=5.0)
    cells = np.array([[1.0, 3.0], [1.0, 1.0], [3.0, 3.0]])
    np.testing.assert_allclose(goal(U_MAZE.cell_to_xy(cells)), [0.0, -10.0, -10.0], atol=1e-5)
    assert goal.best_cell() == (1, 3)
    assert goal.describe() == "-5|(i, j) - (1, 3)|"
    at_goal = torch.tensor(U_MAZE.cell_to_xy(cells[:1]), requires_grad=True)
    goal(at_goal).sum().backward()
    assert torch.isfinite(at_goal.grad).all()


@pytest.mark.parametrize("environment", ["umaze", "large"])
def test_the_family_is_the_recovery_variants_with_valid_rewards_and_per_step_networks(environment):
    raw = compose("smoke")
    members = [v for v in recovery_members("full") if v.extends is None and v.environments == (environment,)]
    names = [recovery_member_name(v) for v in members]
    assert names == ["per_step", *RECOVERY_MEMBERS[environment]]
    if environment == "umaze":  # make recovery: the per-step thesis member and the first five, one loss each
        core = [recovery_member_name(v) for v in recovery_members("core")]
        assert core == ["per_step", "corner_nw", "corner_ne", "edge_s", "goal_1_3", "goal_3_1"]
    own = {v.name: variant_params(raw, v.name) for v in members}
    assert {getattr(p.reward_learning, environment).structure for p in own.values()} == {"per_step"}
    # the per-step variant learns the study's reward; every other member differs from it and from each other
    study = validate_params(raw)
    per_step = own.pop(members[0].name)
    assert getattr(study.reward_learning, environment).structure == "window"
    assert getattr(per_step.true_reward, environment) == getattr(study.true_reward, environment)
    rewards = [getattr(p.true_reward, environment).model_dump() for p in own.values()]
    rewards.append(getattr(study.true_reward, environment).model_dump())
    assert len({tuple(sorted(r.items())) for r in rewards}) == len(rewards) == len(RECOVERY_MEMBERS[environment]) + 1
    maze = get_environment(environment).maze
    directions = {(np.sign(r["row_weight"]), np.sign(r["column_weight"])) for r in rewards if r["goal_cell"] is None}
    assert len(directions) == 8  # four corners and four edge midpoints, the thesis's bottom-right among them
    assert len([r for r in rewards if r["goal_cell"] is not None]) == 4
    for params in own.values():
        reward = CellReward(maze, **getattr(params.true_reward, environment).model_dump())
        if environment == "large":  # experts plan to a goal cell: the member's reward's best cell
            assert params.experts.large.goal_cell == reward.best_cell()


@pytest.mark.parametrize(
    ("overlay", "message"),
    [
        ({"goal_cell": [2, 1], "goal_weight": 5.0}, r"true_reward\.umaze\.goal_cell = \[2\.0, 1\.0\] lies in a wall"),
        ({"goal_cell": [9, 9], "goal_weight": 5.0}, r"true_reward\.umaze\.goal_cell = \[9\.0, 9\.0\] .*outside"),
        ({"goal_cell": [1, 3], "goal_weight": 0.0}, "a goal term needs both"),
        ({"goal_cell": None, "goal_weight": 0.0}, "no goal term: a constant reward"),
    ],
)
def test_a_family_member_is_refused_before_work_with_its_key(overlay, message):
    raw = compose("smoke")
    raw["variants"]["recovery_goal_1_3"]["true_reward"]["umaze"].update(overlay)
    with pytest.raises(ParameterError, match=message) as error:
        variant_params(raw, "recovery_goal_1_3")
    assert "\n" not in str(error.value).strip()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "potential_cell",
            [2, 2],
            r"recovery\.umaze\.controls\.shaping\.potential_cell = \[2\.0, 2\.0\] lies in a wall",
        ),
        ("potential_weight", 0.0, r"recovery\.umaze\.controls\.shaping\.potential_weight"),
    ],
)
def test_a_bad_shaping_potential_is_named(key, value, message):
    raw = compose("smoke")
    raw["recovery"]["umaze"]["controls"]["shaping"][key] = value
    with pytest.raises(ParameterError, match=message):
        validate_params(raw)


def test_a_discount_above_one_is_named():
    raw = compose("smoke")
    raw["recovery"]["umaze"]["gamma"] = 1.5
    message = r"recovery\.umaze\.gamma"
    with pytest.raises(ParameterError, match=message):
        validate_params(raw)


def test_a_rescale_of_one_is_no_control():
    raw = compose("smoke")
    raw["recovery"]["umaze"]["controls"]["rescale"] = 1.0
    with pytest.raises(ParameterError, match="rescale = 1 leaves the reward as it is"):
        validate_params(raw)


# --- the controls and their metrics -------------------------------------------------------------
def point_mass_dataset(n: int = 400, seed: int = 0) -> Dataset:
    """Episodes of 40 steps of a point mass inside the U-Maze's free cells."""
    rng = np.random.default_rng(seed)
    cells = U_MAZE.free_cells[rng.integers(len(U_MAZE.free_cells), size=n)]
    xy = U_MAZE.cell_to_xy(cells + rng.uniform(-0.4, 0.4, size=(n, 2)))
    observations = np.column_stack([xy, rng.normal(0, 1, (n, 2))]).astype(np.float32)
    ends = np.zeros(n, dtype=bool)
    ends[39::40] = True
    return Dataset(
        observations,
        rng.uniform(-1, 1, (n, 2)).astype(np.float32),
        np.zeros(n, np.float32),
        ends,
        np.zeros(n, dtype=bool),
    )


def test_epic_of_the_controls_is_what_the_theory_says_on_both_coverages():
    reward = CellReward(U_MAZE)
    controls = controls_of(reward, CONTROLS, GAMMA)
    settings = EpicSettings(coverage_transitions=300, canonical_samples=64, seed=0)
    samples = epic_samples(point_mass_dataset(), U_MAZE, settings, GAMMA)
    assert list(samples) == list(COVERAGES)
    for coverage, canonical in samples.values():
        distance = {
            name: epic_distance(transition_reward(c), transition_reward(reward), coverage, canonical)
            for name, c in controls.items()
        }
        assert distance["rescaled"] == pytest.approx(0.0, abs=1e-6)
        assert distance["shaped"] == pytest.approx(0.0, abs=1e-6)
        assert distance["sign_flipped"] == pytest.approx(1.0, abs=1e-6)
        # the shaping changes the reward itself, not only its canonical form
        shaped = transition_reward(controls["shaped"])(coverage.states, coverage.actions, coverage.next_states)
        plain = transition_reward(reward)(coverage.states, coverage.actions, coverage.next_states)
        assert np.abs(shaped - plain).max() > 1.0
    again = epic_samples(point_mass_dataset(), U_MAZE, settings, GAMMA)
    assert np.array_equal(again["uniform"][0].states, samples["uniform"][0].states)


def test_a_per_step_network_sums_one_reward_per_transition_which_epic_reads(tmp_path):
    observation_dim, action_dim = 4, 2
    trained = tiny_trained(tmp_path, "tiny", observation_dim, action_dim)
    torch.manual_seed(0)
    network = RewardMLP(8, action_dim + observation_dim, [16, 8], structure="per_step")
    plans = torch.randn(3, 8, action_dim + observation_dim)
    torch.testing.assert_close(network(plans), network.per_step(plans).sum(dim=1))
    # any length: ERC's windows and the plans alike
    assert network(plans[:, :5]).shape == (3,)
    network.save(tmp_path / "r.pt")
    loaded = RewardMLP.load(tmp_path / "r.pt")
    assert loaded.structure == "per_step"
    torch.testing.assert_close(loaded(plans), network(plans))
    with pytest.raises(ValueError, match="a window network has no per-step reward"):
        RewardMLP(8, 6, [4]).per_step(plans)

    reward = learnt_transition_reward(network, trained)
    states, actions = np.random.default_rng(0).normal(size=(5, observation_dim)), np.ones((5, action_dim))
    rows = trained.normalizer.normalize(torch.as_tensor(np.concatenate([actions, states], 1), dtype=torch.float32))
    expected = network.per_step(rows[:, None, :])[:, 0].detach().numpy()
    np.testing.assert_allclose(reward(states, actions, states), expected, rtol=1e-6)


def test_uniform_coverage_spreads_over_the_free_cells_with_the_datasets_steps():
    dataset = point_mass_dataset()
    drawn = COVERAGES["uniform"](dataset, U_MAZE, 2000, np.random.default_rng(1))
    assert not U_MAZE.in_wall(drawn.states[:, :2]).any()
    occupied = {tuple(c) for c in U_MAZE.cell_index(drawn.states[:, :2])}
    assert occupied == {tuple(c) for c in U_MAZE.free_cells}


def test_control_guides_sum_their_rewards_over_the_plan_and_steer_as_theory_says(tmp_path):
    observation_dim, action_dim, chains = 4, 2, 5
    trained = tiny_trained(tmp_path, "tiny", observation_dim, action_dim)
    shift, scale = torch.zeros(action_dim + observation_dim), torch.ones(action_dim + observation_dim)
    reward = CellReward(U_MAZE)
    controls = controls_of(reward, CONTROLS, GAMMA)
    guides = {name: control_guide(c, action_dim, shift, scale) for name, c in controls.items()}
    plans = torch.randn(3, 8, action_dim + observation_dim, dtype=torch.float64)
    states = plans[..., action_dim:].numpy()
    expected = sum(
        transition_reward(controls["shaped"])(states[:, k], None, states[:, k + 1]) for k in range(7)
    ) + reward(states[:, 7, :2])
    np.testing.assert_allclose(guides["shaped"](plans).numpy(), expected, rtol=1e-10)

    generator = torch.Generator().manual_seed(0)
    conditions = {0: torch.randn(chains, observation_dim, generator=generator)}
    noise = draw_noise(trained.diffusion, chains, generator)
    reference = control_guide(reward, action_dim, shift, scale)
    cosines = gradient_cosines(trained.diffusion, conditions, guides, reference, noise)
    np.testing.assert_allclose(cosines["rescaled"], 1.0, atol=1e-5)
    np.testing.assert_allclose(cosines["sign_flipped"], -1.0, atol=1e-5)
    assert (cosines["shaped"] < 0.999).all()


# --- the leaderboard -----------------------------------------------------------------------------
def test_recovery_ratio_is_the_ratio_of_mean_lifts_with_a_repeatable_paired_interval():
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, 200)
    true = base + 4 + rng.normal(0, 0.5, 200)
    half = base + 2 + rng.normal(0, 0.5, 200)
    ratio, low, high = recovery_ratio(half, true, base, 0.95, 1000, 0)
    assert ratio == pytest.approx(np.mean(half - base) / np.mean(true - base))
    assert low < ratio < high and 0.4 < low and high < 0.6
    assert recovery_ratio(half, true, base, 0.95, 1000, 0) == (ratio, low, high)
    assert recovery_ratio(base, true, base, 0.95, 1000, 0)[0] == 0.0


def test_a_distance_interval_contains_the_distance_and_narrows_with_more_pairs():
    low, high = distance_interval(0.3, 100, 0.95)
    wide_low, wide_high = distance_interval(0.3, 20, 0.95)
    assert 0 <= wide_low < low < 0.3 < high < wide_high <= 1
    assert np.isnan(distance_interval(float("nan"), 100, 0.95)).all()


def test_the_page_says_which_methods_recover_and_whether_the_controls_behave():
    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, 50)
    rollouts = {"base": {"returns": base}, "true": {"returns": base + 5}}
    rollouts |= {"good": {"returns": base + 4}, "none": {"returns": base + rng.normal(0, 1, 50)}}
    rollouts |= {name: {"returns": base + 5} for name in ("rescaled", "shaped", "sign_flipped")}
    common = dict(statistic="returns", erc_windows=100, confidence=0.95, resamples=200, seed=0)
    rows = [
        leaderboard_row(
            "thesis", "5i + 5j", "good", "learnt", rollouts, erc=0.8, cosines=[0.3] * 4, epic=None, **common
        ),
        leaderboard_row(
            "corner_nw", "-5i - 5j", "none", "learnt", rollouts, erc=0.1, cosines=[0.0, 0.1], epic=None, **common
        ),
    ]
    theory = {"rescaled": (0.0, 1.0), "shaped": (0.0, 0.6), "sign_flipped": (1.0, -1.0)}
    rows += [
        leaderboard_row(
            "thesis",
            "5i + 5j",
            name,
            "control",
            rollouts,
            erc=epic,
            cosines=[cos] * 3,
            epic={"dataset": epic, "uniform": epic},
            **common,
        )
        for name, (epic, cos) in theory.items()
    ]
    # a member whose true reward steers the base diffuser down: a method that steers it further down has a
    # positive ratio, which measures nothing
    worse = {"base": {"returns": base}, "true": {"returns": base - 5}, "good": {"returns": base - 10}}
    rows.append(
        leaderboard_row("edge", "5i", "good", "learnt", worse, erc=0.5, cosines=[0.1, 0.2], epic=None, **common)
    )
    frame = pd.DataFrame(rows)
    assert frame.iloc[-1]["recovery_low"] > 1
    assert "good recovers 1 of 2 rewards it learnt from" in learnt_finding(frame[frame["kind"] == "learnt"])
    assert "(edge: its guide is no better a planner than none)" in learnt_finding(frame[frame["kind"] == "learnt"])
    frame = frame.iloc[:-1]
    assert np.isnan(frame.loc[0, "epic_dataset"]) and frame.loc[2, "epic_uniform"] == 0.0
    learnt = learnt_finding(frame[frame["kind"] == "learnt"])
    assert "good recovers 1 of 1 rewards it learnt from (recovery ratio's interval above 0: thesis)" in learnt
    assert "none recovers none of 1 rewards it learnt from." in learnt
    controls = controls_finding(frame[frame["kind"] == "control"])
    assert controls.count("as predicted") == 3 and "NOT" not in controls
    frame.loc[frame["method"] == "shaped", "epic_dataset"] = 0.2
    assert "shaped: EPIC 0.2, 0 (theory 0, NOT as predicted)" in controls_finding(frame[frame["kind"] == "control"])
    figure = ratio_figure(frame)
    assert len(figure.axes[0].texts) == 5 * 2  # methods x members, every cell labelled


def test_a_baselines_reward_guides_with_the_sum_of_its_transitions_rewards():
    import gymnasium as gym
    from imitation.rewards.reward_nets import BasicShapedRewardNet

    from diffirl.methods.baselines.evaluation import recovered_reward
    from diffirl.methods.baselines.reward_guide import TransitionRewardGuide, baseline_transition_reward

    observation_dim, action_dim = 4, 2
    torch.manual_seed(0)
    shaped = BasicShapedRewardNet(gym.spaces.Box(-10, 10, (observation_dim,)), gym.spaces.Box(-1, 1, (action_dim,)))
    net = recovered_reward(shaped, "unshaped")
    shift, scale = torch.full((6,), 0.5), torch.full((6,), 2.0)
    guide = TransitionRewardGuide(net, action_dim, shift, scale)
    plans = torch.randn(3, 5, 6)
    raw = (plans * scale + shift).numpy()
    actions, states = raw[..., :action_dim], raw[..., action_dim:]
    next_states = np.concatenate([states[:, 1:], states[:, -1:]], axis=1)
    reward = baseline_transition_reward(net)
    expected = [reward(states[i], actions[i], next_states[i]).sum() for i in range(3)]
    np.testing.assert_allclose(guide(plans).detach().numpy(), expected, rtol=1e-5)
    plans.requires_grad_(True)
    guide(plans).sum().backward()
    assert torch.isfinite(plans.grad).all() and plans.grad.abs().sum() > 0
