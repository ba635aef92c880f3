"""Algorithm 4: learn the reward by backpropagating a trajectory loss through the guided chain.

For a batch of expert K-windows, the frozen diffuser plans from each window's first
state, guided by the reward model; the first K planned steps are compared with the
windows (all in the diffuser's normalised space) and the loss is backpropagated
through every denoising step (or the last ``backprop_steps``) into the reward model's
parameters only.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from diffirl.checkpoints import Fingerprint, load_checkpoint, save_checkpoint
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.precision import with_precision
from diffirl.diffusion.sampling import Guidance, draw_noise, sample
from diffirl.methods import METHODS
from diffirl.methods.thesis import losses
from diffirl.methods.thesis.reward_model import RewardMLP
from diffirl.params.schema import RewardLearning
from diffirl.progress import progress_bar


def trajectory_loss(name: str, plans: torch.Tensor, windows: torch.Tensor, settings: RewardLearning) -> torch.Tensor:
    return losses.trajectory_loss(METHODS[name].trajectory_loss, plans, windows, settings)


class RewardLearner:
    def __init__(
        self,
        trained: TrainedDiffuser,
        windows: np.ndarray,
        settings: RewardLearning,
        loss_name: str,
        guidance: Guidance,
        checkpoint: Path,
        fingerprint: Fingerprint,
        progress: bool = True,
    ):
        self.trained, self.settings, self.loss_name, self.guidance = trained, settings, loss_name, guidance
        self.checkpoint, self.fingerprint, self.progress = Path(checkpoint), fingerprint, progress
        self.device = trained.device
        self.diffusion = with_precision(trained.diffusion, settings.network_precision)
        raw = torch.as_tensor(windows, dtype=torch.float32, device=self.device)
        self.windows = trained.normalizer.normalize(raw)
        self.k = windows.shape[1]
        if self.k > trained.diffusion.horizon:
            raise ValueError(f"K = {self.k} exceeds the diffuser's horizon {trained.diffusion.horizon}")
        torch.manual_seed(settings.seed)
        self.model = RewardMLP(
            trained.diffusion.horizon,
            trained.diffusion.transition_dim,
            settings.hidden,
            settings.step_embedding_dim,
            settings.structure,
        ).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=settings.losses[loss_name].learning_rate)
        self.generator = torch.Generator(device=self.device).manual_seed(settings.seed)
        self.epoch, self.log = 0, []
        #: epoch -> reward-network weights, every ``snapshot_every`` epochs
        self.snapshots: dict[int, dict] = {}

    @property
    def epochs(self) -> int:
        return self.settings.losses[self.loss_name].epochs

    def batch_loss(self, windows: torch.Tensor) -> torch.Tensor:
        conditions = {0: windows[:, 0, self.trained.action_dim :]}
        noise = draw_noise(self.diffusion, len(windows), self.generator, self.device)
        steps = None if self.settings.backprop_steps == "all" else self.settings.backprop_steps
        plans = sample(
            self.diffusion,
            conditions,
            len(windows),
            self.model,
            self.guidance,
            noise=noise,
            differentiable=True,
            grad_steps=steps,
            checkpointing=self.settings.gradient_checkpointing,
        )
        return self.compare(plans[:, : self.k], windows)

    def compare(self, planned: torch.Tensor, windows: torch.Tensor) -> torch.Tensor:
        """The trajectory loss between normalised planned and expert windows, in ``loss_units``."""
        if self.settings.loss_units == "raw":
            planned, windows = (
                self.trained.normalizer.unnormalize(planned),
                self.trained.normalizer.unnormalize(windows),
            )
        return trajectory_loss(self.loss_name, planned, windows, self.settings)

    def _state(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "epoch": self.epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "rng": self.generator.get_state(),
            "log": self.log,
            "snapshots": self.snapshots,
        }

    def _resume(self) -> int:
        state = load_checkpoint(self.checkpoint, self.fingerprint, self.device)
        if state is None:
            return 0
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["rng"].cpu())
        self.epoch, self.log, self.snapshots = state["epoch"], state["log"], state.get("snapshots", {})
        return self.epoch

    def train_epoch(self) -> dict:
        order = torch.randperm(len(self.windows), generator=self.generator, device=self.device)
        losses, norms = [], []
        for batch in order.split(self.settings.batch_size):
            loss = self.batch_loss(self.windows[batch])
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), float("inf"))
            if not (torch.isfinite(loss) and torch.isfinite(norm)):
                raise FloatingPointError(
                    f"{self.loss_name}: loss {loss.item()} / gradient norm {norm.item()} at epoch {self.epoch + 1}; "
                    f"the last good checkpoint stays at {self.checkpoint}"
                )
            self.optimizer.step()
            losses.append(loss.item())
            norms.append(norm.item())
        self.epoch += 1
        return {"epoch": self.epoch, "loss": float(np.mean(losses)), "grad_norm": float(np.mean(norms))}

    def train(self) -> dict:
        resumed = self._resume()
        started = time.perf_counter()
        bar = progress_bar(
            total=self.epochs,
            initial=self.epoch,
            desc=f"learn reward ({self.loss_name})",
            unit="epoch",
            disable=not self.progress,
            work_batch=len(self.windows),
        )
        while self.epoch < self.epochs:
            row = self.train_epoch()
            self.log.append(row)
            bar.update(1)
            bar.set_postfix(loss=f"{row['loss']:.4g}")
            every = self.settings.snapshot_every
            if every and (self.epoch % every == 0 or self.epoch == self.epochs):
                self.snapshots[self.epoch] = {k: v.detach().clone().cpu() for k, v in self.model.state_dict().items()}
            if self.epoch % self.settings.checkpoint_every == 0:
                save_checkpoint(self.checkpoint, self._state())
        bar.close()
        return {"resumed_from_epoch": resumed, "seconds_this_run": time.perf_counter() - started}
