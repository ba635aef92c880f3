import numpy as np
import pytest
import torch

from diffirl.diffusion.sampling import Guidance
from diffirl.envs import get_environment
from diffirl.evaluation import ErcWindows, erc_of
from diffirl.experts.generation import dataset_window_experts, goal_plan_experts, guided_rollout_experts, start_states
from diffirl.methods import LOSSES
from diffirl.methods.thesis.reward_learning import RewardLearner
from diffirl.methods.thesis.reward_model import RewardMLP
from diffirl.params.schema import ExpertSettings, GuidanceSettings, RewardLearning
from diffirl.rewards.true_reward import true_reward
from tests.test_diffusion import sine_dataset
from tests.test_planning import tiny_trained

GUIDANCE = GuidanceSettings(scale=0.1, n_guide_steps=2, t_stopgrad=1, scale_grad_by_std=True)


def learning_settings(**overrides) -> RewardLearning:
    values = dict(
        hidden=[16],
        batch_size=8,
        loss_units="normalised",
        mmd_unbiased={"gaussian": False, "matern": False},
        gaussian_bandwidth_factors=[0.25, 0.5, 1.0, 2.0, 4.0],
        matern_nu=0.5,
        matern_lengthscale=0.69,
        backprop_steps="all",
        gradient_checkpointing=False,
        checkpoint_every=1,
        seed=0,
        losses={name: {"learning_rate": 0.01, "epochs": 6} for name in LOSSES},
    )
    return RewardLearning(**(values | overrides))


def test_start_states_refuse_walls():
    spec = get_environment("umaze")
    np.testing.assert_allclose(start_states(spec, [(1, 1)])[0], [-1.0, 1.0, 0.0, 0.0])
    # a start point may set a velocity along (rows, columns): rows grow downwards, so y falls
    np.testing.assert_allclose(start_states(spec, [(1, 1, 0.5, 0.25)])[0], [-1.0, 1.0, 0.25, -0.5])
    assert not np.signbit(start_states(spec, [(1, 1)])[:, 2:]).any()  # at rest: +0.0, the bytes of a zero velocity
    with pytest.raises(ValueError, match="wall"):
        start_states(spec, [(2, 1)])


def test_guided_rollout_experts_record_their_provenance(tmp_path):
    spec = get_environment("umaze")
    trained = tiny_trained(tmp_path, "umaze", 4, 2)
    settings = ExpertSettings(procedure="guided_rollouts", length=5, start_cells=[(1, 1), (3, 1)], seeds=[0, 7])
    experts = guided_rollout_experts(trained, spec, settings, GUIDANCE, progress=False)
    assert experts.trajectories.shape == (4, 5, 6) and experts.kind == "rollout"
    assert experts.start_point.tolist() == [0, 1, 0, 1] and experts.seed.tolist() == [0, 0, 7, 7]
    np.testing.assert_allclose(experts.trajectories[:, 0, 2:], start_states(spec, [(1, 1), (3, 1)] * 2))
    experts.save(tmp_path / "e.npz")
    loaded = type(experts).load(tmp_path / "e.npz")
    np.testing.assert_array_equal(loaded.trajectories, experts.trajectories)
    assert loaded.kind == "rollout"


def test_goal_plans_end_at_the_goal(tmp_path):
    spec = get_environment("large")
    trained = tiny_trained(tmp_path, "large", 4, 2)
    settings = ExpertSettings(
        procedure="goal_plans", length=8, start_cells=[(1, 1), (5, 1)], goal_cell=(7, 10), seeds=[0]
    )
    experts = goal_plan_experts(trained, spec, settings)
    goal = spec.maze.cell_to_xy(np.array([7.0, 10.0]))
    np.testing.assert_allclose(experts.trajectories[:, -1, 2:4], np.stack([goal, goal]), atol=1e-5)
    assert experts.kind == "plan"


def test_dataset_window_experts_are_windows_of_the_data():
    dataset = sine_dataset(episodes=3, length=20)
    settings = ExpertSettings(procedure="dataset_windows", length=4, seeds=[1], n_windows=10)
    experts = dataset_window_experts(dataset, settings, "halfcheetah")
    assert experts.trajectories.shape == (10, 4, 5)
    for row, start in zip(experts.trajectories, experts.start_point):
        np.testing.assert_allclose(row[:, 2:], dataset.observations[start : start + 4])
        assert start % 20 + 4 <= 20
    assert len(set(experts.start_point.tolist())) == 10  # distinct windows


def test_more_expert_windows_than_the_data_holds_is_an_error_naming_the_setting():
    dataset = sine_dataset(episodes=3, length=20)  # 3 x 17 windows of 4 steps
    settings = ExpertSettings(procedure="dataset_windows", length=4, seeds=[1], n_windows=52)
    with pytest.raises(ValueError, match=r"experts\.halfcheetah\.n_windows = 52 asks for 52 windows; .* holds 51"):
        dataset_window_experts(dataset, settings, "halfcheetah")
    settings = settings.model_copy(update={"n_windows": 10**9})  # was a MemoryError after half a minute
    with pytest.raises(ValueError, match="1000000000"):
        dataset_window_experts(dataset, settings, "halfcheetah")


@pytest.fixture(scope="module")
def sine_diffuser(tmp_path_factory):
    """A tiny diffuser trained for a few seconds on a 2-action, 4-state sine dataset, and that data."""
    from diffirl.data.format import make_dataset
    from diffirl.diffusion.model_io import TrainedDiffuser, save_diffuser
    from diffirl.diffusion.training import DiffuserTrainer
    from tests.test_diffusion import tiny_settings

    directory = tmp_path_factory.mktemp("sine")
    base = sine_dataset(episodes=6, length=24)
    data = make_dataset(base.observations[:, [0, 1, 2, 0]], base.actions, base.rewards, base.terminals, base.timeouts)
    settings = tiny_settings(n_train_steps=300, goal_condition_rate=0.0)
    result = DiffuserTrainer(settings, data, directory / "c.pt", "fp", torch.device("cpu"), progress=False).train()
    save_diffuser(directory / "d.pt", settings, 4, 2, result.normalizer, result.diffusion.state_dict(), None)
    return TrainedDiffuser(directory / "d.pt"), data


def make_learner(tmp_path, trained_and_data, loss="mse", epochs=8, name="ckpt.pt", **overrides):
    trained, data = trained_and_data
    rows = np.concatenate([data.actions, data.observations], axis=1)
    starts = np.random.default_rng(0).choice(len(rows) - 24, 16)
    windows = rows[starts[:, None] + np.arange(4)]
    windows[:, 1:, 2:4] += 1.0  # the experts drift up and right of what the data (and the unguided diffuser) do
    settings = learning_settings(**overrides)
    settings = settings.model_copy(
        update={"losses": {k: v.model_copy(update={"epochs": epochs}) for k, v in settings.losses.items()}}
    )
    guidance = Guidance(5.0, 2, 0, False)
    return RewardLearner(trained, windows, settings, loss, guidance, tmp_path / name, "fp", progress=False)


@pytest.mark.parametrize("loss", ["mse", "mmd_gauss", "mmd_matern"])
def test_reward_learning_lowers_its_loss_and_touches_only_reward_parameters(tmp_path, sine_diffuser, loss):
    learner = make_learner(tmp_path, sine_diffuser, loss)
    diffusion_before = {k: v.clone() for k, v in learner.trained.diffusion.state_dict().items()}
    reward_before = [p.detach().clone() for p in learner.model.parameters()]

    def loss_on_fixed_noise() -> float:  # the same chains before and after, so only the reward differs
        learner.generator.manual_seed(123)
        return learner.batch_loss(learner.windows).item()

    before = loss_on_fixed_noise()
    learner.train()
    assert loss_on_fixed_noise() < 0.98 * before
    for key, value in learner.trained.diffusion.state_dict().items():
        assert torch.equal(value, diffusion_before[key]), key
    assert all(p.grad is None for p in learner.trained.diffusion.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(reward_before, learner.model.parameters()))


def test_a_non_finite_loss_stops_learning_and_keeps_the_last_good_checkpoint(tmp_path, sine_diffuser):
    learner = make_learner(tmp_path, sine_diffuser, epochs=2)
    learner.train()
    saved = (tmp_path / "ckpt.pt").read_bytes()
    broken = make_learner(tmp_path, sine_diffuser, epochs=4)
    broken.windows[0, 1, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="epoch 3.*last good checkpoint"):
        broken.train()
    assert (tmp_path / "ckpt.pt").read_bytes() == saved


def test_resumed_reward_learning_equals_a_straight_run(tmp_path, sine_diffuser):
    make_learner(tmp_path, sine_diffuser, epochs=2, name="a.pt").train()
    resumed = make_learner(tmp_path, sine_diffuser, epochs=4, name="a.pt")
    assert resumed.train()["resumed_from_epoch"] == 2
    straight = make_learner(tmp_path, sine_diffuser, epochs=4, name="b.pt")
    straight.train()
    for a, b in zip(resumed.model.parameters(), straight.model.parameters()):
        assert torch.equal(a, b)
    assert [r["loss"] for r in resumed.log] == [r["loss"] for r in straight.log]


def test_truncated_backpropagation_and_checkpointing_train_too(tmp_path, sine_diffuser):
    learner = make_learner(tmp_path, sine_diffuser, epochs=3, backprop_steps=2, gradient_checkpointing=True)
    learner.train()
    assert len(learner.log) == 3 and all(np.isfinite(r["loss"]) for r in learner.log)


def test_erc_of_a_reward_that_is_the_true_return_is_zero(tmp_path):
    spec = get_environment("umaze")
    trained = tiny_trained(tmp_path, "umaze", 4, 2)

    class TrueInNormalisedSpace(torch.nn.Module):
        def forward(self, plans):
            raw = trained.normalizer.unnormalize(plans)
            return torch.as_tensor(true_reward(spec.maze, raw[..., 2:4].double().numpy())).sum(-1)

    rows = np.random.default_rng(0).uniform(-1.5, 1.5, size=(50, 8, 6))
    windows = ErcWindows(rows, true_reward(spec.maze, rows[..., 2:4]).sum(axis=1))
    assert erc_of(TrueInNormalisedSpace(), trained, windows) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("loss", LOSSES)
def test_losses_compare_in_the_units_and_with_the_estimator_params_say(tmp_path, sine_diffuser, loss):
    from diffirl.methods.thesis.losses import mmd
    from diffirl.methods.thesis.reward_learning import trajectory_loss

    raw = make_learner(
        tmp_path, sine_diffuser, loss, name="raw.pt", loss_units="raw", mmd_unbiased={"gaussian": True, "matern": True}
    )
    normalised = make_learner(tmp_path, sine_diffuser, loss, name="n.pt")
    planned = raw.windows + 0.1 * torch.randn_like(raw.windows)
    unnormalize = raw.trained.normalizer.unnormalize
    expected = trajectory_loss(loss, unnormalize(planned), unnormalize(raw.windows), raw.settings)
    torch.testing.assert_close(raw.compare(planned, raw.windows), expected)
    assert not torch.isclose(raw.compare(planned, raw.windows), normalised.compare(planned, normalised.windows))
    if loss == "mmd_matern":  # the estimator of the loss's own kernel is the one used
        torch.testing.assert_close(
            expected, mmd(unnormalize(planned), unnormalize(raw.windows), "matern", unbiased=True)
        )


def test_snapshots_are_kept_saved_and_resumed(tmp_path, sine_diffuser):
    learner = make_learner(tmp_path, sine_diffuser, epochs=5, name="snap.pt", snapshot_every=2)
    learner.train()
    assert sorted(learner.snapshots) == [2, 4, 5]  # every 2 epochs, and the final network
    learner.model.save(tmp_path / "r.pt", {"snapshots": learner.snapshots})
    kept = RewardMLP.load_snapshots(tmp_path / "r.pt")
    final = RewardMLP.load(tmp_path / "r.pt")
    assert list(kept) == [2, 4, 5]
    for a, b in zip(kept[5].parameters(), final.parameters()):
        assert torch.equal(a, b)
    assert not torch.equal(next(kept[2].parameters()), next(final.parameters()))
    resumed = make_learner(tmp_path, sine_diffuser, epochs=5, name="snap.pt", snapshot_every=2)
    resumed.train()
    assert sorted(resumed.snapshots) == [2, 4, 5]


def test_bfloat16_network_keeps_the_reward_gradient_direction_and_shares_the_frozen_weights(tmp_path, sine_diffuser):
    gradients = {}
    for precision in ("float32", "bfloat16"):
        learner = make_learner(tmp_path, sine_diffuser, network_precision=precision, name=f"{precision}.pt")
        learner.model.zero_grad()
        learner.batch_loss(learner.windows).backward()
        gradients[precision] = torch.cat([p.grad.flatten() for p in learner.model.parameters() if p.grad is not None])
        assert all(not p.requires_grad for p in learner.diffusion.parameters())
    assert learner.diffusion is not learner.trained.diffusion
    assert learner.diffusion.model.network is learner.trained.diffusion.model  # same weights, not a copy
    cosine = torch.nn.functional.cosine_similarity(gradients["float32"], gradients["bfloat16"], dim=0)
    assert cosine > 0.95
    assert not torch.equal(gradients["float32"], gradients["bfloat16"])  # bfloat16 really ran
