"""The schema of ``params.yaml``.

Every model forbids unknown keys, so a misspelt setting is an error rather than a
silently ignored default. Ranges are the ones that make sense for the quantity, not
tuning advice.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, create_model, model_validator

PositiveInt = Field(gt=0)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


DataSource = Literal["generate", "d4rl", "minari"]


class RemoteFile(Strict):
    """A D4RL HDF5 file: where to fetch it and the sha256 it must have."""

    url: HttpUrl
    #: hex sha256 of the file; null trusts the first download and records its hash
    sha256: Optional[str] = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    timeout_s: float = Field(default=60.0, gt=0)


class MazeGeneration(Strict):
    """D4RL's maze2d procedure: grid waypoints to random goal cells, PD tracking, noise."""

    n_transitions: int = Field(gt=0)
    episode_length: int = Field(gt=1)
    p_gain: float = Field(gt=0)
    d_gain: float = Field(le=0)
    solve_threshold: float = Field(gt=0)
    waypoint_jitter: float = Field(ge=0, lt=0.5)
    action_noise: float = Field(ge=0)
    start_jitter: float = Field(ge=0, lt=0.5)
    start_velocity_std: float = Field(ge=0)


class SacGeneration(Strict):
    """D4RL's locomotion procedure: one SAC run yields medium-replay, medium and expert."""

    total_timesteps: int = Field(gt=0)
    learning_starts: int = Field(ge=0)
    batch_size: int = Field(gt=0)
    learning_rate: float = Field(gt=0, lt=1)
    gamma: float = Field(gt=0, le=1)
    net_arch: list[int] = Field(min_length=1)
    checkpoint_every: int = Field(gt=0)
    eval_episodes: int = Field(gt=0)
    #: "medium" is the checkpoint whose return is nearest this fraction of the final one
    medium_return_fraction: float = Field(gt=0, lt=1)
    medium_episodes: int = Field(gt=0)
    expert_episodes: int = Field(gt=0)
    rollout_envs: int = Field(gt=0)
    deterministic_rollouts: bool
    torch_threads: int = Field(gt=0)

    @model_validator(mode="after")
    def _learning_starts_before_end(self) -> "SacGeneration":
        if self.learning_starts >= self.total_timesteps:
            raise ValueError(
                f"learning_starts ({self.learning_starts}) must be below total_timesteps ({self.total_timesteps})"
            )
        return self


class _DatasetSources(Strict):
    """Shared rule: the d4rl and minari tables name every split of the environment."""

    @model_validator(mode="after")
    def _every_split_named(self):
        splits = set(type(self).model_fields["d4rl"].annotation.__args__[0].__args__)
        for table in ("d4rl", "minari"):
            missing = splits - set(getattr(self, table))
            if missing:
                raise ValueError(f"{table} must name every split; missing {sorted(missing)}")
        return self


class MazeDataset(_DatasetSources):
    source: DataSource
    seed: int = Field(ge=0)
    generate: MazeGeneration
    d4rl: dict[Literal["base"], RemoteFile]
    minari: dict[Literal["base"], Optional[str]]


CheetahSplit = Literal["medium-replay", "medium", "expert"]


class CheetahDataset(_DatasetSources):
    source: DataSource
    seed: int = Field(ge=0)
    generate: SacGeneration
    d4rl: dict[CheetahSplit, RemoteFile]
    minari: dict[CheetahSplit, Optional[str]]


class Datasets(Strict):
    umaze: MazeDataset
    large: MazeDataset
    halfcheetah: CheetahDataset


class Table3(Strict):
    gamma: float = Field(gt=0, le=1)
    segment_length: int = Field(gt=0)


class DatasetFigure(Strict):
    n_panels: int = Field(gt=0, le=64)
    window: int = Field(gt=1)
    seed: int = Field(ge=0)


class Figures(Strict):
    dataset_samples: dict[Literal["umaze", "large"], DatasetFigure]


class Diffuser(Strict):
    """Janner's temporal U-Net and Gaussian diffusion, and how to train it (STUDY section 5)."""

    horizon: int = Field(gt=1)
    n_diffusion_steps: int = Field(gt=0)
    dim: int = Field(ge=8)
    dim_mults: list[int] = Field(min_length=1)
    predict_epsilon: bool
    clip_denoised: bool
    action_weight: float = Field(gt=0)
    normalizer: Literal["limits", "gaussian"]
    #: inpaint the last state too while training (goal-conditioned maze training)
    condition_on_goal: bool
    #: use only the first episodes of the base dataset (null: all)
    max_episodes: Optional[int] = Field(default=None, gt=0)
    n_train_steps: int = Field(gt=0)
    batch_size: int = Field(gt=0)
    learning_rate: float = Field(gt=0, lt=1)
    ema_decay: float = Field(gt=0, lt=1)
    ema_start: int = Field(ge=0)
    ema_every: int = Field(gt=0)
    checkpoint_every: int = Field(gt=0)
    #: the training step of the "early" samples in Figures 22 and 24
    early_sample_step: int = Field(gt=0)
    n_figure_samples: int = Field(gt=0, le=32)
    seed: int = Field(ge=0)
    device: Literal["auto", "cpu", "cuda"]
    torch_threads: int = Field(gt=0)

    @model_validator(mode="after")
    def _horizon_fits_the_unet(self) -> "Diffuser":
        factor = 2 ** (len(self.dim_mults) - 1)
        if self.horizon % factor:
            raise ValueError(f"horizon ({self.horizon}) must be divisible by {factor} for dim_mults {self.dim_mults}")
        if self.early_sample_step > self.n_train_steps:
            raise ValueError(f"early_sample_step ({self.early_sample_step}) exceeds n_train_steps ({self.n_train_steps})")
        return self


def per_environment(name: str, model: type[Strict]) -> type[Strict]:
    """A section holding one ``model`` for each of the three environments."""
    return create_model(name, __base__=Strict, **{env: (model, ...) for env in ("umaze", "large", "halfcheetah")})


Diffusers = per_environment("Diffusers", Diffuser)


class DiffuserQuality(Strict):
    """Plan quality: dynamics error (and walls) of plans; unguided rollouts where n_rollouts > 0."""

    n_plans: int = Field(gt=0)
    n_rollouts: int = Field(ge=0)
    rollout_steps: int = Field(gt=0)
    replan_every: int = Field(gt=0)
    gamma: float = Field(gt=0, le=1)
    seed: int = Field(ge=0)


DiffuserQualities = per_environment("DiffuserQualities", DiffuserQuality)


class Params(Strict):
    scale: Literal["smoke", "default", "paper"]
    datasets: Datasets
    diffusers: Diffusers
    diffuser_quality: DiffuserQualities
    table3: Table3
    figures: Figures
