"""Reward transfer: d3rlpy's TD3+BC behind the learners' interface, resumable training, the shuffled
control, the transfer table's pairing and the settings' validation."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from diffirl.diffusion.normalization import Normalizer
from diffirl.params import ParameterError
from diffirl.params.load import validate_params
from diffirl.params.scale import compose
from diffirl.params.schema import DiffCPSParams, TD3BCParams
from diffirl.reports.transfer import learner_finding, paper_comparison, published_columns, transfer_row
from diffirl.transfer.diffcps import OfflineData
from diffirl.transfer.learners import LEARNERS, train_resumably
from diffirl.transfer.rewards import shuffled
from diffirl.transfer.steering import check_same_normaliser

from .test_diffcps import two_mode_bandit

SMALL_TD3_BC = TD3BCParams(
    updates=400, alpha=2.5, batch_size=64, learning_rate=1e-3, discount=0.99, target_rate=0.005, policy_interval=2
)
SMALL_DIFFCPS = DiffCPSParams(
    updates=40,
    diffusion_steps=5,
    beta_min=0.1,
    beta_max=10.0,
    hidden_units=32,
    learning_rate=1e-3,
    lambda_learning_rate=1e-2,
    initial_lambda=1.0,
    kl_budget=0.06,
    lambda_min=0.0,
    policy_interval=2,
    discount=0.99,
    target_rate=0.005,
    batch_size=64,
)
SETTINGS = {"diffcps": SMALL_DIFFCPS, "td3_bc": SMALL_TD3_BC}


def test_on_a_two_mode_bandit_td3_bc_moves_from_the_modes_mean_towards_the_good_one():
    torch.set_num_threads(1)
    data = two_mode_bandit()
    learner = LEARNERS["td3_bc"].build(data, SMALL_TD3_BC, 0)
    for _ in range(SMALL_TD3_BC.updates):
        learner.update(data)
    actions = learner.act(np.random.default_rng(1).normal(0, 1, (500, 2)))[:, 0]
    # behaviour cloning alone would give the modes' mean, 0; the critic pulls towards +0.6 (reward 1)
    assert actions.mean() > 0.2 and (actions > 0).mean() > 0.9


class Killed(Exception):
    """Raised inside an update: the run stops there, as a SIGKILL would stop it."""


def continuing(data: OfflineData) -> OfflineData:
    """The bandit with no terminal: every target then reads the next state's value (and its noise)."""
    arrays = (data.states, data.actions, data.rewards, data.next_states)
    return OfflineData.from_arrays(*(a.numpy() for a in arrays), np.zeros(len(data)))


@pytest.mark.parametrize("learner", sorted(LEARNERS))
def test_training_killed_after_a_checkpoint_resumes_to_the_uninterrupted_weights(learner, tmp_path):
    data, settings, kind = continuing(two_mode_bandit(n=256)), SETTINGS[learner], LEARNERS[learner]
    # an odd checkpoint interval: the run resumes at an update of the other parity of the delayed update
    updates, every = 11, 3

    uninterrupted = kind.build(data, settings, 3)
    whole = train_resumably(uninterrupted, data, updates, tmp_path / "whole.pt", {"run": "a"}, every, "whole")

    killed = kind.build(data, settings, 3)
    original_update = killed.update

    def update_then_die(batch):
        if killed.updates == 10:  # past the checkpoint of update 9
            raise Killed
        return original_update(batch)

    killed.update = update_then_die
    with pytest.raises(Killed):
        train_resumably(killed, data, updates, tmp_path / "part.pt", {"run": "a"}, every, "killed")

    resumed = kind.build(data, settings, 3)
    result = train_resumably(resumed, data, updates, tmp_path / "part.pt", {"run": "a"}, every, "resumed")
    # the latest losses (and, for DiffCPS, the multiplier) as the uninterrupted run's, at its last update
    assert result.resumed_from == 9 and result.latest == whole.latest and result.latest["update"] == updates
    probes = np.random.default_rng(0).normal(0, 1, (20, 2))
    controller = lambda trained: kind.controller(trained, 0)(0, probes)
    assert np.array_equal(controller(uninterrupted), controller(resumed))


def test_a_checkpoint_of_other_settings_is_not_resumed(tmp_path):
    data, kind = two_mode_bandit(n=256), LEARNERS["td3_bc"]
    train_resumably(kind.build(data, SMALL_TD3_BC, 0), data, 6, tmp_path / "c.pt", {"run": "a"}, 2, "a")
    result = train_resumably(kind.build(data, SMALL_TD3_BC, 0), data, 6, tmp_path / "c.pt", {"run": "b"}, 2, "b")
    assert result.resumed_from == 0


def test_a_diverging_critic_stops_training_naming_the_update(tmp_path):
    data = two_mode_bandit(n=256)
    huge = OfflineData.from_arrays(
        data.states.numpy(), data.actions.numpy(), np.full(len(data), 1e30), data.states.numpy(), np.ones(len(data))
    )
    learner = LEARNERS["td3_bc"].build(huge, SMALL_TD3_BC, 0)
    with pytest.raises(FloatingPointError, match="update 1"):
        train_resumably(learner, huge, 5, tmp_path / "c.pt", {"run": "a"}, 2, "td3_bc on huge")


def test_the_shuffled_control_permutes_the_true_rewards_values_the_same_way_every_time():
    states = np.arange(20, dtype=float).reshape(10, 2)
    true = lambda s, a, n: s[:, 0] * 2.0
    control = shuffled(true, seed=0)
    values = control(states, None, None)
    assert sorted(values) == sorted(true(states, None, None))
    assert not np.array_equal(values, true(states, None, None))
    assert np.array_equal(values, control(states, None, None))


def row_of(reward, returns, true_returns, control_returns=None):
    control_returns = np.zeros_like(true_returns) if control_returns is None else control_returns
    return transfer_row(
        "umaze",
        "offline_rl",
        "td3_bc",
        "TD3+BC",
        reward,
        "learnt",
        "r",
        returns,
        true_returns,
        control_returns,
        0.95,
        500,
        0,
    )


def test_a_transfer_row_pairs_each_rollout_with_the_true_rewards_learner():
    true = np.array([10.0, 20.0, 30.0, 40.0])
    row = row_of("mse_per_step", true / 2, true)
    assert row["transfer_score"] == pytest.approx(0.5)
    assert row["lift_mean"] == pytest.approx(-12.5) and row["lift_low"] < -12.5 < row["lift_high"]
    assert row["score_low"] <= 0.5 <= row["score_high"]
    # paired: a constant offset per rollout is known exactly, whatever the spread of the returns
    shifted = row_of("airl", true - 5, true)
    assert shifted["lift_low"] == pytest.approx(-5) and shifted["lift_high"] == pytest.approx(-5)
    assert row_of("true", true, true)["transfer_score"] == 1.0
    # over the control, paired the same way: above it by 2 on every rollout
    over = row_of("mse_per_step", true - 5, true, control_returns=true - 7)
    assert over["over_control_low"] == pytest.approx(2) and over["over_control_high"] == pytest.approx(2)
    with pytest.raises(ValueError, match="3 rollouts against 4 on the true reward"):
        row_of("airl", true[:3], true)
    with pytest.raises(ValueError, match="4 rollouts against 3 on the control"):
        row_of("airl", true, true, control_returns=true[:3])


def test_with_a_floor_the_transfer_score_is_the_ratio_of_the_returns_above_it():
    # HalfCheetah: returns measured from D4RL's random policy's, so a negative return scores sensibly
    true = np.array([-200.0, -200.0, -200.0, -200.0])
    better = transfer_row(
        "halfcheetah",
        "offline_rl",
        "td3_bc",
        "TD3+BC",
        "airl",
        "learnt",
        "r",
        true + 100,
        true,
        true,
        0.95,
        500,
        0,
        d4rl_reference=(-280.0, 12135.0),
    )
    assert better["transfer_score"] == pytest.approx(180 / 80)
    assert better["d4rl_score_mean"] == pytest.approx(100 * 180 / 12415) and better["d4rl_score_se"] == 0
    assert row_of("airl", true + 100, true)["transfer_score"] == pytest.approx(0.5)  # from 0: upside down
    assert row_of("airl", true + 100, true)["d4rl_score_mean"] is None  # the mazes: no D4RL score


def test_diffcps_on_the_true_reward_is_set_beside_its_papers_score_where_one_compares():
    assert published_columns("halfcheetah", "diffcps", "reference") == {
        "paper_task": "halfcheetah-medium-expert-v2",
        "paper_d4rl_score_mean": 100.3,
        "paper_d4rl_score_std": 4.1,
    }
    for environment, learner, kind in (
        ("halfcheetah", "td3_bc", "reference"),
        ("halfcheetah", "diffcps", "learnt"),
        ("umaze", "diffcps", "reference"),
    ):
        assert set(published_columns(environment, learner, kind).values()) == {None}
    row = {"d4rl_score_mean": 40.0, "d4rl_score_se": 1.5, "rollouts": 10} | published_columns(
        "halfcheetah", "diffcps", "reference"
    )
    rows = pd.DataFrame([row, {"rollouts": 10} | published_columns("halfcheetah", "td3_bc", "reference")])
    (text,) = paper_comparison(rows)
    assert "40.0 ± 1.5" in text and "100.3 ± 4.1" in text and "halfcheetah-medium-expert-v2" in text
    assert paper_comparison(rows.iloc[1:]) == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("updates", 0, r"transfer\.umaze\.learners\.diffcps\.updates"),
        ("beta_max", 0.05, r"beta_max \(0\.05\) must exceed beta_min"),
        ("discount", 1.0, r"transfer\.umaze\.learners\.diffcps\.discount"),
    ],
)
def test_a_bad_transfer_setting_is_refused_naming_its_key(root, key, value, message):
    raw = compose("smoke", root / "scales")
    raw["transfer"]["umaze"]["learners"]["diffcps"][key] = value
    with pytest.raises(ParameterError, match=message):
        validate_params(raw)


def test_an_independent_diffuser_seeded_as_the_studys_is_refused(root):
    raw = compose("smoke", root / "scales")
    raw["transfer"]["umaze"]["independent_diffuser_seed"] = raw["diffusers"]["umaze"]["seed"]
    with pytest.raises(ParameterError, match=r"transfer\.umaze\.independent_diffuser_seed \(0\) equals"):
        validate_params(raw)


def test_the_independent_diffusers_seed_is_needed_where_the_steering_test_runs_alone(root):
    raw = compose("smoke", root / "scales")
    assert "independent_diffuser_seed" not in raw["transfer"]["halfcheetah"]  # no steering test there
    validate_params(raw)
    del raw["transfer"]["umaze"]["independent_diffuser_seed"]
    with pytest.raises(ParameterError, match=r"transfer\.umaze\.independent_diffuser_seed is not set"):
        validate_params(raw)


def test_steering_refuses_a_diffuser_that_normalises_plans_otherwise():
    normaliser = lambda shift: SimpleNamespace(normalizer=Normalizer(torch.tensor(shift), torch.ones(2)))
    check_same_normaliser(normaliser([0.0, 1.0]), normaliser([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"normaliser shift differs .* \(largest difference 0.5\)"):
        check_same_normaliser(normaliser([0.0, 1.0]), normaliser([0.0, 1.5]))


def test_the_finding_says_when_the_true_reward_itself_does_not_beat_the_control():
    true = np.array([10.0, 20.0, 30.0, 40.0])
    rows = [
        {**row_of(name, returns, true, control_returns=true + offset), "kind": kind}
        for name, returns, offset, kind in (
            ("true", true, 0.0, "reference"),
            ("shuffled", true, 0.0, "control"),
            ("mse_per_step", true + 5, 0.0, "learnt"),
        )
    ]
    finding = learner_finding(pd.DataFrame(rows))
    assert "does not beat the control" in finding and "returns more than the control's" in finding
    rows[0] = {**row_of("true", true + 3, true + 3, control_returns=true), "kind": "reference"}
    assert "does not beat the control" not in learner_finding(pd.DataFrame(rows))
    assert "D4RL" not in learner_finding(pd.DataFrame(rows))  # the mazes: no D4RL score


def test_the_finding_gives_the_d4rl_score_and_warns_when_it_is_near_the_random_policys():
    def finding(true_return):
        true = np.full(4, true_return) + np.array([0.0, 1.0, 2.0, 3.0])
        rows = [
            {
                **transfer_row(
                    "halfcheetah",
                    "offline_rl",
                    "diffcps",
                    "DiffCPS",
                    name,
                    kind,
                    "r",
                    returns,
                    true,
                    true - 50,
                    0.95,
                    200,
                    0,
                    d4rl_reference=(-280.0, 12120.0),
                ),
                "kind": kind,
            }
            for name, returns, kind in (("true", true, "reference"), ("shuffled", true - 50, "control"))
        ]
        return learner_finding(pd.DataFrame(rows))

    assert "(D4RL score 0.2)" in finding(-260.0) and "within 5 of the random policy's" in finding(-260.0)
    assert "(D4RL score 10.2)" in finding(980.0) and "random policy" not in finding(980.0)
