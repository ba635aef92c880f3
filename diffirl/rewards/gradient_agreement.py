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
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guidance, Guide, draw_noise, sample
from diffirl.envs.registry import EnvironmentSpec
from diffirl.evaluation import evaluation_starts
from diffirl.params.schema import EvaluationSettings

#: the sampler's settings for a guide that only observes: one call per reverse step, a push of zero
OBSERVING = Guidance(scale=0.0, n_guide_steps=1, t_stopgrad=0, scale_grad_by_std=False)


def kept_entries(diffusion: GaussianDiffusion, conditions: Conditions, like: torch.Tensor) -> torch.Tensor:
    """1 where a push of the guide survives the conditioning, 0 where the planner overwrites it."""
    overwritten = {step: torch.zeros_like(values) for step, values in conditions.items()}
    return diffusion.condition(torch.ones_like(like), overwritten)


def gradient_cosines(
    diffusion: GaussianDiffusion,
    conditions: Conditions,
    guides: dict[str, Guide],
    reference: Guide,
    noise: torch.Tensor,
) -> dict[str, np.ndarray]:
    """Name -> cosine of its guide's gradient with the reference's, shape (reverse steps, chains),
    steps in the chain's order (T - 1 first); ``noise`` as :func:`diffirl.diffusion.sampling.draw_noise`.

    The chains are the sampler's own: :func:`~diffirl.diffusion.sampling.sample` runs them with a
    guide that records the cosines at every reverse step and whose push is scaled to zero."""
    kept = kept_entries(diffusion, conditions, noise[0]).flatten(1)
    cosines: dict[str, list[torch.Tensor]] = {name: [] for name in guides}

    def observe(plans: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
        def gradient(guide: Guide) -> torch.Tensor:
            return torch.autograd.grad(guide(plans, steps).sum(), plans)[0].flatten(1) * kept

        target = gradient(reference)
        for name, guide in guides.items():
            cosines[name].append(torch.nn.functional.cosine_similarity(gradient(guide), target, dim=1))
        return reference(plans, steps)

    sample(diffusion, conditions, noise.shape[1], observe, OBSERVING, noise=noise)
    return {name: torch.stack(values).detach().cpu().numpy() for name, values in cosines.items()}


def evaluation_chains(
    trained: TrainedDiffuser, spec: EnvironmentSpec, settings: EvaluationSettings
) -> tuple[Conditions, torch.Tensor]:
    """The chains the test runs along: one per evaluation rollout, conditioned on its start state,
    with noise drawn from the evaluation's seed (the conditions and noise of :func:`gradient_cosines`)."""
    starts, _ = evaluation_starts(spec, settings)
    conditions = {0: trained.normalize_states(torch.as_tensor(starts, dtype=torch.float32, device=trained.device))}
    generator = torch.Generator(device=trained.device).manual_seed(settings.seed)
    return conditions, draw_noise(trained.diffusion, len(starts), generator, trained.device)


def mean_cosine(cosines: np.ndarray) -> np.ndarray:
    """Per chain, the cosine averaged over reverse steps (the unit an interval is taken over)."""
    return cosines.mean(axis=0)
