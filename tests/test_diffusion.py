import numpy as np
import pytest
import torch

from diffirl.data.format import make_dataset
from diffirl.diffusion.gaussian import GaussianDiffusion
from diffirl.diffusion.normalization import Normalizer
from diffirl.diffusion.sampling import Guidance, draw_noise, freeze, sample
from diffirl.diffusion.training import DiffuserTrainer
from diffirl.diffusion.unet import Mish, TemporalConv1d, TemporalUnet
from diffirl.diffusion.windows import window_starts
from diffirl.params.schema import Diffuser

OBS, ACT, H, T = 3, 2, 8, 6


def tiny_diffusion(dtype=torch.float32, predict_epsilon=False, clip=True) -> GaussianDiffusion:
    torch.manual_seed(0)
    network = TemporalUnet(H, OBS + ACT, dim=8, dim_mults=(1, 2))
    return GaussianDiffusion(network, H, OBS, ACT, T, predict_epsilon, clip, action_weight=2.0).to(dtype)


def tiny_settings(**overrides) -> Diffuser:
    values = dict(
        horizon=H,
        n_diffusion_steps=T,
        dim=8,
        dim_mults=[1, 2],
        predict_epsilon=False,
        clip_denoised=True,
        action_weight=1.0,
        normalizer="limits",
        goal_condition_rate=1.0,
        n_train_steps=400,
        batch_size=16,
        learning_rate=3e-3,
        ema_decay=0.9,
        ema_start=10,
        ema_every=1,
        checkpoint_every=100,
        early_sample_step=100,
        n_figure_samples=1,
        seed=0,
        device="cpu",
        torch_threads=1,
    )
    return Diffuser(**(values | overrides))


def sine_dataset(episodes=3, length=20):
    t = np.arange(episodes * length)
    observations = np.stack([np.sin(t / 3), np.cos(t / 3), np.sin(t / 5)], axis=1)
    actions = np.stack([np.cos(t / 4), np.sin(t / 7)], axis=1)
    timeouts = (t % length) == length - 1
    return make_dataset(observations, actions, np.zeros(len(t)), np.zeros(len(t)), timeouts)


def test_unet_keeps_the_trajectory_shape():
    diffusion = tiny_diffusion()
    x = torch.randn(4, H, OBS + ACT)
    assert diffusion.model(x, torch.zeros(4, dtype=torch.long)).shape == x.shape
    with pytest.raises(ValueError, match="divisible"):
        TemporalUnet(6, 5, dim=8, dim_mults=(1, 2, 4))


def test_mish_equals_torchs_in_value_and_gradient_over_its_whole_range():
    x = torch.cat([torch.linspace(-60, 60, 2001), torch.tensor([-1e4, 1e4])]).double().requires_grad_()
    reference = x.detach().clone().requires_grad_()
    ours, theirs = Mish()(x), torch.nn.functional.mish(reference)
    assert torch.isfinite(ours).all()
    torch.testing.assert_close(ours, theirs, rtol=1e-6, atol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    torch.testing.assert_close(x.grad, reference.grad, rtol=1e-5, atol=1e-7)
    assert torch.isfinite(Mish()(torch.tensor([-1e4, 0.5, 1e4], dtype=torch.bfloat16))).all()
    assert torch.autograd.gradcheck(Mish(), (torch.linspace(-8, 8, 33).double().requires_grad_(),))


@pytest.mark.parametrize("length", [1, 2, 3, 4, 5, 9])
def test_temporal_conv_equals_a_plain_conv_for_short_and_long_sequences(length):
    torch.manual_seed(0)
    ours = TemporalConv1d(6, 7, 5, padding=2).double()
    plain = torch.nn.Conv1d(6, 7, 5, padding=2).double()
    plain.load_state_dict(ours.state_dict())
    x = torch.randn(3, 6, length, dtype=torch.double, requires_grad=True)
    y = x.detach().clone().requires_grad_()
    torch.testing.assert_close(ours(x), plain(y))
    weights = torch.randn(3, 7, length, dtype=torch.double)
    (ours(x) * weights).sum().backward()
    (plain(y) * weights).sum().backward()
    torch.testing.assert_close(x.grad, y.grad)
    torch.testing.assert_close(ours.weight.grad, plain.weight.grad)


def test_cosine_schedule_is_a_valid_variance_schedule():
    diffusion = tiny_diffusion()
    assert torch.all(diffusion.sqrt_alphas_cumprod[1:] < diffusion.sqrt_alphas_cumprod[:-1])
    assert torch.all(diffusion.posterior_variance >= 0)


def test_a_tiny_model_overfits_a_tiny_dataset(tmp_path):
    one_window = sine_dataset(episodes=1, length=H)
    trainer = DiffuserTrainer(
        tiny_settings(), one_window, tmp_path / "ckpt.pt", "fp", torch.device("cpu"), progress=False
    )
    result = trainer.train()
    losses = [row["loss"] for row in result.log]
    assert np.mean(losses[-20:]) < np.mean(losses[:5]) / 10


def test_windows_stay_inside_episodes():
    starts, skipped = window_starts(sine_dataset(episodes=3, length=20), horizon=8)
    assert len(starts) == 3 * (20 - 8 + 1) and skipped == 0
    assert all((s % 20) + 8 <= 20 for s in starts)
    with pytest.raises(ValueError, match="no episode"):
        window_starts(sine_dataset(episodes=2, length=5), horizon=8)


def test_a_held_out_tail_of_the_data_is_never_trained_on():
    from diffirl.diffusion.windows import diffuser_episodes, episode_rows

    dataset = sine_dataset(episodes=4, length=20)  # 80 rows
    assert diffuser_episodes(dataset) == dataset.episodes()
    kept = diffuser_episodes(dataset, held_out_fraction=0.3)  # the last 24 rows: all of episode 3, 4 of episode 2
    assert kept == [slice(0, 20), slice(20, 40), slice(40, 56)]
    assert diffuser_episodes(dataset, max_episodes=2, held_out_fraction=0.3) == kept[:2]
    starts, _ = window_starts(dataset, 8, kept)
    assert starts.max() + 8 <= 56
    assert episode_rows(kept).tolist() == list(range(56))
    with pytest.raises(ValueError, match="held_out_fraction 0.999 leaves no row"):
        diffuser_episodes(dataset, held_out_fraction=0.999)


def test_normalizers_round_trip_and_limits_map_to_unit_box():
    data = np.random.default_rng(0).normal(3, 2, size=(500, 4))
    limits = Normalizer.fit("limits", data)
    normalized = limits.normalize(torch.tensor(data, dtype=torch.float32))
    assert normalized.min() == pytest.approx(-1, abs=1e-5) and normalized.max() == pytest.approx(1, abs=1e-5)
    np.testing.assert_allclose(limits.unnormalize(normalized).numpy(), data, atol=1e-5)
    gaussian = Normalizer.fit("gaussian", data)
    z = gaussian.normalize(torch.tensor(data, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(0), 1, atol=1e-4)


@pytest.mark.parametrize("predict_epsilon", [False, True])
def test_inpainted_states_equal_the_conditions_exactly(predict_epsilon):
    diffusion = freeze(tiny_diffusion(predict_epsilon=predict_epsilon))
    start, goal = torch.rand(5, OBS) * 2 - 1, torch.rand(5, OBS) * 2 - 1
    plans = sample(diffusion, {0: start, H - 1: goal}, 5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(plans[:, 0, ACT:], start)
    assert torch.equal(plans[:, H - 1, ACT:], goal)


def test_explicit_noise_makes_sampling_repeatable():
    diffusion = freeze(tiny_diffusion())
    conditions = {0: torch.zeros(3, OBS)}
    noise = draw_noise(diffusion, 3, torch.Generator().manual_seed(5))
    assert torch.equal(sample(diffusion, conditions, 3, noise=noise), sample(diffusion, conditions, 3, noise=noise))


def test_a_linear_guide_moves_samples_in_its_direction():
    # epsilon prediction lets a nudge pass through even an untrained network near t = 0
    diffusion = freeze(tiny_diffusion(predict_epsilon=True, clip=False))
    direction = torch.zeros(H, OBS + ACT)
    direction[:, ACT] = 1.0  # reward the first observation dimension at every step
    guide = lambda x, steps: (x * direction).sum(dim=(1, 2))
    conditions = {0: torch.zeros(16, OBS)}
    noise = draw_noise(diffusion, 16, torch.Generator().manual_seed(2))
    unguided = sample(diffusion, conditions, 16, noise=noise)
    guidance = Guidance(scale=0.5, n_guide_steps=2, t_stopgrad=0, scale_grad_by_std=False)
    guided = sample(diffusion, conditions, 16, guide, guidance, noise=noise)
    gain = (guided - unguided)[:, 1:, ACT]
    assert gain.mean() > 0.05
    other = (guided - unguided)[:, 1:, ACT + 1]
    assert gain.mean() > 5 * other.abs().mean()


def test_t_stopgrad_switches_guidance_off_for_late_steps():
    diffusion = freeze(tiny_diffusion())
    guide = lambda x, steps: x.sum(dim=(1, 2))
    conditions = {0: torch.zeros(4, OBS)}
    noise = draw_noise(diffusion, 4, torch.Generator().manual_seed(3))
    off = sample(diffusion, conditions, 4, guide, Guidance(scale=1.0, t_stopgrad=T), noise=noise)
    assert torch.equal(off, sample(diffusion, conditions, 4, noise=noise))


class MLPGuide(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(4)
        self.net = torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(H * (OBS + ACT), 6), torch.nn.Tanh(), torch.nn.Linear(6, 1)
        )

    def forward(self, x, steps=None):
        return self.net(x).squeeze(-1)


def chain_loss(diffusion, guide, noise, conditions):
    plans = sample(
        diffusion,
        conditions,
        noise.shape[1],
        guide,
        Guidance(scale=0.5, n_guide_steps=2, t_stopgrad=1),
        noise=noise,
        differentiable=True,
    )
    return (plans[:, :4] ** 2).sum()


def test_differentiable_chain_gradient_matches_finite_differences():
    diffusion = freeze(tiny_diffusion(dtype=torch.float64, clip=False))
    guide = MLPGuide().double()
    conditions = {0: torch.full((2, OBS), 0.3, dtype=torch.float64)}
    noise = draw_noise(diffusion, 2, torch.Generator().manual_seed(6)).double()
    loss = chain_loss(diffusion, guide, noise, conditions)
    loss.backward()
    parameter = guide.net[1].weight
    analytic = parameter.grad.clone()
    rng = np.random.default_rng(0)
    for _ in range(4):
        i, j = rng.integers(parameter.shape[0]), rng.integers(parameter.shape[1])
        eps = 1e-6
        values = []
        for shift in (eps, -2 * eps):
            with torch.no_grad():
                parameter[i, j] += shift
            values.append(chain_loss(diffusion, guide, noise, conditions).item())
        with torch.no_grad():
            parameter[i, j] += eps
        up, down = values
        assert analytic[i, j].item() == pytest.approx((up - down) / (2 * eps), rel=1e-4, abs=1e-8)
    assert analytic.abs().sum() > 0


def test_no_diffusion_weight_receives_a_gradient_in_differentiable_mode():
    diffusion = freeze(tiny_diffusion())
    guide = MLPGuide()
    noise = draw_noise(diffusion, 2, torch.Generator().manual_seed(7))
    chain_loss(diffusion, guide, noise, {0: torch.zeros(2, OBS)}).backward()
    assert all(p.grad is None and not p.requires_grad for p in diffusion.parameters())
    # the guide enters through its input gradient, which its last bias does not affect
    assert guide.net[1].weight.grad is not None and guide.net[1].weight.grad.abs().sum() > 0


def guide_gradients(grad_steps=None, checkpointing=False):
    diffusion = freeze(tiny_diffusion(dtype=torch.float64, clip=False))
    guide = MLPGuide().double()
    noise = draw_noise(diffusion, 2, torch.Generator().manual_seed(6)).double()
    plans = sample(
        diffusion,
        {0: torch.full((2, OBS), 0.3, dtype=torch.float64)},
        2,
        guide,
        Guidance(scale=0.5, n_guide_steps=2, t_stopgrad=1),
        noise=noise,
        differentiable=True,
        grad_steps=grad_steps,
        checkpointing=checkpointing,
    )
    (plans[:, :4] ** 2).sum().backward()
    return plans.detach(), guide.net[1].weight.grad.clone()


def test_checkpointing_gives_the_same_plans_and_gradients():
    plans, gradient = guide_gradients()
    checkpointed_plans, checkpointed_gradient = guide_gradients(checkpointing=True)
    torch.testing.assert_close(checkpointed_plans, plans)
    torch.testing.assert_close(checkpointed_gradient, gradient)


def test_truncated_backpropagation_keeps_the_plans_and_changes_only_the_gradient():
    plans, gradient = guide_gradients()
    truncated_plans, truncated_gradient = guide_gradients(grad_steps=2)
    all_steps_plans, all_steps_gradient = guide_gradients(grad_steps=T)
    torch.testing.assert_close(truncated_plans, plans)
    torch.testing.assert_close(all_steps_gradient, gradient)
    assert not torch.allclose(truncated_gradient, gradient)
    assert truncated_gradient.abs().sum() > 0


def test_covered_rows_marks_exactly_the_rows_some_window_covers():
    from diffirl.diffusion.windows import covered_rows

    starts = np.array([0, 1, 2, 10, 30])
    expected = np.zeros(40, dtype=bool)
    expected[np.unique(starts[:, None] + np.arange(5))] = True
    np.testing.assert_array_equal(covered_rows(starts, 5, 40), expected)
