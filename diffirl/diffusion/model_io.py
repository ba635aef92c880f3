"""Building a diffuser from its settings, and the file a trained one is saved in."""

from __future__ import annotations

from pathlib import Path

import torch

from diffirl import paths
from diffirl.device import resolve_device
from diffirl.diffusion.gaussian import GaussianDiffusion
from diffirl.diffusion.normalization import Normalizer
from diffirl.diffusion.sampling import freeze
from diffirl.diffusion.unet import TemporalUnet
from diffirl.io import write_torch
from diffirl.params.schema import Diffuser


def build_diffusion(settings: Diffuser, observation_dim: int, action_dim: int) -> GaussianDiffusion:
    network = TemporalUnet(settings.horizon, observation_dim + action_dim, settings.dim, tuple(settings.dim_mults))
    return GaussianDiffusion(
        network,
        horizon=settings.horizon,
        observation_dim=observation_dim,
        action_dim=action_dim,
        n_timesteps=settings.n_diffusion_steps,
        predict_epsilon=settings.predict_epsilon,
        clip_denoised=settings.clip_denoised,
        action_weight=settings.action_weight,
    )


def save_diffuser(
    path: str | Path,
    settings: Diffuser,
    observation_dim: int,
    action_dim: int,
    normalizer: Normalizer,
    weights: dict,
    early_weights: dict | None,
) -> None:
    payload = {
        "settings": settings.model_dump(mode="json"),
        "observation_dim": observation_dim,
        "action_dim": action_dim,
        "normalizer": normalizer.state_dict(),
        "weights": weights,
        "early_weights": early_weights,
    }
    write_torch(path, payload)


class TrainedDiffuser:
    """A saved diffuser, loaded frozen for planning, with the normaliser it was trained with."""

    def __init__(self, path: str | Path, device: torch.device | str = "cpu", early: bool = False):
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"trained diffuser {path} does not exist")
        payload = torch.load(path, map_location="cpu", weights_only=False)
        self.settings = Diffuser.model_validate(payload["settings"])
        self.observation_dim, self.action_dim = payload["observation_dim"], payload["action_dim"]
        self.normalizer = Normalizer.from_state_dict(payload["normalizer"])
        weights = payload["early_weights"] if early else payload["weights"]
        if weights is None:
            raise ValueError(f"{path} holds no early weights")
        self.diffusion = build_diffusion(self.settings, self.observation_dim, self.action_dim)
        self.diffusion.load_state_dict(weights)
        self.diffusion = freeze(self.diffusion.to(device))
        self.device = torch.device(device)

    def normalize_states(self, states: torch.Tensor) -> torch.Tensor:
        """Normalise observations only (the condition of a plan)."""
        return (states - self.normalizer.shift[self.action_dim :].to(states.device)) / self.normalizer.scale[
            self.action_dim :
        ].to(states.device)

    def split(self, plans: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Unnormalise plans and split them into (actions, observations)."""
        raw = self.normalizer.unnormalize(plans)
        return raw[..., : self.action_dim], raw[..., self.action_dim :]


def load_trained_diffuser(environment: str, settings: Diffuser) -> TrainedDiffuser:
    """The environment's trained diffuser, frozen, on the device its settings ask for, torch threads set."""
    torch.set_num_threads(settings.torch_threads)
    return TrainedDiffuser(paths.diffuser_model(environment), resolve_device(settings.device))
