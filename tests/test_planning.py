import numpy as np
import pytest
import torch

from diffirl.diffusion.model_io import TrainedDiffuser, build_diffusion, save_diffuser
from diffirl.diffusion.normalization import Normalizer
from diffirl.envs import get_environment
from diffirl.envs.simulators import SimulatorBatch, make_env, set_state, state_of, step_from
from diffirl.params.schema import Diffuser
from diffirl.planning.quality import dynamics_errors, wall_fraction
from diffirl.planning.rollouts import next_state_action, planned_rollouts


@pytest.mark.parametrize("name", ["umaze", "halfcheetah"])
def test_set_state_puts_the_simulator_exactly_in_a_state(name):
    spec = get_environment(name)
    env = make_env(spec)
    first = state_of(spec, env.reset(seed=0)[0])
    for _ in range(5):
        observation = env.step(env.action_space.sample())[0]
    target = state_of(spec, observation)
    env.reset(seed=1)
    set_state(env, spec, target)
    action = np.full(env.action_space.shape, 0.3)
    after_set = state_of(spec, env.step(action)[0])
    env.reset(seed=2)
    set_state(env, spec, target)
    np.testing.assert_allclose(step_from(env, spec, target, action), after_set)
    assert not np.allclose(first, target)
    env.close()


@pytest.mark.parametrize("name", ["umaze", "halfcheetah"])
def test_one_simulator_steps_a_batch_bit_for_bit_as_one_simulator_per_rollout(name):
    spec = get_environment(name)
    rng = np.random.default_rng(0)
    envs = [make_env(spec) for _ in range(3)]
    starts = np.stack([state_of(spec, env.reset(seed=10 + k)[0]) for k, env in enumerate(envs)])
    starts[:, -1] += 0.5  # a velocity the reset would not give, so the start is really set
    for env, start in zip(envs, starts):
        set_state(env, spec, start)
    batch = SimulatorBatch(spec, starts, seeds=[10, 11, 12])
    for _ in range(40):  # long enough for the ball to hit a wall (contacts use the solver's warm start)
        actions = rng.uniform(-1, 1, size=(3, envs[0].action_space.shape[0]))
        alone = [env.step(a) for env, a in zip(envs, actions)]
        together, rewards = batch.step(actions, with_rewards=spec.kind.own_reward_is_physical())
        np.testing.assert_array_equal(together, np.stack([state_of(spec, step[0]) for step in alone]))
        if spec.kind.own_reward_is_physical():
            np.testing.assert_array_equal(rewards, [step[1] for step in alone])
    assert not np.allclose(together[0], together[1])
    if spec.maze is not None:
        with pytest.raises(ValueError, match="pass a reward function"):
            batch.step(actions, with_rewards=True)
    batch.close()


@pytest.mark.parametrize("name", ["umaze", "large"])
def test_a_maze_leaves_no_model_file_in_the_temporary_directory(name, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    spec = get_environment(name)
    env = make_env(spec)
    env.reset(seed=0)
    env.step(env.action_space.sample())
    env.close()
    assert list((tmp_path / "scratch").iterdir()) == []


def true_trajectories(spec, count, horizon, seed):
    """Plans that are exactly physical: states and actions of real simulator runs."""
    env = make_env(spec)
    rng = np.random.default_rng(seed)
    observations, actions = [], []
    for k in range(count):
        state = state_of(spec, env.reset(seed=k)[0])
        obs, act = [state], []
        for _ in range(horizon - 1):
            a = rng.uniform(-1, 1, env.action_space.shape)
            obs.append(state_of(spec, env.step(a)[0]))
            act.append(a)
        act.append(np.zeros(env.action_space.shape))
        observations.append(obs)
        actions.append(act)
    env.close()
    return np.array(actions), np.array(observations)


@pytest.mark.parametrize("name", ["umaze", "halfcheetah"])
def test_dynamics_error_is_zero_for_physical_plans_and_not_for_perturbed_ones(name):
    spec = get_environment(name)
    actions, observations = true_trajectories(spec, 3, 6, seed=0)
    assert dynamics_errors(spec, actions, observations).max() < 1e-10
    shifted = observations.copy()
    shifted[:, 3:, 0] += 0.5
    errors = dynamics_errors(spec, actions, shifted)
    assert errors[:, 2].min() > 0.01


def test_wall_fraction_counts_positions_in_walls():
    spec = get_environment("umaze")
    free = spec.maze.cell_to_xy(np.array([[1.0, 1.0], [3.0, 3.0]]))
    wall = spec.maze.cell_to_xy(np.array([[2.0, 1.0], [0.0, 0.0]]))
    observations = np.concatenate([np.concatenate([free, wall])[None], np.zeros((1, 4, 2))], axis=2)
    assert wall_fraction(spec, observations) == 0.5


def tiny_trained(tmp_path, name, observation_dim, action_dim, predict_epsilon=False) -> TrainedDiffuser:
    settings = Diffuser(
        horizon=8,
        n_diffusion_steps=4,
        dim=8,
        dim_mults=[1, 2],
        predict_epsilon=predict_epsilon,
        clip_denoised=not predict_epsilon,
        action_weight=1.0,
        normalizer="limits",
        goal_condition_rate=0.0,
        n_train_steps=1,
        batch_size=1,
        learning_rate=1e-3,
        ema_decay=0.9,
        ema_start=0,
        ema_every=1,
        checkpoint_every=1,
        early_sample_step=1,
        n_figure_samples=1,
        seed=0,
        device="cpu",
        torch_threads=1,
    )
    diffusion = build_diffusion(settings, observation_dim, action_dim)
    dims = observation_dim + action_dim
    normalizer = Normalizer(torch.zeros(dims), torch.full((dims,), 2.0))
    path = tmp_path / f"{name}.pt"
    save_diffuser(path, settings, observation_dim, action_dim, normalizer, diffusion.state_dict(), None)
    return TrainedDiffuser(path)


@pytest.mark.parametrize("name, replan_every", [("umaze", 1), ("halfcheetah", 3)])
def test_batched_rollouts_start_exactly_at_the_given_states(tmp_path, name, replan_every):
    spec = get_environment(name)
    env = make_env(spec)
    starts = np.stack([state_of(spec, env.reset(seed=k)[0]) for k in range(3)])
    env.close()
    trained = tiny_trained(tmp_path, name, starts.shape[1], 2 if spec.maze is not None else 6)
    rollouts = planned_rollouts(
        trained,
        spec,
        starts,
        steps=7,
        replan_every=replan_every,
        progress=False,
        reward=lambda s, a, n: -np.abs(a).sum(-1),
    )
    assert rollouts.observations.shape == (3, 8, starts.shape[1])
    np.testing.assert_array_equal(rollouts.observations[:, 0], starts)
    # every executed transition is the simulator's own response to the executed action
    env = make_env(spec)
    env.reset(seed=0)
    for k in range(3):
        np.testing.assert_allclose(
            step_from(env, spec, starts[k], rollouts.actions[k, 0]), rollouts.observations[k, 1], atol=1e-9
        )
    np.testing.assert_allclose(rollouts.returns, -np.abs(rollouts.actions).sum(axis=(1, 2)))
    with pytest.raises(ValueError, match="replan_every"):
        planned_rollouts(trained, spec, starts, steps=2, replan_every=99, progress=False)


def test_halfcheetah_rollouts_default_to_the_environment_reward(tmp_path):
    spec = get_environment("halfcheetah")
    env = make_env(spec)
    starts = np.stack([state_of(spec, env.reset(seed=k)[0]) for k in range(2)])
    trained = tiny_trained(tmp_path, "hc", 17, 6)
    rollouts = planned_rollouts(trained, spec, starts, steps=3, progress=False)
    action_cost = 0.1 * (rollouts.actions**2).sum(-1)
    assert np.isfinite(rollouts.rewards).all()
    assert not np.allclose(rollouts.rewards, -action_cost)  # forward progress counts too


def test_the_next_state_controller_adds_position_and_velocity_errors_within_the_bounds():
    states = np.array([[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    planned = np.array([[0.1, -0.2, 1.3, 0.1], [2.0, -3.0, 0.0, 0.0]])
    np.testing.assert_allclose(next_state_action(states, planned), [[0.4, -0.1], [1.0, -1.0]])


@pytest.mark.parametrize("execute", ["planned_action", "next_state"])
def test_rollouts_execute_the_planned_action_or_track_the_planned_next_state(tmp_path, execute, monkeypatch):
    """Which of a plan's two readings reaches the simulator: its first action, or the controller's
    action towards its second state."""
    from diffirl.planning import rollouts

    spec = get_environment("umaze")
    trained = tiny_trained(tmp_path, "umaze", 4, 2)
    planned, original_plan = {}, rollouts.plan

    def recording_plan(*args, **kwargs):
        planned["actions"], planned["states"] = original_plan(*args, **kwargs)
        return planned["actions"], planned["states"]

    monkeypatch.setattr(rollouts, "plan", recording_plan)
    start = np.array([[-1.0, 1.0, 0.0, 0.0]])
    done = planned_rollouts(
        trained, spec, start, 1, reward=lambda s, a, n: np.zeros(len(s)), progress=False, execute=execute
    )
    expected = (
        planned["actions"][:, 0] if execute == "planned_action" else next_state_action(start, planned["states"][:, 1])
    )
    np.testing.assert_allclose(done.actions[:, 0], expected)
    with pytest.raises(ValueError, match="execute must be one of"):
        planned_rollouts(trained, spec, start, 1, progress=False, execute="teleport")
