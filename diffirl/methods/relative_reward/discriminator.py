"""The discriminator Nuti et al. compare the relative reward with: a network of the same shape
trained to tell expert from base windows at a common noise level, whose log-odds (its output,
a logit) then guide the base diffuser as the relative reward does."""

from __future__ import annotations

import torch
from torch.nn import functional


def discrimination_loss(
    network: torch.nn.Module,
    base: torch.nn.Module,
    base_windows: torch.Tensor,
    expert_windows: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Binary cross-entropy of the network's logits, expert windows labelled 1 and base windows 0,
    each noised to a uniform step of the base diffuser's chain (first state kept)."""
    clean = torch.cat([base_windows, expert_windows])
    labels = torch.cat([torch.zeros(len(base_windows)), torch.ones(len(expert_windows))]).to(clean.device)
    steps = torch.randint(0, base.n_timesteps, (len(clean),), device=clean.device, generator=generator)
    noise = torch.randn(clean.shape, device=clean.device, generator=generator)
    noised = base.condition(base.q_sample(clean, steps, noise), {0: clean[:, 0, base.action_dim :]})
    return functional.binary_cross_entropy_with_logits(network(noised, steps), labels)
