"""DiffCPS, the reward-transfer learner (its schedule, its multiplier, a bandit with a known best
action), and the relabelled data it trains on."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from diffirl.data.format import Dataset
from diffirl.transfer.diffcps import DiffCPS, DiffCPSSettings, OfflineData, train, variance_preserving_betas
from diffirl.transfer.relabel import recorded_reward, relabelled, transitions

#: small networks and batches: the bandit needs no more
SMALL = DiffCPSSettings(hidden_units=32, batch_size=64, learning_rate=1e-3, lambda_learning_rate=1e-2)


def test_the_variance_preserving_schedule_ends_where_its_integral_says():
    betas = variance_preserving_betas(5, beta_min=0.1, beta_max=10.0)
    assert ((betas > 0) & (betas < 1)).all() and (betas.diff() > 0).all()
    # sum_i -log(1 - beta_i) = beta_min + (beta_max - beta_min) / 2
    assert torch.prod(1 - betas).item() == pytest.approx(math.exp(-(0.1 + 9.9 / 2)))


def two_mode_bandit(n: int = 2000, seed: int = 0) -> OfflineData:
    """One step from any state: actions near +0.6 earn 1, actions near -0.6 earn 0, half each."""
    rng = np.random.default_rng(seed)
    good = rng.random(n) < 0.5
    actions = (np.where(good, 0.6, -0.6) + rng.normal(0, 0.05, n))[:, None]
    states = rng.normal(0, 1, (n, 2))
    return OfflineData.from_arrays(states, actions, good.astype(float), states, np.ones(n))


def test_on_a_two_mode_bandit_diffcps_takes_the_good_mode_where_behaviour_cloning_averages_them():
    torch.set_num_threads(1)
    data = two_mode_bandit()
    learner = DiffCPS(2, 1, DiffCPSSettings(**{**SMALL.__dict__, "kl_budget": 0.3}), seed=0)
    train(learner, data, updates=800)
    probes = np.random.default_rng(1).normal(0, 1, (500, 2))
    actions = learner.act(probes, torch.Generator().manual_seed(1))[:, 0]
    # the data's actions are half on each side; the policy's, mostly on the good one
    assert (actions > 0.3).mean() > 0.65 and (actions < -0.3).mean() < 0.15
    # behaviour cloning by least squares: the mean of the two modes, whatever the state
    design = np.c_[data.states.numpy(), np.ones(len(data))]
    weights, *_ = np.linalg.lstsq(design, data.actions.numpy(), rcond=None)
    cloned = np.c_[probes, np.ones(len(probes))] @ weights
    assert np.abs(cloned).max() < 0.15


def test_the_multiplier_falls_to_zero_under_a_loose_budget_and_rises_under_a_tight_one():
    data = two_mode_bandit(n=256)
    loose = DiffCPS(2, 1, DiffCPSSettings(**{**SMALL.__dict__, "kl_budget": 10.0}), seed=0)
    assert train(loose, data, updates=300)[-1].multiplier == 0.0
    tight = DiffCPS(2, 1, DiffCPSSettings(**{**SMALL.__dict__, "kl_budget": 0.0}), seed=0)
    records = [r for r in train(tight, data, updates=100) if r.multiplier is not None]
    assert all(b.multiplier > a.multiplier for a, b in zip(records, records[1:]))
    assert len(records) == 50  # one policy and multiplier update per two critic updates


def test_the_same_seed_gives_the_same_policy():
    data = two_mode_bandit(n=256)
    a, b = (DiffCPS(2, 1, SMALL, seed=3) for _ in range(2))
    train(a, data, updates=20), train(b, data, updates=20)
    for p, q in zip(a.policy.parameters(), b.policy.parameters()):
        assert torch.equal(p, q)


def test_a_learner_restored_from_its_state_continues_as_the_uninterrupted_one(tmp_path):
    data = two_mode_bandit(n=256)
    uninterrupted, interrupted = (DiffCPS(2, 1, SMALL, seed=5) for _ in range(2))
    train(uninterrupted, data, updates=15)
    train(interrupted, data, updates=7)  # stopped after a critic-only update, mid-interval
    torch.save(interrupted.state_dict(), tmp_path / "state.pt")
    resumed = DiffCPS(2, 1, SMALL, seed=99)
    resumed.load_state_dict(torch.load(tmp_path / "state.pt", weights_only=False))
    train(resumed, data, updates=8)
    for p, q in zip(uninterrupted.policy.parameters(), resumed.policy.parameters()):
        assert torch.equal(p, q)
    assert resumed.multiplier.item() == uninterrupted.multiplier.item()


def test_non_finite_transitions_are_refused_naming_the_field():
    states = np.zeros((4, 2))
    with pytest.raises(ValueError, match="rewards"):
        OfflineData.from_arrays(states, np.zeros((4, 1)), np.array([0, 1, np.nan, 0]), states, np.ones(4))


def two_episode_dataset() -> Dataset:
    """Two episodes of 3 and 2 rows: 2 + 1 transitions inside them."""
    observations = np.arange(10, dtype=np.float64).reshape(5, 2)
    return Dataset(
        observations=observations,
        actions=np.array([[1.0], [2.0], [3.0], [4.0], [5.0]]),
        rewards=np.zeros(5),
        terminals=np.zeros(5, dtype=bool),
        timeouts=np.array([False, False, True, False, True]),
    )


def test_a_relabelled_dataset_holds_the_transitions_inside_episodes_with_the_rewards_standardised():
    data = relabelled(transitions([two_episode_dataset()]), lambda s, a, s_next: a[:, 0] * 10.0, "ten times the action")
    assert data.actions[:, 0].tolist() == [1.0, 2.0, 4.0]  # no transition across an episode's end
    assert torch.equal(data.next_states, torch.tensor([[2.0, 3.0], [4.0, 5.0], [8.0, 9.0]]))
    expected = np.array([10.0, 20.0, 40.0])
    assert data.rewards.numpy() == pytest.approx((expected - expected.mean()) / expected.std(), abs=1e-6)
    assert not data.terminals.any()


def test_transitions_of_two_datasets_never_cross_from_one_to_the_next_and_keep_the_recorded_reward():
    first, second = two_episode_dataset(), two_episode_dataset()
    second = replace(second, observations=second.observations + 100, rewards=np.arange(5.0))
    data = transitions([first, second])
    assert data.actions[:, 0].tolist() == [1.0, 2.0, 4.0] * 2  # 3 inside each dataset's episodes
    assert data.next_states[:, 0].tolist() == [2.0, 4.0, 8.0, 102.0, 104.0, 108.0]
    assert data.recorded_rewards.tolist() == [0.0, 0.0, 0.0, 0.0, 1.0, 3.0]


def test_the_recorded_reward_relabels_its_own_data_and_refuses_any_other_transitions():
    first = two_episode_dataset()
    data = transitions([first, replace(first, rewards=np.array([1.0, 2.0, 0.0, 4.0, 0.0]))])
    labelled = relabelled(data, recorded_reward(data), "recorded")
    expected = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 4.0])
    assert labelled.rewards.numpy() == pytest.approx((expected - expected.mean()) / expected.std(), abs=1e-6)
    with pytest.raises(ValueError, match="known only on the transitions of the data that recorded it"):
        recorded_reward(data)(data.states.copy(), data.actions, data.next_states)


@pytest.mark.parametrize(
    ("reward", "message"),
    [
        (lambda s, a, s_next: np.where(a[:, 0] > 3, np.inf, 0.0), r"'broken' is not finite on 1 of 3"),
        (lambda s, a, s_next: np.ones(len(a)), "'broken' is constant"),
        (lambda s, a, s_next: np.ones((len(a), 2)), r"'broken' gave shape \(3, 2\)"),
    ],
)
def test_a_reward_that_cannot_label_the_data_is_refused_with_its_name(reward, message):
    with pytest.raises(ValueError, match=message):
        relabelled(transitions([two_episode_dataset()]), reward, "broken")
