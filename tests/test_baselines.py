import numpy as np
import pytest
import torch
from imitation.rewards.reward_nets import BasicRewardNet, BasicShapedRewardNet

from diffirl.data.format import make_dataset
from diffirl.envs import get_environment
from diffirl.envs.gym_wrappers import PointMazeState
from diffirl.experts.generation import start_states
from diffirl.experts.trajectories import Experts
from diffirl.methods.baselines.demonstrations import (
    choose_expert_episodes,
    episodes_for_transitions,
    expert_episodes,
    to_rows,
    to_trajectories,
)
from diffirl.methods.baselines.evaluation import evaluate_policies, recovered_reward, reward_net_returns
from diffirl.methods.baselines.training import (
    load_policy,
    load_reward_net,
    save_policy,
    save_reward_net,
    train_baseline,
)
from diffirl.params.schema import BCSettings
from tests.test_evaluation import settings as evaluation_settings

UMAZE = get_environment("umaze")


def linear_expert(steps: int = 40, count: int = 6, seed: int = 0) -> Experts:
    """Closed-loop trajectories of a = clip(K (goal - x) - D v) in the U-Maze's bottom corridor."""
    rng = np.random.default_rng(seed)
    env = PointMazeState(UMAZE, steps)
    trajectories = []
    for k in range(count):
        state, _ = env.reset(seed=k, options={"state": [rng.uniform(-1.2, 0.0), -1.0, 0.0, 0.0]})
        rows = []
        for _ in range(steps):
            action = np.clip(2.0 * (np.array([1.0, -1.0]) - state[:2]) - 0.3 * state[2:], -1, 1)
            rows.append(np.concatenate([action, state]))
            state, *_ = env.step(action)
        trajectories.append(rows)
    return Experts(np.array(trajectories), np.arange(count), np.zeros(count, dtype=int), "rollout")


@pytest.mark.parametrize(
    "windows, length, episode_steps, episodes",
    [(6000, 4, 1000, 24), (100000, 4, 1000, 400), (64, 4, 1000, 1), (250, 4, 1000, 1), (251, 4, 1000, 2)],
)
def test_whole_episodes_hold_at_least_the_learners_transitions(windows, length, episode_steps, episodes):
    assert episodes_for_transitions(windows, length, episode_steps) == episodes


def episode_dataset(n_episodes: int = 5, steps: int = 10, action_dim: int = 6, observation_dim: int = 17):
    """Episodes whose every row carries its episode's number, so a chosen episode is recognisable."""
    rows = n_episodes * steps
    episode_of_row = np.repeat(np.arange(n_episodes), steps).astype(np.float64)
    timeouts = np.zeros(rows, dtype=bool)
    timeouts[steps - 1 :: steps] = True
    return make_dataset(
        np.repeat(episode_of_row[:, None], observation_dim, axis=1) + np.arange(rows)[:, None] % steps / 100,
        np.repeat(episode_of_row[:, None], action_dim, axis=1),
        np.zeros(rows),
        np.zeros(rows, dtype=bool),
        timeouts,
    )


def test_expert_episodes_are_distinct_whole_episodes_drawn_with_the_seed():
    data = episode_dataset()
    chosen = choose_expert_episodes(data, 3, seed=4, setting="baselines.halfcheetah.demonstrations")
    assert len(set(chosen.tolist())) == 3 and chosen.tolist() == sorted(chosen.tolist())
    np.testing.assert_array_equal(chosen, choose_expert_episodes(data, 3, seed=4, setting="s"))
    assert any(not np.array_equal(chosen, choose_expert_episodes(data, 3, seed=s, setting="s")) for s in range(5, 15))
    experts = expert_episodes(data, chosen)
    assert experts.trajectories.shape == (3, 10, 23) and experts.kind == "episode"
    np.testing.assert_array_equal(experts.trajectories[:, :, 0], np.repeat(chosen[:, None], 10, axis=1))
    demonstrations = to_trajectories(experts, action_dim=6)
    assert [(len(d.obs), len(d.acts)) for d in demonstrations] == [(10, 9)] * 3
    with pytest.raises(ValueError, match="baselines.halfcheetah.demonstrations asks for 6 expert episodes; .* holds 5"):
        choose_expert_episodes(data, 6, seed=0, setting="baselines.halfcheetah.demonstrations")


def test_trajectories_hold_n_plus_one_observations_and_round_trip():
    experts = linear_expert(steps=7, count=2)
    trajectories = to_trajectories(experts, action_dim=2)
    assert all(len(t.obs) == 7 and len(t.acts) == 6 for t in trajectories)
    rows = to_rows(trajectories)
    np.testing.assert_array_equal(rows[:, :, 2:], experts.trajectories[:, :, 2:])
    np.testing.assert_allclose(rows[:, :-1, :2], experts.trajectories[:, :-1, :2], rtol=1e-6)
    assert np.isnan(rows[:, -1, :2]).all()
    # observation t and action t belong to the same row: the action was taken in that state
    np.testing.assert_array_equal(trajectories[0].obs[3], experts.trajectories[0, 3, 2:])


def test_wrapper_starts_exactly_at_the_given_state_and_hides_the_goal():
    env = PointMazeState(UMAZE, max_episode_steps=3)
    state = np.array([-0.7, -1.05, 0.4, -0.2])
    observation, _ = env.reset(seed=3, options={"state": state})
    np.testing.assert_array_equal(observation, state)
    assert env.observation_space.shape == (4,) and env.observation_space.contains(observation)
    first, *_ = env.step(np.zeros(2))
    env.reset(seed=99, options={"state": state})  # another goal: the same dynamics
    second, *_ = env.step(np.zeros(2))
    np.testing.assert_allclose(first, second)
    env.reset(seed=0, options={"state": state})
    truncations = [env.step(np.zeros(2))[3] for _ in range(3)]
    assert truncations == [False, False, True]


def test_bc_recovers_a_linear_expert(smoke_params, tmp_path):
    experts = linear_expert()
    settings = smoke_params.baselines.umaze.model_copy(update={"bc": BCSettings(epochs=60, batch_size=32)})
    trained = train_baseline(UMAZE, settings, "bc", to_trajectories(experts, 2), tmp_path, progress=False)
    states = experts.trajectories[:, :, 2:].reshape(-1, 4)
    expert_actions = experts.trajectories[:, :, :2].reshape(-1, 2)
    predicted = trained.policy.predict(states, deterministic=True)[0]
    baseline_error = np.mean((expert_actions - expert_actions.mean(axis=0)) ** 2)
    assert np.mean((predicted - expert_actions) ** 2) < 0.1 * baseline_error


@pytest.mark.parametrize("algorithm", ["gail", "airl"])
def test_smoke_adversarial_training_gives_a_policy_the_evaluator_scores(smoke_params, tmp_path, algorithm):
    experts = linear_expert(steps=20, count=4)
    settings = smoke_params.baselines.umaze
    trained = train_baseline(UMAZE, settings, algorithm, to_trajectories(experts, 2), tmp_path, progress=False)
    assert (tmp_path / "progress.csv").is_file()
    save_policy(trained.policy, tmp_path / "policy.pt")
    policy = load_policy(tmp_path / "policy.pt")
    states = experts.trajectories[0, :, 2:]
    np.testing.assert_allclose(
        policy.predict(states, deterministic=True)[0], trained.policy.predict(states, deterministic=True)[0]
    )
    evaluation = evaluation_settings()
    metrics, rollouts, start_index = evaluate_policies(UMAZE, evaluation, {algorithm: policy}, progress=False)
    assert metrics[algorithm]["rollouts"] == 4 and np.isfinite(metrics[algorithm]["return_mean"])
    assert rollouts[algorithm].actions.shape == (4, 5, 2)
    np.testing.assert_allclose(
        rollouts[algorithm].observations[:, 0], start_states(UMAZE, [(1, 1), (3, 1)])[start_index]
    )
    if algorithm == "airl":
        assert trained.reward_net is not None
        save_reward_net(trained.reward_net, tmp_path / "reward.pt")
        windows = experts.trajectories[:, :5]
        np.testing.assert_allclose(
            reward_net_returns(load_reward_net(tmp_path / "reward.pt"), windows, 2),
            reward_net_returns(trained.reward_net, windows, 2),
            rtol=1e-5,
        )


def test_reward_net_returns_feed_raw_states_and_actions():
    """A reward network reads the raw units it was trained on; here one linear in the raw x position."""
    env = PointMazeState(UMAZE, 10)
    net = BasicRewardNet(env.observation_space, env.action_space, use_action=False, hid_sizes=())
    with torch.no_grad():
        layer = next(m for m in net.modules() if isinstance(m, torch.nn.Linear))
        layer.weight.zero_()
        layer.weight[0, 0] = 1.0
        layer.bias.zero_()
    rows = np.zeros((2, 3, 6))
    rows[0, :, 2] = [1.0, 2.0, 3.0]
    rows[1, :, 2] = [-1.0, 0.5, 0.5]
    np.testing.assert_allclose(reward_net_returns(net, rows, 2), [6.0, 0.0], atol=1e-5)


def test_airl_erc_reads_the_recovered_reward_or_the_shaped_one_and_they_differ_by_the_potential():
    """The saved AIRL network is shaped: r(s, a) + gamma * phi(s') - phi(s). ``unshaped`` scores its
    base network alone (imitation's reward_test), ``shaped`` the whole, as the published code did."""
    torch.manual_seed(0)
    env = PointMazeState(UMAZE, 10)
    shaped = BasicShapedRewardNet(env.observation_space, env.action_space, discount_factor=0.9)
    rows = np.random.default_rng(0).normal(size=(3, 4, 6)).astype(np.float32)
    unshaped_returns = reward_net_returns(recovered_reward(shaped, "unshaped"), rows, 2)
    shaped_returns = reward_net_returns(recovered_reward(shaped, "shaped"), rows, 2)
    assert recovered_reward(shaped, "unshaped") is shaped.base and recovered_reward(shaped, "shaped") is shaped
    with torch.no_grad():
        states = torch.as_tensor(rows[..., 2:])
        potential = shaped.potential(states.reshape(-1, 4)).reshape(3, 4).numpy()
    next_potential = np.concatenate(
        [potential[:, 1:], potential[:, -1:]], axis=1
    )  # the last state is its own successor
    np.testing.assert_allclose(
        shaped_returns - unshaped_returns, (0.9 * next_potential - potential).sum(axis=1), rtol=1e-4, atol=1e-5
    )
    assert not np.allclose(shaped_returns, unshaped_returns)
    with pytest.raises(ValueError, match="'both'"):
        recovered_reward(shaped, "both")
