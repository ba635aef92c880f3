"""Learning the relative reward by gradient alignment (the paper's Eq. 14, in its practical form Eq. 45).

A clean window x_0 (of the base data or of the experts) is noised to x_t at a uniform step t;
both frozen diffusers predict the mean of x_{t-1}; the reward's input gradient at x_t is
regressed onto the expert's mean minus the base's, which needs a second-order backward pass
(the gradient is itself differentiated with respect to the reward's weights).

The sign: Eq. 45 writes base minus expert, with a note that a sign flips between score and mean
parameterisations; the authors' code regresses expert minus base, the direction that steers the
base towards the expert under classifier guidance x <- x + scale * grad rho. We follow the code
(README, Deviations).
"""

from __future__ import annotations

import torch

from diffirl.diffusion.gaussian import GaussianDiffusion


def alignment_target(
    base: GaussianDiffusion, expert: GaussianDiffusion, noised: torch.Tensor, steps: torch.Tensor, conditions: dict
) -> torch.Tensor:
    """The expert's denoising mean minus the base's at each noised plan (no gradient); zero on the
    conditioned entries, which the planner overwrites whatever the guide does."""
    with torch.no_grad():
        expert_mean = expert.condition(expert.posterior(noised, steps)[0], conditions)
        return expert_mean - base.condition(base.posterior(noised, steps)[0], conditions)


def reward_gradient(reward: torch.nn.Module, plans: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """d rho / d plans, kept in the graph so that a loss on it reaches the reward's weights."""
    plans = plans.detach().requires_grad_(True)
    return torch.autograd.grad(reward(plans, steps).sum(), plans, create_graph=True)[0]


def gradient_alignment_loss(
    reward: torch.nn.Module,
    base: GaussianDiffusion,
    expert: GaussianDiffusion,
    clean: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Mean squared error between grad rho(x_t, t) and the expert-minus-base mean, over a batch of clean
    normalised windows (batch, horizon, transition_dim) and uniform steps. The noised windows keep their
    first state, as every plan the planner makes starts at the current state."""
    steps = torch.randint(0, base.n_timesteps, (len(clean),), device=clean.device, generator=generator)
    noise = torch.randn(clean.shape, device=clean.device, generator=generator)
    conditions = {0: clean[:, 0, base.action_dim :]}
    noised = base.condition(base.q_sample(clean, steps, noise), conditions)
    target = alignment_target(base, expert, noised, steps, conditions)
    return ((reward_gradient(reward, noised, steps) - target) ** 2).mean()
