"""The expert diffuser: the base diffuser's architecture trained on the study's expert trajectories,
in the base diffuser's normalised space (the alignment compares the two models' means there).

The paper trains its experts from scratch on large expert datasets; ours are small, so the
expert can also start from the base's weights and fine-tune (``init: base``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from diffirl.data.format import Dataset, make_dataset
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.training import DiffuserTrainer, TrainingResult, settings_fingerprint
from diffirl.experts.trajectories import Experts
from diffirl.params.schema import Diffuser


def experts_as_dataset(experts: Experts, action_dim: int) -> Dataset:
    """Every expert trajectory as one episode of a dataset (rewards unknown: zeros)."""
    count, length, _ = experts.trajectories.shape
    rows = experts.trajectories.reshape(count * length, -1)
    ends = np.zeros(count * length, dtype=bool)
    ends[length - 1 :: length] = True
    no_terminals = np.zeros(len(rows), dtype=bool)
    return make_dataset(rows[:, action_dim:], rows[:, :action_dim], np.zeros(len(rows)), no_terminals, ends)


def train_expert_diffuser(
    base: TrainedDiffuser,
    experts: Experts,
    settings: Diffuser,
    init: Literal["scratch", "base"],
    checkpoint: Path,
    data_digest: str,
    progress: bool = True,
) -> TrainingResult:
    """Train the expert diffuser; ``settings``: the base's with the expert's training overrides.
    Resumable from ``checkpoint`` as the base diffuser's training is."""
    if settings.horizon != base.settings.horizon or settings.dim != base.settings.dim:
        raise ValueError("the expert diffuser must have the base diffuser's architecture (horizon, dim)")
    if experts.trajectories.shape[1] < settings.horizon:
        raise ValueError(
            f"expert trajectories of {experts.trajectories.shape[1]} steps are shorter than the horizon {settings.horizon}"
        )
    settings = settings.model_copy(update={"max_episodes": None, "held_out_fraction": 0.0})  # every expert
    dataset = experts_as_dataset(experts, base.action_dim)
    trainer = DiffuserTrainer(
        settings,
        dataset,
        checkpoint,
        settings_fingerprint(settings, f"{data_digest}:{init}"),
        base.device,
        progress,
        normalizer=base.normalizer,
        initial_weights=base.diffusion.state_dict() if init == "base" else None,
    )
    return trainer.train()
