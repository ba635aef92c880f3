"""The relative reward's gradient alignment (Nuti et al., Eq. 14/45) on diffusers with known means."""

import numpy as np
import pytest
import torch
from torch import nn

from diffirl.data.format import make_dataset
from diffirl.diffusion.gaussian import GaussianDiffusion
from diffirl.experts.trajectories import Experts
from diffirl.methods.relative_reward import training
from diffirl.methods.relative_reward.expert_diffuser import experts_as_dataset, train_expert_diffuser
from diffirl.methods.relative_reward.gradient_alignment import (
    alignment_target,
    gradient_alignment_loss,
    reward_gradient,
)
from diffirl.methods.relative_reward.network import PerStepRelativeReward
from diffirl.params.schema import RelativeRewardSettings

from .test_planning import tiny_trained

HORIZON, ACTION_DIM, OBSERVATION_DIM = 4, 2, 4
TRANSITION_DIM = ACTION_DIM + OBSERVATION_DIM


class ConstantPrediction(nn.Module):
    """A denoiser that predicts the same clean plan whatever it sees."""

    def __init__(self, value: torch.Tensor):
        super().__init__()
        self.register_buffer("value", value)

    def forward(self, x, t):
        return self.value.expand_as(x)


def diffusion(prediction: torch.Tensor) -> GaussianDiffusion:
    return GaussianDiffusion(
        ConstantPrediction(prediction), HORIZON, OBSERVATION_DIM, ACTION_DIM, 10, False, False, 1.0
    )


def windows(count: int, seed: int) -> torch.Tensor:
    return torch.rand((count, HORIZON, TRANSITION_DIM), generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_the_reward_is_the_mean_of_its_per_step_head():
    reward = PerStepRelativeReward(TRANSITION_DIM, [16], 4)
    plans, steps = windows(3, 0), torch.tensor([0, 3, 9])
    assert torch.allclose(reward(plans, steps), reward.per_step(plans, steps).mean(dim=1))
    # one row changed moves rho by that row's change of g over the horizon
    moved = plans.clone()
    moved[:, 2] += 0.5
    change = reward.per_step(moved, steps)[:, 2] - reward.per_step(plans, steps)[:, 2]
    assert torch.allclose(reward(moved, steps) - reward(plans, steps), change / HORIZON, atol=1e-6)


def test_identical_diffusers_give_a_zero_target():
    same = torch.full((HORIZON, TRANSITION_DIM), 0.3)
    noised, steps = windows(5, 1), torch.arange(5)
    assert torch.count_nonzero(alignment_target(diffusion(same), diffusion(same), noised, steps, {})) == 0


def test_the_target_points_from_the_base_towards_the_expert_and_spares_the_start_state():
    base, expert = diffusion(torch.zeros(HORIZON, TRANSITION_DIM)), diffusion(torch.ones(HORIZON, TRANSITION_DIM))
    noised, steps = windows(6, 2), torch.arange(6)
    target = alignment_target(base, expert, noised, steps, {0: noised[:, 0, ACTION_DIM:]})
    expected = base.posterior_mean_coef_x0[steps][:, None, None].expand_as(target)  # the mean's weight on x0
    assert torch.allclose(target[:, 1:], expected[:, 1:])
    assert torch.count_nonzero(target[:, 0, ACTION_DIM:]) == 0 and (target[:, 0, :ACTION_DIM] > 0).all()


def test_alignment_recovers_a_known_gradient_field():
    """Base predicts a clean plan of zeros, the expert of ones: the aligned gradient is the schedule's
    weight on x0 at each step, in every entry but the start state; the reward learns it."""
    torch.manual_seed(0)
    base, expert = diffusion(torch.zeros(HORIZON, TRANSITION_DIM)), diffusion(torch.ones(HORIZON, TRANSITION_DIM))
    reward = PerStepRelativeReward(TRANSITION_DIM, [64, 64], 8)
    optimizer = torch.optim.Adam(reward.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(0)
    losses = []
    for step in range(400):
        loss = gradient_alignment_loss(reward, base, expert, windows(64, 100 + step), generator)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert sum(losses[-20:]) < 0.25 * sum(losses[:20])
    noised, steps = windows(32, 7), torch.randint(0, 10, (32,), generator=generator)
    gradient = reward_gradient(reward, noised, steps).detach()
    target = alignment_target(base, expert, noised, steps, {})
    cosine = torch.nn.functional.cosine_similarity(gradient[:, 1:].flatten(1), target[:, 1:].flatten(1))
    assert cosine.min() > 0.9


def test_the_second_order_pass_reaches_every_weight():
    base, expert = diffusion(torch.zeros(HORIZON, TRANSITION_DIM)), diffusion(torch.ones(HORIZON, TRANSITION_DIM))
    reward = PerStepRelativeReward(TRANSITION_DIM, [8], 4)
    gradient_alignment_loss(reward, base, expert, windows(8, 3), torch.Generator().manual_seed(1)).backward()
    for name, parameter in reward.named_parameters():
        if name != f"net.{len(reward.net) - 1}.bias":  # a constant added to rho has no input gradient
            assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_an_odd_step_embedding_is_refused():
    with pytest.raises(ValueError, match="even"):
        PerStepRelativeReward(TRANSITION_DIM, [8], 3)


def test_the_expert_diffuser_shares_the_base_normaliser_and_starts_from_its_weights(tmp_path):

    base = tiny_trained(tmp_path, "base", 4, 2)
    rng = np.random.default_rng(0)
    experts = Experts(rng.uniform(-1, 1, (3, 10, 6)), np.zeros(3, dtype=int), np.arange(3), "rollout")
    dataset = experts_as_dataset(experts, 2)
    assert len(dataset) == 30 and dataset.timeouts.sum() == 3 and dataset.timeouts[9] and not dataset.terminals.any()
    np.testing.assert_array_equal(dataset.actions[10], experts.trajectories[1, 0, :2].astype(np.float32))

    untrained = base.settings.model_copy(update={"n_train_steps": 0})
    started = train_expert_diffuser(base, experts, untrained, "base", tmp_path / "a.pt", "digest", progress=False)
    assert started.normalizer is base.normalizer
    for name, weight in base.diffusion.state_dict().items():
        assert torch.equal(started.diffusion.state_dict()[name], weight), name
    fresh = train_expert_diffuser(base, experts, untrained, "scratch", tmp_path / "b.pt", "digest", progress=False)
    assert any(not torch.equal(fresh.diffusion.state_dict()[n], w) for n, w in base.diffusion.state_dict().items())
    short = experts.__class__(experts.trajectories[:, :5], experts.start_point, experts.seed, "rollout")
    with pytest.raises(ValueError, match="shorter than the horizon 8"):
        train_expert_diffuser(base, short, untrained, "base", tmp_path / "c.pt", "digest", progress=False)


def test_relative_reward_training_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path, monkeypatch):

    base, expert = tiny_trained(tmp_path, "base", 4, 2), tiny_trained(tmp_path, "expert", 4, 2)
    rng = np.random.default_rng(0)
    rows = rng.uniform(-1, 1, (40, 6))
    ends = np.zeros(40, dtype=bool)
    ends[[19, 39]] = True
    dataset = make_dataset(rows[:, 2:], rows[:, :2], np.zeros(40), np.zeros(40, dtype=bool), ends)
    experts = Experts(rng.uniform(-1, 1, (2, 12, 6)), np.zeros(2, dtype=int), np.arange(2), "rollout")
    settings = RelativeRewardSettings(
        expert_diffuser={"init": "base", "n_train_steps": 1, "learning_rate": 1e-3, "checkpoint_every": 1},
        steering={
            "scales": [1.0],
            "t_stopgrads": [0],
            "selection_seed": 100,
            "selection_rollouts_per_start": 1,
            "n_guide_steps": 1,
            "scale_grad_by_std": False,
        },
        hidden=[8],
        step_embedding_dim=4,
        learning_rate=1e-2,
        batch_size=4,
        training_steps=6,
        expert_share=0.5,
        checkpoint_every=2,
        seed=0,
    )

    objective = training.alignment_objective(base, expert)

    def trainer(checkpoint):
        windows = training.expert_windows(base, experts)
        sampler = training.base_window_sampler(base, dataset, settings.seed)
        return training.RelativeRewardTrainer(base, objective, sampler, windows, settings, checkpoint, "run", False)

    uninterrupted = trainer(tmp_path / "one.pt").train().reward.state_dict()
    real_loss, calls = training.gradient_alignment_loss, []

    def crash_at_step_five(*args):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt  # a kill after the checkpoint of step 4
        return real_loss(*args)

    monkeypatch.setattr(training, "gradient_alignment_loss", crash_at_step_five)
    with pytest.raises(KeyboardInterrupt):
        trainer(tmp_path / "two.pt").train()
    monkeypatch.setattr(training, "gradient_alignment_loss", real_loss)
    resumed = trainer(tmp_path / "two.pt").train()
    assert resumed.resumed_from == 4
    for name, weight in uninterrupted.items():
        assert torch.equal(resumed.reward.state_dict()[name], weight), name


def test_the_alignment_loss_gradient_matches_finite_differences():
    """The second-order backward pass (d/d weights of a loss on d rho/d x) against central differences."""
    base = diffusion(torch.zeros(HORIZON, TRANSITION_DIM)).double()
    expert = diffusion(torch.full((HORIZON, TRANSITION_DIM), 0.5)).double()
    torch.manual_seed(0)
    reward = PerStepRelativeReward(TRANSITION_DIM, [8], 4).double()
    clean = windows(4, 5).double()

    def loss() -> torch.Tensor:
        return gradient_alignment_loss(reward, base, expert, clean, torch.Generator().manual_seed(3))

    loss().backward()
    h = 1e-6
    for parameter in (reward.net[0].weight, reward.net[2].weight):
        for index in [(0, 0), (0, 3)]:
            analytic = parameter.grad[index].item()
            parameter.data[index] += h
            above = loss().item()
            parameter.data[index] -= 2 * h
            below = loss().item()
            parameter.data[index] += h
            assert analytic == pytest.approx((above - below) / (2 * h), rel=1e-4, abs=1e-9)


def test_a_steered_guide_folds_its_scale_in_and_stops_below_its_step():
    from diffirl.methods.relative_reward.steering import Steered

    reward = PerStepRelativeReward(TRANSITION_DIM, [8], 4)
    plans, steps = windows(4, 9), torch.tensor([0, 1, 2, 3])
    steered = Steered(reward, 0.5, t_stopgrad=2)(plans, steps)
    assert torch.equal(steered[:2], torch.zeros(2))
    assert torch.allclose(steered[2:], 0.5 * reward(plans, steps)[2:])


def test_steering_is_chosen_on_seeds_the_evaluation_never_uses(smoke_params):
    from diffirl.methods import METHODS
    from diffirl.methods.relative_reward.steering import grid_methods, selection_settings
    from diffirl.params.load import ParameterError, validate_params

    steering = smoke_params.relative_reward.umaze.steering
    evaluation = smoke_params.evaluation.umaze
    selection = selection_settings(evaluation, steering)
    assert selection.seed == steering.selection_seed != evaluation.seed
    assert selection.start_cells == evaluation.start_cells and selection.steps == evaluation.steps
    points = grid_methods(METHODS["relative"], steering)
    assert len(points) == len(steering.scales) * len(steering.t_stopgrads)
    assert all(not method.in_study for method, _, _ in points.values())

    tree = smoke_params.model_dump(mode="json")
    tree["relative_reward"]["umaze"]["steering"]["selection_seed"] = evaluation.seed + 1
    with pytest.raises(ParameterError, match="relative_reward.umaze.steering.selection_seed = 1 seeds rollouts"):
        validate_params(tree)
    tree["relative_reward"]["umaze"]["steering"] |= {"selection_seed": 1000, "t_stopgrads": [0, 5]}
    with pytest.raises(ParameterError, match=r"t_stopgrads\[1\] = 5 is not a step of the chain"):
        validate_params(tree)
    tree["relative_reward"]["umaze"]["steering"] |= {"t_stopgrads": [0], "scales": [-1.0]}
    with pytest.raises(ParameterError, match=r"scales\[0\] = -1.0 must be positive"):
        validate_params(tree)
    tree["relative_reward"]["umaze"]["steering"]["scales"] = [1.0]
    tree["relative_reward"]["umaze"]["expert_diffuser"]["init"] = "warm"
    with pytest.raises(ParameterError, match="relative_reward.umaze.expert_diffuser.init"):
        validate_params(tree)


def test_a_comparison_evaluation_pairs_with_the_study_evaluation(tmp_path):
    """Run apart from the study's evaluation, a compared method meets the same start states, seeds
    and chain noise: unscaled, its rollouts are the study's base rollouts."""
    from diffirl.envs.registry import get_environment
    from diffirl.evaluation import evaluate_diffuser_methods
    from diffirl.methods import METHODS
    from diffirl.methods.relative_reward.steering import Steered, unit_guidance
    from diffirl.params.schema import SteeringSettings

    from .test_evaluation import GUIDANCE, settings

    steering = SteeringSettings(
        scales=[1.0],
        t_stopgrads=[0],
        selection_seed=100,
        selection_rollouts_per_start=1,
        n_guide_steps=2,
        scale_grad_by_std=False,
    )

    spec, trained = get_environment("umaze"), tiny_trained(tmp_path, "umaze", 4, 2)
    study, study_rollouts, _ = evaluate_diffuser_methods(
        trained, spec, settings(), GUIDANCE, {}, {}, None, progress=False, methods=(METHODS["base"], METHODS["true"])
    )
    reward = PerStepRelativeReward(TRANSITION_DIM, [8], 4)
    compared, compared_rollouts, _ = evaluate_diffuser_methods(
        trained,
        spec,
        settings(),
        unit_guidance(steering),
        {"relative": Steered(reward, 0.0, 0)},
        {},
        None,
        progress=False,
        methods=(METHODS["relative"],),
    )
    np.testing.assert_allclose(
        compared_rollouts["relative"].observations, study_rollouts["base"].observations, atol=2e-3
    )
    steered, steered_rollouts, _ = evaluate_diffuser_methods(
        trained,
        spec,
        settings(),
        unit_guidance(steering),
        {"relative": Steered(reward, 50.0, 0)},
        {},
        None,
        progress=False,
        methods=(METHODS["relative"],),
    )
    assert not np.allclose(steered_rollouts["relative"].observations, study_rollouts["base"].observations, atol=1e-2)


def test_the_discriminator_learns_to_tell_expert_from_base_windows():
    from diffirl.methods.relative_reward.discriminator import discrimination_loss

    torch.manual_seed(0)
    base = diffusion(torch.zeros(HORIZON, TRANSITION_DIM))
    network = PerStepRelativeReward(TRANSITION_DIM, [32], 4)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-2)
    generator = torch.Generator().manual_seed(0)
    for step in range(150):
        low, high = windows(32, 2 * step) * 0.2 - 0.6, windows(32, 2 * step + 1) * 0.2 + 0.6
        loss = discrimination_loss(network, base, low, high, generator)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.4  # log 2 = 0.69 is chance
    clean = torch.zeros(len(low), dtype=torch.long)
    assert (network(high, clean) > network(low, clean)).all()  # at t = 0, expert windows score higher
