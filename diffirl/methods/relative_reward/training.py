"""Training the relative reward: Adam on the gradient-alignment loss, checkpoints, exact resume.

Each batch mixes windows of the base dataset and of the expert trajectories (``expert_share``),
both in the base diffuser's normalised space: the alignment needs x_t from where either model
puts its mass. A checkpoint holds the network, the optimiser and every generator, so a run
killed and started again ends with the weights of a run never interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from diffirl.checkpoints import Fingerprint, load_checkpoint, save_checkpoint
from diffirl.data.format import Dataset
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.windows import WindowSampler, diffuser_episodes, transitions, window_starts
from diffirl.experts.trajectories import Experts
from diffirl.io import write_torch
from diffirl.methods.relative_reward.discriminator import discrimination_loss
from diffirl.methods.relative_reward.gradient_alignment import gradient_alignment_loss
from diffirl.methods.relative_reward.network import PerStepRelativeReward
from diffirl.params.schema import RelativeRewardSettings
from diffirl.progress import progress_bar


@dataclass
class RelativeRewardResult:
    reward: PerStepRelativeReward
    log: list[dict] = field(default_factory=list)
    resumed_from: int = 0
    seconds: float = 0.0


#: a training loss of (network, base windows, expert windows, noise generator)
Objective = Callable[[torch.nn.Module, torch.Tensor, torch.Tensor, torch.Generator], torch.Tensor]


def alignment_objective(base: TrainedDiffuser, expert: TrainedDiffuser) -> Objective:
    """The relative reward's: gradient alignment on the pooled windows."""
    return lambda network, base_part, expert_part, generator: gradient_alignment_loss(
        network, base.diffusion, expert.diffusion, torch.cat([base_part, expert_part]), generator
    )


def discrimination_objective(base: TrainedDiffuser) -> Objective:
    """The discriminator's: expert against base windows at a common noise level."""
    return lambda network, base_part, expert_part, generator: discrimination_loss(
        network, base.diffusion, base_part, expert_part, generator
    )


class RelativeRewardTrainer:
    """Trains a per-step network (the relative reward, or the discriminator the paper compares it
    with) on batches of base and expert windows, by ``objective``."""

    def __init__(
        self,
        base: TrainedDiffuser,
        objective: Objective,
        base_windows: WindowSampler,
        expert_windows: torch.Tensor,
        settings: RelativeRewardSettings,
        checkpoint: Path,
        fingerprint: Fingerprint,
        progress: bool = True,
        name: str = "relative reward",
    ):
        """``base_windows``: normalised windows of the base dataset; ``expert_windows``: (n, horizon,
        transition_dim) normalised expert windows; ``name``: the progress bar's."""
        if len(expert_windows) == 0:
            raise ValueError("no expert window is as long as the diffuser's horizon")
        self.objective, self.settings = objective, settings
        self.base_windows, self.expert_windows = base_windows, expert_windows
        self.checkpoint, self.fingerprint, self.progress, self.name = Path(checkpoint), fingerprint, progress, name
        torch.manual_seed(settings.seed)
        transition_dim = base.observation_dim + base.action_dim
        self.reward = PerStepRelativeReward(transition_dim, settings.hidden, settings.step_embedding_dim).to(
            base.device
        )
        self.optimizer = torch.optim.Adam(self.reward.parameters(), lr=settings.learning_rate)
        self.expert_generator = torch.Generator().manual_seed(settings.seed + 1)
        self.noise_generator = torch.Generator(device=base.device).manual_seed(settings.seed + 2)
        self.step, self.log = 0, []

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(base windows, expert windows) of one batch, ``expert_share`` of it expert."""
        n_expert = round(self.settings.batch_size * self.settings.expert_share)
        chosen = torch.randint(len(self.expert_windows), (n_expert,), generator=self.expert_generator)
        base_part = self.base_windows.batch(self.settings.batch_size - n_expert)
        return base_part, self.expert_windows[chosen.to(self.expert_windows.device)]

    def _state(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "step": self.step,
            "reward": self.reward.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "base_rng": self.base_windows.generator.get_state(),
            "expert_rng": self.expert_generator.get_state(),
            "noise_rng": self.noise_generator.get_state(),
            "log": self.log,
        }

    def _resume(self) -> int:
        state = load_checkpoint(self.checkpoint, self.fingerprint, self.noise_generator.device)
        if state is None:
            return 0
        self.reward.load_state_dict(state["reward"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.base_windows.generator.set_state(state["base_rng"].cpu())
        self.expert_generator.set_state(state["expert_rng"].cpu())
        self.noise_generator.set_state(state["noise_rng"].cpu())
        self.step, self.log = state["step"], state["log"]
        return self.step

    def train(self) -> RelativeRewardResult:
        resumed = self._resume()
        started = time.perf_counter()
        bar = progress_bar(
            total=self.settings.training_steps,
            initial=self.step,
            desc=self.name,
            unit="step",
            disable=not self.progress,
            mininterval=2,
        )
        while self.step < self.settings.training_steps:
            loss = self.objective(self.reward, *self._batch(), self.noise_generator)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self.step += 1
            if not np.isfinite(loss.item()):
                raise FloatingPointError(f"gradient-alignment loss became {loss.item()} at step {self.step}")
            self.log.append({"step": self.step, "loss": loss.item()})
            if self.step % self.settings.checkpoint_every == 0:
                save_checkpoint(self.checkpoint, self._state())
            bar.update(1)
        bar.close()
        return RelativeRewardResult(self.reward, self.log, resumed, time.perf_counter() - started)


def base_window_sampler(base: TrainedDiffuser, dataset: Dataset, seed: int) -> WindowSampler:
    """The windows the base diffuser trained on, normalised as it normalises them."""
    episodes = diffuser_episodes(dataset, base.settings.max_episodes, base.settings.held_out_fraction)
    starts, _ = window_starts(dataset, base.settings.horizon, episodes)
    rows = base.normalizer.normalize(torch.as_tensor(transitions(dataset), dtype=torch.float32))
    return WindowSampler(rows.to(base.device), starts, base.settings.horizon, seed)


def expert_windows(base: TrainedDiffuser, experts: Experts) -> torch.Tensor:
    """Every horizon-long window (stride 1) of every expert trajectory, normalised as the base's data."""
    horizon = base.settings.horizon
    trajectories = torch.as_tensor(experts.trajectories, dtype=torch.float32)
    if trajectories.shape[1] < horizon:
        return trajectories.new_zeros((0, horizon, trajectories.shape[2]))
    windows = trajectories.unfold(1, horizon, 1).permute(0, 1, 3, 2).reshape(-1, horizon, trajectories.shape[2])
    return base.normalizer.normalize(windows).to(base.device)


def save_relative_reward(path: Path, reward: PerStepRelativeReward) -> None:
    write_torch(
        path,
        {
            "transition_dim": reward.transition_dim,
            "hidden": reward.hidden,
            "step_embedding_dim": reward.step_embedding_dim,
            "weights": reward.state_dict(),
        },
    )


def load_relative_reward(path: Path, device: torch.device | str = "cpu") -> PerStepRelativeReward:
    if not Path(path).is_file():
        raise FileNotFoundError(f"relative reward {path} does not exist")
    saved = torch.load(path, map_location="cpu", weights_only=True)
    reward = PerStepRelativeReward(saved["transition_dim"], saved["hidden"], saved["step_embedding_dim"])
    reward.load_state_dict(saved["weights"])
    return reward.to(device).eval().requires_grad_(False)
