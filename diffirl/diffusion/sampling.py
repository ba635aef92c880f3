"""The one sampling function every stage plans with: unguided, inpainted, or guided.

Guidance follows the Diffuser's code (docs/thesis.md §5). At each reverse step t, before
the denoising mean is computed, the sample is nudged ``n_guide_steps`` times::

    x <- x + scale * var_t * grad_x R(x)      (var_t only when scale_grad_by_std)

with no nudge for t < t_stopgrad and the conditions written back after each nudge;
then x_{t-1} = mean(x, t) + std_t * z, with no noise at t = 0. The guide R maps
normalised trajectories (batch, horizon, transition_dim) and their diffusion steps
(batch,) to one value each; the thesis's guides ignore the step (the Diffuser's value
guides, and the step-conditioned reward variant, read it).

In ``differentiable`` mode the whole chain stays in the autograd graph (the guide's
input gradient is taken with ``create_graph``), so a loss on the samples can be
backpropagated into the guide's parameters. The diffusion model's weights are frozen
(:func:`freeze`) and never receive gradients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.utils.checkpoint

from diffirl.diffusion.gaussian import Conditions, GaussianDiffusion

#: (plans, diffusion steps) -> one value per plan
Guide = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Guidance:
    scale: float
    n_guide_steps: int = 2
    t_stopgrad: int = 0
    scale_grad_by_std: bool = True


def freeze(diffusion: GaussianDiffusion) -> GaussianDiffusion:
    """Planning never trains the diffuser: drop its weights from autograd for good."""
    diffusion.requires_grad_(False)
    return diffusion.eval()


def draw_noise(
    diffusion: GaussianDiffusion,
    batch: int,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """All the noise one chain uses: index 0 is x_T, index k the z of reverse step T - k."""
    shape = (diffusion.n_timesteps + 1, batch, diffusion.horizon, diffusion.transition_dim)
    return torch.randn(shape, generator=generator, device=device)


def _guide_gradient(guide: Guide, x: torch.Tensor, steps: torch.Tensor, differentiable: bool) -> torch.Tensor:
    if differentiable:
        if not x.requires_grad:
            x.requires_grad_(True)
        (gradient,) = torch.autograd.grad(guide(x, steps).sum(), x, create_graph=True)
        return gradient
    with torch.enable_grad():
        leaf = x.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(guide(leaf, steps).sum(), leaf)
    return gradient


def sample(
    diffusion: GaussianDiffusion,
    conditions: Conditions,
    batch: int,
    guide: Guide | None = None,
    guidance: Guidance | None = None,
    noise: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    differentiable: bool = False,
    grad_steps: int | None = None,
    checkpointing: bool = False,
) -> torch.Tensor:
    """Sample ``batch`` normalised plans; pass ``noise`` (see :func:`draw_noise`) to fix the chain.

    In differentiable mode, ``grad_steps`` keeps only the last that many reverse steps in
    the graph (truncated backpropagation; None keeps all, the thesis's setting), and
    ``checkpointing`` recomputes each reverse step in the backward pass instead of
    storing its activations (same gradients, far less memory).
    """
    if guide is not None and guidance is None:
        raise ValueError("a guide needs Guidance settings")
    device = diffusion.posterior_variance.device
    if noise is None:
        noise = draw_noise(diffusion, batch, generator, device)
    if noise.shape[:2] != (diffusion.n_timesteps + 1, batch):
        raise ValueError(f"noise has shape {tuple(noise.shape)}, expected ({diffusion.n_timesteps + 1}, {batch}, ...)")

    def reverse_step(x: torch.Tensor, t: int, z: torch.Tensor, tracked: bool) -> torch.Tensor:
        steps = torch.full((batch,), t, dtype=torch.long, device=device)
        if guide is not None and t >= guidance.t_stopgrad:
            for _ in range(guidance.n_guide_steps):
                gradient = _guide_gradient(guide, x, steps, tracked)
                if guidance.scale_grad_by_std:
                    gradient = diffusion.posterior_log_variance[t].exp() * gradient
                x = diffusion.condition(x + guidance.scale * gradient, conditions)
        with torch.set_grad_enabled(tracked):
            mean, log_variance = diffusion.posterior(x, steps)
        x = mean + (0.5 * log_variance).exp() * z if t > 0 else mean
        return diffusion.condition(x, conditions)

    first_tracked = 0 if grad_steps is None else max(0, diffusion.n_timesteps - grad_steps)
    x = diffusion.condition(noise[0], conditions)
    for k, t in enumerate(reversed(range(diffusion.n_timesteps)), start=1):
        tracked = differentiable and k - 1 >= first_tracked
        if not tracked:
            x = reverse_step(x, t, noise[k], False).detach()
        elif checkpointing:
            x = torch.utils.checkpoint.checkpoint(reverse_step, x, t, noise[k], True, use_reentrant=False)
        else:
            x = reverse_step(x, t, noise[k], True)
    return x
