"""The known-answer gradient test: does a learnt reward steer the way the true reward does?

Classifier guidance moves a plan along the guide's gradient with respect to the plan, so a
learnt reward steers as the true one exactly where the two gradients point the same way; a
constant offset or a positive rescaling of a reward changes neither its gradient's direction
nor its steering. Along the base diffuser's own unguided chains (fixed noise, so every reward
is measured on the same plans), at every reverse step, this gives the cosine between each
guide's gradient and the reference's per chain, over the entries the planner keeps (the
conditioned first state is written back after every push, so its gradient steers nothing).
"""

from __future__ import annotations

import numpy as np
import torch

from diffirl.diffusion.gaussian import Conditions, GaussianDiffusion
from diffirl.diffusion.sampling import Guide


def kept_entries(diffusion: GaussianDiffusion, conditions: Conditions, like: torch.Tensor) -> torch.Tensor:
    """1 where a push of the guide survives the conditioning, 0 where the planner overwrites it."""
    overwritten = {step: torch.zeros_like(values) for step, values in conditions.items()}
    return diffusion.condition(torch.ones_like(like), overwritten)


def plan_gradient(guide: Guide, plans: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    with torch.enable_grad():
        leaf = plans.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(guide(leaf, steps).sum(), leaf)
    return gradient


def gradient_cosines(
    diffusion: GaussianDiffusion,
    conditions: Conditions,
    guides: dict[str, Guide],
    reference: Guide,
    noise: torch.Tensor,
) -> dict[str, np.ndarray]:
    """Name -> cosine of its guide's gradient with the reference's, shape (reverse steps, chains),
    steps in the chain's order (T - 1 first); ``noise`` as :func:`diffirl.diffusion.sampling.draw_noise`."""
    batch = noise.shape[1]
    x = diffusion.condition(noise[0], conditions)
    kept = kept_entries(diffusion, conditions, x).flatten(1)
    cosines: dict[str, list[torch.Tensor]] = {name: [] for name in guides}
    for k, t in enumerate(reversed(range(diffusion.n_timesteps)), start=1):
        steps = torch.full((batch,), t, dtype=torch.long, device=x.device)
        target = plan_gradient(reference, x, steps).flatten(1) * kept
        for name, guide in guides.items():
            gradient = plan_gradient(guide, x, steps).flatten(1) * kept
            cosines[name].append(torch.nn.functional.cosine_similarity(gradient, target, dim=1))
        with torch.no_grad():
            mean, log_variance = diffusion.posterior(x, steps)
        x = diffusion.condition(mean + (0.5 * log_variance).exp() * noise[k] if t > 0 else mean, conditions)
    return {name: torch.stack(values).cpu().numpy() for name, values in cosines.items()}
