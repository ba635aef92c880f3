"""Gaussian diffusion over trajectories (Janner et al., 2022), with a cosine schedule.

A trajectory is a (horizon, transition_dim) array whose rows are [action, observation].
The network predicts either the clean trajectory x0 or the noise epsilon
(``predict_epsilon``). Conditioning is inpainting: the known states are written into
every intermediate sample (:meth:`GaussianDiffusion.condition`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

Conditions = dict[int, torch.Tensor]  # plan step -> (batch, observation_dim) normalised state


def cosine_beta_schedule(n_timesteps: int, s: float = 0.008) -> np.ndarray:
    """Nichol & Dhariwal's cosine schedule."""
    steps = n_timesteps + 1
    x = np.linspace(0, steps, steps)
    alphas_cumprod = np.cos(((x / steps) + s) / (1 + s) * np.pi * 0.5) ** 2
    alphas_cumprod = alphas_cumprod / alphas_cumprod[0]
    betas = 1 - alphas_cumprod[1:] / alphas_cumprod[:-1]
    return np.clip(betas, 0, 0.999)


class GaussianDiffusion(nn.Module):
    def __init__(
        self,
        model: nn.Module,
        horizon: int,
        observation_dim: int,
        action_dim: int,
        n_timesteps: int,
        predict_epsilon: bool,
        clip_denoised: bool,
        action_weight: float,
    ):
        super().__init__()
        self.model = model
        self.horizon, self.observation_dim, self.action_dim = horizon, observation_dim, action_dim
        self.transition_dim = observation_dim + action_dim
        self.n_timesteps = n_timesteps
        self.predict_epsilon, self.clip_denoised = predict_epsilon, clip_denoised

        betas = torch.tensor(cosine_beta_schedule(n_timesteps), dtype=torch.float64)
        alphas_cumprod = torch.cumprod(1 - betas, dim=0)
        alphas_cumprod_prev = torch.cat([torch.ones(1, dtype=torch.float64), alphas_cumprod[:-1]])
        posterior_variance = betas * (1 - alphas_cumprod_prev) / (1 - alphas_cumprod)
        schedule = {
            "sqrt_alphas_cumprod": alphas_cumprod.sqrt(),
            "sqrt_one_minus_alphas_cumprod": (1 - alphas_cumprod).sqrt(),
            "sqrt_recip_alphas_cumprod": (1 / alphas_cumprod).sqrt(),
            "sqrt_recipm1_alphas_cumprod": (1 / alphas_cumprod - 1).sqrt(),
            "posterior_variance": posterior_variance,
            # the variance is 0 at t = 0; clamped as the Diffuser's code does, so guidance
            # scaled by it vanishes there and no noise is added at the last step anyway
            "posterior_log_variance": torch.log(posterior_variance.clamp(min=1e-20)),
            "posterior_mean_coef_x0": betas * alphas_cumprod_prev.sqrt() / (1 - alphas_cumprod),
            "posterior_mean_coef_xt": (1 - alphas_cumprod_prev) * (1 - betas).sqrt() / (1 - alphas_cumprod),
        }
        for name, values in schedule.items():
            self.register_buffer(name, values.float())

        weights = torch.ones(horizon, self.transition_dim)
        weights[0, :action_dim] = action_weight  # the first action is the one a planner executes
        self.register_buffer("loss_weights", weights)

    # --- conditioning --------------------------------------------------------------------
    def condition(self, x: torch.Tensor, conditions: Conditions) -> torch.Tensor:
        """Write the known states into ``x`` without in-place ops, so autograd can see through it."""
        if not conditions:
            return x
        mask = torch.zeros_like(x[:1])
        known = torch.zeros_like(x)
        for step, state in conditions.items():
            mask[:, step, self.action_dim :] = 1
            known[:, step, self.action_dim :] = state
        return x * (1 - mask) + known * mask

    # --- forward process and training loss ------------------------------------------------
    @staticmethod
    def _at(values: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return values[t][:, None, None]

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return self._at(self.sqrt_alphas_cumprod, t) * x0 + self._at(self.sqrt_one_minus_alphas_cumprod, t) * noise

    def loss(self, x0: torch.Tensor, conditions: Conditions, generator: torch.Generator | None = None) -> torch.Tensor:
        batch = x0.shape[0]
        t = torch.randint(0, self.n_timesteps, (batch,), device=x0.device, generator=generator)
        noise = torch.randn(x0.shape, device=x0.device, generator=generator)
        x_noisy = self.condition(self.q_sample(x0, t, noise), conditions)
        prediction = self.model(x_noisy, t)
        if self.predict_epsilon:
            target = noise
        else:
            prediction, target = self.condition(prediction, conditions), x0
        return ((prediction - target) ** 2 * self.loss_weights).mean()

    # --- reverse process ------------------------------------------------------------------
    def predict_x0(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        output = self.model(x, t)
        if self.predict_epsilon:
            output = (
                self._at(self.sqrt_recip_alphas_cumprod, t) * x - self._at(self.sqrt_recipm1_alphas_cumprod, t) * output
            )
        return output.clamp(-1.0, 1.0) if self.clip_denoised else output

    def posterior(self, x: torch.Tensor, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of p(x_{t-1} | x_t)."""
        x0 = self.predict_x0(x, t)
        mean = self._at(self.posterior_mean_coef_x0, t) * x0 + self._at(self.posterior_mean_coef_xt, t) * x
        return mean, self._at(self.posterior_log_variance, t)
