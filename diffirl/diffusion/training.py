"""Training the base diffuser: Adam, EMA, periodic checkpoints, exact resume.

A checkpoint holds the model, the EMA copy, the optimiser, the batch sampler's
generator and the metrics logged so far, so a run killed at any point and started
again continues from its last checkpoint; on the CPU, at the same seed, it ends with
the same weights as a run that was never interrupted. A checkpoint written under other
settings is ignored (training starts over), since resuming it would mix two runs.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from diffirl.checkpoints import Fingerprint, fingerprint, load_checkpoint, save_checkpoint
from diffirl.data.format import Dataset, read_dataset, read_provenance
from diffirl.device import resolve_device
from diffirl.diffusion.gaussian import GaussianDiffusion
from diffirl.diffusion.model_io import build_diffusion, save_diffuser
from diffirl.diffusion.normalization import Normalizer
from diffirl.diffusion.windows import WindowSampler, covered_rows, diffuser_episodes, transitions, window_starts
from diffirl.params.schema import Diffuser
from diffirl.progress import progress_bar


def settings_fingerprint(settings: Diffuser, data_sha256: str) -> Fingerprint:
    return fingerprint(settings.model_dump(mode="json"), data_sha256)


@dataclass
class TrainingResult:
    diffusion: GaussianDiffusion  # the EMA model
    normalizer: Normalizer
    early_weights: dict | None
    log: list[dict] = field(default_factory=list)
    windows: int = 0
    skipped_episodes: int = 0
    resumed_from: int = 0
    seconds: float = 0.0


def training_inputs(settings: Diffuser, data_path: Path) -> tuple[Dataset, Fingerprint, torch.device]:
    """The dataset a base diffuser trains on, the fingerprint its checkpoint resumes under, its device
    (raises DatasetError or RuntimeError, which a stage reports)."""
    torch.set_num_threads(settings.torch_threads)
    dataset = read_dataset(data_path)
    return (
        dataset,
        settings_fingerprint(settings, read_provenance(data_path)["sha256"]),
        resolve_device(settings.device),
    )


def save_trained(path: Path, settings: Diffuser, dataset: Dataset, result: TrainingResult) -> None:
    """The trained diffuser as :class:`diffirl.diffusion.model_io.TrainedDiffuser` loads it."""
    save_diffuser(
        path,
        settings,
        dataset.observations.shape[1],
        dataset.actions.shape[1],
        result.normalizer,
        result.diffusion.state_dict(),
        result.early_weights,
    )


class DiffuserTrainer:
    def __init__(
        self,
        settings: Diffuser,
        dataset: Dataset,
        checkpoint: Path,
        fingerprint: Fingerprint,
        device: torch.device,
        progress: bool = True,
        normalizer: Normalizer | None = None,
        initial_weights: dict | None = None,
    ):
        """``normalizer``: a fixed one (a second diffuser in the first's normalised space) instead of
        one fitted to ``dataset``; ``initial_weights``: start from these (fine-tuning) instead of
        the seed's initialisation."""
        self.settings, self.checkpoint, self.fingerprint = settings, Path(checkpoint), fingerprint
        self.device, self.progress = device, progress
        torch.manual_seed(settings.seed)
        rows = transitions(dataset)
        episodes = diffuser_episodes(dataset, settings.max_episodes, settings.held_out_fraction)
        starts, self.skipped = window_starts(dataset, settings.horizon, episodes)
        self.normalizer = normalizer or Normalizer.fit(
            settings.normalizer, rows[covered_rows(starts, settings.horizon, len(rows))]
        )
        normalized = self.normalizer.normalize(torch.as_tensor(rows, dtype=torch.float32)).to(device)
        self.sampler = WindowSampler(normalized, starts, settings.horizon, settings.seed)
        self.action_dim = dataset.actions.shape[1]
        self.model = build_diffusion(settings, dataset.observations.shape[1], self.action_dim)
        if initial_weights is not None:
            self.model.load_state_dict(initial_weights)
        self.model.to(device)
        self.ema = copy.deepcopy(self.model).requires_grad_(False)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=settings.learning_rate, fused=True)
        self.noise_generator = torch.Generator(device=device).manual_seed(settings.seed + 1)
        self.step, self.log, self.early_weights = 0, [], None

    # --- checkpoints ----------------------------------------------------------------------
    def _state(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "step": self.step,
            "model": self.model.state_dict(),
            "ema": self.ema.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "sampler_rng": self.sampler.generator.get_state(),
            "noise_rng": self.noise_generator.get_state(),
            "log": self.log,
            "early_weights": self.early_weights,
        }

    def save_checkpoint(self) -> None:
        save_checkpoint(self.checkpoint, self._state())

    def try_resume(self) -> int:
        state = load_checkpoint(self.checkpoint, self.fingerprint, self.device)
        if state is None:
            return 0
        self.model.load_state_dict(state["model"])
        self.ema.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.sampler.generator.set_state(state["sampler_rng"].cpu())
        self.noise_generator.set_state(state["noise_rng"].cpu())
        self.step, self.log, self.early_weights = state["step"], state["log"], state["early_weights"]
        return self.step

    # --- one step ---------------------------------------------------------------------------
    def _conditions(self, batch: torch.Tensor) -> dict[int, torch.Tensor]:
        conditions = {0: batch[:, 0, self.action_dim :]}
        rate = self.settings.goal_condition_rate
        if rate > 0 and (rate == 1 or torch.rand((), generator=self.noise_generator, device=batch.device) < rate):
            conditions[self.settings.horizon - 1] = batch[:, -1, self.action_dim :]
        return conditions

    def _update_ema(self) -> None:
        if self.step < self.settings.ema_start:
            self.ema.load_state_dict(self.model.state_dict())
            return
        decay = self.settings.ema_decay
        with torch.no_grad():
            for ema_p, p in zip(self.ema.parameters(), self.model.parameters()):
                ema_p.lerp_(p, 1 - decay)

    def train_step(self) -> float:
        batch = self.sampler.batch(self.settings.batch_size)
        loss = self.model.loss(batch, self._conditions(batch), self.noise_generator)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        if self.step % self.settings.ema_every == 0:
            self._update_ema()
        return loss.item()

    def train(self) -> TrainingResult:
        resumed = self.try_resume()
        started = time.perf_counter()
        bar = progress_bar(
            total=self.settings.n_train_steps,
            initial=self.step,
            desc="train diffuser",
            unit="step",
            disable=not self.progress,
            mininterval=2,
        )
        while self.step < self.settings.n_train_steps:
            loss = self.train_step()
            if not np.isfinite(loss):
                raise FloatingPointError(f"diffusion loss became {loss} at step {self.step}")
            self.log.append({"step": self.step, "loss": loss})
            if self.step == self.settings.early_sample_step:
                self.early_weights = copy.deepcopy(self.ema.state_dict())
            if self.step % self.settings.checkpoint_every == 0:
                self.save_checkpoint()
            bar.update(1)
            if self.step % 50 == 0:
                bar.set_postfix(loss=f"{loss:.4f}")
        bar.close()
        return TrainingResult(
            diffusion=self.ema,
            normalizer=self.normalizer,
            early_weights=self.early_weights,
            log=self.log,
            windows=len(self.sampler),
            skipped_episodes=self.skipped,
            resumed_from=resumed,
            seconds=time.perf_counter() - started,
        )
