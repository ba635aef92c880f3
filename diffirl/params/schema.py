"""The schema of ``params.yaml``.

Every model forbids unknown keys, so a misspelt setting is an error rather than a
silently ignored default. Ranges are the ones that make sense for the quantity, not
tuning advice.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, create_model, model_validator

from diffirl.envs.kinds import EnvironmentKind, Locomotion, PointMaze
from diffirl.envs.registry import ENVIRONMENTS, environments_with, environments_with_true_reward_settings
from diffirl.methods import (
    BASELINES,
    LOSSES,
    METHODS,
    MMD_KERNELS,
    AdversarialImitation,
    BehaviourCloning,
    PolicyLearner,
)

PositiveInt_ = Annotated[int, Field(gt=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


DataSource = Literal["generate", "d4rl", "minari"]


class RemoteFile(Strict):
    """A D4RL HDF5 file: where to fetch it and the sha256 it must have."""

    url: HttpUrl
    #: hex sha256 of the file; null trusts the first download and records its hash
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    timeout_s: float = Field(default=60.0, gt=0)


class MazeGeneration(Strict):
    """D4RL's maze2d procedure: grid waypoints to random goal cells, PD tracking, noise."""

    @model_validator(mode="after")
    def _episode_fits(self) -> MazeGeneration:
        if self.episode_length > self.n_transitions:
            raise ValueError(
                f"episode_length ({self.episode_length}) exceeds n_transitions ({self.n_transitions}): "
                f"not one whole episode"
            )
        return self

    n_transitions: int = Field(gt=0)
    episode_length: int = Field(gt=1)
    p_gain: float = Field(gt=0)
    d_gain: float = Field(le=0)
    solve_threshold: float = Field(gt=0)
    waypoint_jitter: float = Field(ge=0, lt=0.5)
    action_noise: float = Field(ge=0)
    start_jitter: float = Field(ge=0, lt=0.5)
    start_velocity_std: float = Field(ge=0)


class PPOSettings(Strict):
    """stable-baselines3 PPO (MLP policy): GAIL's and AIRL's generator, the core of :class:`PpoRecipe`."""

    learning_rate: float = Field(gt=0, lt=1)
    #: environment steps each of the ``n_envs`` environments collects per PPO update
    n_steps: int = Field(gt=1)
    batch_size: int = Field(gt=1)
    n_epochs: int = Field(gt=0)
    gamma: float = Field(gt=0, le=1)
    ent_coef: float = Field(ge=0)
    clip_range: float = Field(gt=0)
    vf_coef: float = Field(gt=0)

    def sb3_arguments(self) -> dict:
        """These settings as stable-baselines3's PPO takes them."""
        return self.model_dump(include=set(PPOSettings.model_fields))


class SacRecipe(Strict):
    """Soft Actor-Critic (stable-baselines3), D4RL's algorithm for its locomotion datasets."""

    total_timesteps: int = Field(gt=0)
    checkpoint_every: int = Field(gt=0)
    learning_starts: int = Field(ge=0)
    batch_size: int = Field(gt=0)
    learning_rate: float = Field(gt=0, lt=1)
    gamma: float = Field(gt=0, le=1)
    net_arch: list[PositiveInt_] = Field(min_length=1)

    @model_validator(mode="after")
    def _learning_starts_before_end(self) -> SacRecipe:
        if self.learning_starts >= self.total_timesteps:
            raise ValueError(
                f"learning_starts ({self.learning_starts}) must be below total_timesteps ({self.total_timesteps})"
            )
        return self


class PpoRecipe(PPOSettings):
    """PPO on observations and rewards normalised by running statistics, the setting of
    rl-baselines3-zoo's tuned HalfCheetah agent."""

    total_timesteps: int = Field(gt=0)
    #: a multiple of n_steps: a checkpoint falls between two rollouts
    checkpoint_every: int = Field(gt=0)
    gae_lambda: float = Field(ge=0, le=1)
    max_grad_norm: float = Field(gt=0)
    log_std_init: float
    net_arch: list[PositiveInt_] = Field(min_length=1)

    @model_validator(mode="after")
    def _checkpoints_between_rollouts(self) -> PpoRecipe:
        for name in ("checkpoint_every", "total_timesteps"):
            if getattr(self, name) % self.n_steps:
                raise ValueError(f"{name} ({getattr(self, name)}) must be a multiple of n_steps ({self.n_steps})")
        return self


class ExpertRunGeneration(Strict):
    """D4RL's locomotion procedure: one reinforcement-learning run, checkpointed, yields
    medium-replay (what the run collected up to the medium checkpoint), medium and expert."""

    #: which recipe trains the run; the other's settings are kept but unused
    algorithm: Literal["sac", "ppo"]
    sac: SacRecipe
    ppo: PpoRecipe
    eval_episodes: int = Field(gt=0)
    #: "medium" is the checkpoint whose return is nearest this fraction of the final one
    medium_return_fraction: float = Field(gt=0, lt=1)
    medium_episodes: int = Field(gt=0)
    expert_episodes: int = Field(gt=0)
    rollout_envs: int = Field(gt=0)
    deterministic_rollouts: bool
    torch_threads: int = Field(gt=0)

    @property
    def recipe(self) -> SacRecipe | PpoRecipe:
        return getattr(self, self.algorithm)


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
    minari: dict[Literal["base"], str | None]


CheetahSplit = Literal["medium-replay", "medium", "expert"]


class CheetahDataset(_DatasetSources):
    source: DataSource
    seed: int = Field(ge=0)
    generate: ExpertRunGeneration
    d4rl: dict[CheetahSplit, RemoteFile]
    minari: dict[CheetahSplit, str | None]


#: the dataset settings of each kind of environment
DATASET_SETTINGS: dict[type[EnvironmentKind], type[Strict]] = {PointMaze: MazeDataset, Locomotion: CheetahDataset}

Datasets = create_model(
    "Datasets",
    __base__=Strict,
    **{name: (DATASET_SETTINGS[type(spec.kind)], ...) for name, spec in ENVIRONMENTS.items()},
)


class Table3(Strict):
    gamma: float = Field(gt=0, le=1)
    segment_length: int = Field(gt=0)


class DatasetFigure(Strict):
    n_panels: int = Field(gt=0, le=64)
    window: int = Field(gt=1)
    seed: int = Field(ge=0)


class Figures(Strict):
    dataset_samples: dict[Literal[environments_with("dataset_samples")], DatasetFigure]


class Diffuser(Strict):
    """Janner's temporal U-Net and Gaussian diffusion, and how to train it (docs/thesis.md §4)."""

    horizon: int = Field(gt=1)
    n_diffusion_steps: int = Field(gt=0)
    dim: int = Field(ge=8)
    dim_mults: list[PositiveInt_] = Field(min_length=1)
    predict_epsilon: bool
    clip_denoised: bool
    action_weight: float = Field(gt=0)
    normalizer: Literal["limits", "gaussian"]
    #: the fraction of training batches that also inpaint the last (goal) state. 1 is the thesis's
    #: goal-conditioned maze training; below 1 the model also learns the start-only plans that
    #: reward guidance samples (with 1, a start-only plan's last state is noise it never saw)
    goal_condition_rate: float = Field(ge=0, le=1)
    #: use only the first episodes of the base dataset (null: all)
    max_episodes: int | None = Field(default=None, gt=0)
    #: the last fraction of the base dataset's rows, never trained on: where an environment's ERC
    #: windows must be unseen by the base diffuser (HalfCheetah, as the thesis), they come from these
    held_out_fraction: float = Field(default=0.0, ge=0, lt=1)
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
    def _horizon_fits_the_unet(self) -> Diffuser:
        factor = 2 ** (len(self.dim_mults) - 1)
        if self.horizon % factor:
            raise ValueError(f"horizon ({self.horizon}) must be divisible by {factor} for dim_mults {self.dim_mults}")
        if self.early_sample_step > self.n_train_steps:
            raise ValueError(
                f"early_sample_step ({self.early_sample_step}) exceeds n_train_steps ({self.n_train_steps})"
            )
        return self


def per_environment(name: str, model: type[Strict]) -> type[Strict]:
    """A section holding one ``model`` for each of the three environments."""
    return create_model(name, __base__=Strict, **{env: (model, ...) for env in ENVIRONMENTS})


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


class GuidanceSettings(Strict):
    """Classifier guidance as the Diffuser's code applies it (docs/thesis.md §5)."""

    scale: float = Field(ge=0)
    n_guide_steps: int = Field(ge=0)
    t_stopgrad: int = Field(ge=0)
    scale_grad_by_std: bool


Guidances = per_environment("Guidances", GuidanceSettings)


class TrueRewardSettings(Strict):
    """A maze's true reward r = row_weight * i + column_weight * j + constant
    - goal_weight * |(i, j) - goal_cell| per step, in the cell frame (the goal term is optional)."""

    row_weight: float
    column_weight: float
    constant: float
    #: what the true-reward guide differentiates: the return of raw positions, or (the published
    #: code) the weights applied to the normalised plan's coordinates (README, Deviations)
    guide_units: Literal["raw", "normalised"]
    #: a goal cell (row, column) whose distance, times ``goal_weight``, the reward subtracts
    goal_cell: tuple[float, float] | None = None
    goal_weight: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _not_constant(self) -> TrueRewardSettings:
        if (self.goal_cell is None) != (self.goal_weight == 0):
            raise ValueError(
                f"goal_cell = {self.goal_cell} and goal_weight = {self.goal_weight}: a goal term needs both, "
                "a cell and a positive weight"
            )
        if self.row_weight == 0 and self.column_weight == 0 and self.goal_cell is None:
            raise ValueError(
                "row_weight and column_weight are both 0 and there is no goal term: "
                "a constant reward cannot guide or be learnt"
            )
        return self


TrueRewards = create_model(
    "TrueRewards",
    __base__=Strict,
    **{env: (TrueRewardSettings, ...) for env in environments_with_true_reward_settings()},
)


class ShapingControl(Strict):
    """The shaped control: the true reward plus gamma Phi(s') - Phi(s) (``recovery.ENV.gamma``), with
    the potential Phi(s) = -potential_weight * |(i, j) - potential_cell| a function of the state's position."""

    potential_cell: tuple[float, float]
    potential_weight: float = Field(gt=0)


class RecoveryControls(Strict):
    """Rewards that check the recovery metrics rather than the method, each scored against the
    true reward: rescaled (same optimal policies), shaped (same) and, always, sign-flipped (opposite)."""

    rescale: float = Field(gt=0)
    shaping: ShapingControl

    @model_validator(mode="after")
    def _rescales(self) -> RecoveryControls:
        if self.rescale == 1:
            raise ValueError("rescale = 1 leaves the reward as it is: the rescaled control would be the reward itself")
        return self


class EpicSettings(Strict):
    """EPIC's samples: coverage transitions per distribution and the canonicalisation's samples of D_S and D_A."""

    coverage_transitions: int = Field(gt=2)
    canonical_samples: int = Field(gt=0)
    seed: int = Field(ge=0)


class RecoverySettings(Strict):
    """The reward-recovery benchmark in one maze (``make recovery``): its family of true rewards are
    variants (diffirl/variants.py, group ``recovery``); these are the controls and the scoring."""

    #: the discount of the shaped control and of EPIC's canonicalisation (the same, so shaping cancels)
    gamma: float = Field(gt=0, le=1)
    controls: RecoveryControls
    epic: EpicSettings
    #: paired bootstrap resamples of a recovery ratio's interval (a ratio of two mean lifts)
    bootstrap_resamples: int = Field(ge=100)
    seed: int = Field(ge=0)


RecoverySection = create_model(
    "RecoverySection",
    __base__=Strict,
    **{env: (RecoverySettings | None, None) for env in environments_with_true_reward_settings()},
)


class DiffCPSParams(Strict):
    """DiffCPS's settings (diffirl/transfer/diffcps.py; the paper's Table 3 at the paper scale)."""

    updates: int = Field(gt=0)
    diffusion_steps: int = Field(gt=0)
    beta_min: float = Field(gt=0)
    beta_max: float = Field(gt=0)
    hidden_units: int = Field(gt=0)
    learning_rate: float = Field(gt=0)
    lambda_learning_rate: float = Field(gt=0)
    initial_lambda: float = Field(ge=0)
    #: kappa, the budget of the policy's diffusion loss on the data (the KL constraint)
    kl_budget: float = Field(ge=0)
    lambda_min: float = Field(ge=0)
    policy_interval: int = Field(gt=0)
    discount: float = Field(gt=0, lt=1)
    target_rate: float = Field(gt=0, le=1)
    batch_size: int = Field(gt=0)

    @model_validator(mode="after")
    def _schedule_rises(self) -> DiffCPSParams:
        if self.beta_max <= self.beta_min:
            raise ValueError(f"beta_max ({self.beta_max}) must exceed beta_min ({self.beta_min})")
        return self


class TD3BCParams(Strict):
    """TD3+BC's settings (d3rlpy's, diffirl/transfer/td3_bc.py)."""

    updates: int = Field(gt=0)
    alpha: float = Field(gt=0)
    batch_size: int = Field(gt=0)
    learning_rate: float = Field(gt=0)
    discount: float = Field(gt=0, lt=1)
    target_rate: float = Field(gt=0, le=1)
    policy_interval: int = Field(gt=0)


class TransferLearners(Strict):
    diffcps: DiffCPSParams
    td3_bc: TD3BCParams


class TransferSettings(Strict):
    """Reward transfer in one environment (``make transfer``): the offline learners trained on the
    environment's transfer data relabelled by each reward, then rolled out by the environment's evaluation
    settings."""

    learners: TransferLearners
    #: training state is saved this often (updates), so that a killed run resumes
    checkpoint_every: int = Field(gt=0)
    #: the shuffled control: the true reward's values permuted over the dataset's transitions by this seed
    shuffle_seed: int = Field(ge=0)
    #: the steering test's second base diffuser: the study's settings with this seed instead (where the
    #: steering test runs: an environment whose true reward can guide a diffuser)
    independent_diffuser_seed: int | None = Field(default=None, ge=0)
    #: paired bootstrap resamples of a transfer ratio's interval
    bootstrap_resamples: int = Field(ge=100)
    seed: int = Field(ge=0)


TransferSection = create_model(
    "TransferSection",
    __base__=Strict,
    **{env: (TransferSettings | None, None) for env in ENVIRONMENTS},
)


class DynamicsErrorSettings(Strict):
    """Figures 15-17: the one-step dynamics error of plans from uniform start states, and where rollouts stall."""

    n_starts: int = Field(gt=0, le=100_000)
    #: heatmap resolution: bins per maze cell along each axis
    bins_per_cell: int = Field(gt=0, le=20)
    #: the high-error zones of Figure 16: bins whose mean error exceeds this quantile of the starts' errors
    high_error_quantile: float = Field(gt=0, lt=1)
    #: a true-reward rollout "stalls" if it moved less than stall_distance (cells) over its last stall_window steps
    stall_window: int = Field(gt=0)
    stall_distance: float = Field(gt=0)
    seed: int = Field(ge=0)


DynamicsErrors = create_model(
    "DynamicsErrors",
    __base__=Strict,
    **{env: (DynamicsErrorSettings, ...) for env in environments_with("dynamics_error")},
)


#: how a rollout executes a plan's step (diffirl/planning/rollouts.py)
Execution = Literal["planned_action", "next_state"]


def _two_or_four_numbers(point: tuple[float, ...]) -> tuple[float, ...]:
    if len(point) not in (2, 4):
        raise ValueError(
            f"a start point is (row, column) or (row, column, row velocity, column velocity), not {len(point)} numbers"
        )
    return point


#: a maze start point: (row, column) at rest, or (row, column, row velocity, column velocity)
StartPoint = Annotated[tuple[float, ...], AfterValidator(_two_or_four_numbers)]


class ExpertSettings(Strict):
    """How expert trajectories are made (docs/thesis.md §7).

    guided_rollouts: the diffuser guided by the true reward, replanning, from start cells;
    goal_plans: plans inpainting ``goal_cell`` from start cells;
    goal_rollouts: closed-loop rollouts from start cells, replanning towards ``goal_cell``
    (inpainted at the end of every plan), so their dynamics are the simulator's;
    dataset_windows: random windows of the environment's expert dataset split.
    """

    procedure: Literal["guided_rollouts", "goal_plans", "goal_rollouts", "dataset_windows"]
    length: int = Field(gt=0)
    #: start points of the maze procedures: (row, column) cell coordinates, at rest, or
    #: (row, column, row velocity, column velocity) with velocities in cells per second
    start_cells: list[StartPoint] = Field(default_factory=list)
    goal_cell: tuple[float, float] | None = None
    #: one trajectory per start cell and seed (maze procedures); the sampling seed otherwise
    seeds: list[int] = Field(min_length=1)
    replan_every: int = Field(default=1, gt=0)
    #: rollout procedures: execute the plan's own action, or track its next state (the Diffuser's
    #: maze controller; diffirl/planning/rollouts.py)
    execute: Execution = "planned_action"
    n_windows: int = Field(default=0, ge=0)
    #: maze experts: their time in the true reward's best cell is measured over their last
    #: this many steps (all of them where they are shorter)
    dwell_steps: int = Field(default=100, gt=0)

    @model_validator(mode="after")
    def _procedure_has_what_it_needs(self) -> ExpertSettings:
        if self.procedure != "dataset_windows" and not self.start_cells:
            raise ValueError(f"procedure {self.procedure!r} needs start_cells")
        if self.procedure in ("goal_plans", "goal_rollouts") and self.goal_cell is None:
            raise ValueError(f"procedure {self.procedure!r} needs goal_cell")
        if self.procedure == "dataset_windows" and self.n_windows == 0:
            raise ValueError("procedure 'dataset_windows' needs n_windows > 0")
        return self


ExpertsSection = per_environment("ExpertsSection", ExpertSettings)


class KWindowSettings(Strict):
    """Algorithm 5: expert trajectories cut into K-step windows."""

    k: int = Field(gt=0)
    #: null: K (non-overlapping windows, as the thesis did)
    stride: int | None = Field(default=None, gt=0)


KWindowsSection = per_environment("KWindowsSection", KWindowSettings)


LossName = Literal[LOSSES]


class LossSettings(Strict):
    learning_rate: float = Field(gt=0, lt=1)
    epochs: int = Field(gt=0)


class RewardLearning(Strict):
    """Algorithm 4 (docs/thesis.md §6): the reward MLP learnt through the guided chain."""

    hidden: list[PositiveInt_] = Field(min_length=1)
    batch_size: int = Field(gt=0)
    losses: dict[LossName, LossSettings]
    #: the space plans and windows are compared in: the diffuser's normalised one, or raw units
    #: (the published U-Maze scripts, where velocity outweighs position; README, Deviations)
    loss_units: Literal["normalised", "raw"]
    #: per MMD kernel, the unbiased (U-statistic) estimator instead of the biased (V-statistic) one
    mmd_unbiased: dict[str, bool]
    #: the Gaussian kernel's bandwidths, as multiples of the pooled batch's mean squared distance
    gaussian_bandwidth_factors: list[Annotated[float, Field(gt=0)]] = Field(min_length=1)
    matern_nu: Literal[0.5, 1.5, 2.5]
    matern_lengthscale: float = Field(gt=0)
    #: backpropagate through the last M denoising steps only; "all" is the thesis's setting
    backprop_steps: Literal["all"] | PositiveInt_ = "all"
    gradient_checkpointing: bool
    #: the frozen U-Net's arithmetic in the chain: bfloat16 autocast is ~1.7x faster on CPUs
    #: with AMX/AVX512-BF16 and keeps the gradient's direction; float32 is the thesis's
    network_precision: Literal["float32", "bfloat16"] = "float32"
    #: condition the reward network on the diffusion step through a sinusoidal embedding of
    #: this width (the Diffuser's value guides see the step); 0: the thesis's step-blind MLP
    step_embedding_dim: int = Field(default=0, ge=0, multiple_of=2)
    #: the network scores the whole plan at once (``window``, the thesis's), or sums a reward of
    #: each transition over it (``per_step``, which EPIC compares per transition)
    structure: Literal["window", "per_step"] = "window"
    checkpoint_every: int = Field(gt=0)
    #: keep the reward network every this many epochs, for the best-of-checkpoints rows the
    #: thesis reports (its HalfCheetah table); null: only the final network
    snapshot_every: int | None = Field(default=None, gt=0)
    seed: int = Field(ge=0)

    @model_validator(mode="after")
    def _every_loss_named(self) -> RewardLearning:
        missing = set(LOSSES) - set(self.losses)
        if missing:
            raise ValueError(f"losses must name {', '.join(LOSSES)}; missing {sorted(missing)}")
        if set(self.mmd_unbiased) != set(MMD_KERNELS):
            raise ValueError(f"mmd_unbiased must name {' and '.join(MMD_KERNELS)}, got {sorted(self.mmd_unbiased)}")
        return self


RewardLearningSection = per_environment("RewardLearningSection", RewardLearning)


class ExpertDiffuserSettings(Strict):
    """The expert diffuser of the relative reward: the base's architecture, trained on the experts."""

    #: from the seed's initialisation (the paper) or fine-tuned from the base diffuser's weights
    init: Literal["scratch", "base"]
    n_train_steps: int = Field(gt=0)
    learning_rate: float = Field(gt=0, lt=1)
    checkpoint_every: int = Field(gt=0)


class SteeringSettings(Strict):
    """How the relative reward steers the base diffuser: the guidance scale and the step below which
    it stops, chosen from a grid on rollouts whose seeds the evaluation never uses."""

    scales: list[float] = Field(min_length=1)
    t_stopgrads: list[int] = Field(min_length=1)
    #: the selection's rollouts are seeded from here, as the evaluation's from ``evaluation.ENV.seed``
    selection_seed: int = Field(ge=0)
    selection_rollouts_per_start: int = Field(gt=0)
    #: how each guide step is applied: the reward's gradient is fitted to a difference of denoising
    #: means, already in the plan's units, so the authors' steering neither scales it by the
    #: posterior variance nor repeats it
    n_guide_steps: int = Field(ge=1)
    scale_grad_by_std: bool

    @model_validator(mode="after")
    def _grid_is_valid(self):
        for index, scale in enumerate(self.scales):
            if scale <= 0:
                raise ValueError(f"scales[{index}] = {scale} must be positive")
        for index, step in enumerate(self.t_stopgrads):
            if step < 0:
                raise ValueError(f"t_stopgrads[{index}] = {step} must be 0 or more")
        return self


class RelativeRewardSettings(Strict):
    """Nuti et al.'s relative reward (its Appendix E): a per-step network fitted by gradient alignment."""

    expert_diffuser: ExpertDiffuserSettings
    steering: SteeringSettings
    hidden: list[int] = Field(min_length=1)
    step_embedding_dim: int = Field(ge=2, multiple_of=2)
    learning_rate: float = Field(gt=0, lt=1)
    batch_size: int = Field(gt=0)
    training_steps: int = Field(gt=0)
    #: share of each batch cut from the expert trajectories; the rest from the base dataset
    expert_share: float = Field(ge=0, le=1)
    checkpoint_every: int = Field(gt=0)
    seed: int = Field(ge=0)


RelativeRewardSection = per_environment("RelativeRewardSection", RelativeRewardSettings)


class AdversarialSettings(Strict):
    """GAIL or AIRL (`imitation.algorithms.adversarial`)."""

    total_timesteps: int = Field(gt=0)
    demo_batch_size: int = Field(gt=0)
    gen_replay_buffer_capacity: int = Field(gt=0)
    n_disc_updates_per_round: int = Field(gt=0)
    ppo: PPOSettings


class BCSettings(Strict):
    epochs: int = Field(gt=0)
    batch_size: int = Field(gt=0)


class _SharedBaselineSettings(Strict):
    """What every baseline of one environment shares; each baseline adds its own section."""

    #: length of a training episode; PointMaze episodes start where PointMaze itself would
    episode_steps: int = Field(gt=0)
    n_envs: int = Field(gt=0)
    #: what they learn from: the reward learner's experts, or whole episodes of the expert
    #: split holding as many transitions as the learner's expert windows (the thesis's HalfCheetah)
    demonstrations: Literal["experts", "expert_episodes"] = "experts"

    @model_validator(mode="after")
    def _rounds_fit(self):
        for name in BASELINES:
            algorithm = getattr(self, name)
            if not isinstance(algorithm, AdversarialSettings):
                continue
            per_round = self.n_envs * algorithm.ppo.n_steps
            if algorithm.total_timesteps < per_round:
                raise ValueError(
                    f"{name}.total_timesteps ({algorithm.total_timesteps}) is less than one round of "
                    f"n_envs x ppo.n_steps = {per_round}"
                )
            if per_round % algorithm.ppo.batch_size:
                raise ValueError(
                    f"{name}.ppo.batch_size ({algorithm.ppo.batch_size}) must divide n_envs x ppo.n_steps = {per_round}"
                )
        return self


#: the settings model of each kind of policy learner
LEARNER_SETTINGS: dict[type[PolicyLearner], type[Strict]] = {
    BehaviourCloning: BCSettings,
    AdversarialImitation: AdversarialSettings,
}


def learner_settings(learner: PolicyLearner) -> type[Strict]:
    for kind in type(learner).__mro__:
        if kind in LEARNER_SETTINGS:
            return LEARNER_SETTINGS[kind]
    raise TypeError(f"no settings model for the policy learner {type(learner).__name__}: add it to LEARNER_SETTINGS")


#: BC, GAIL and AIRL on the experts the reward learner sees (docs/thesis.md §7): one section per
#: baseline of the registry, between the shared settings and the seed
BaselineSettings = create_model(
    "BaselineSettings",
    __base__=_SharedBaselineSettings,
    **{name: (learner_settings(METHODS[name].learner), ...) for name in BASELINES},
    seed=(int, Field(ge=0)),
    torch_threads=(int, Field(gt=0)),
)

BaselinesSection = per_environment("BaselinesSection", BaselineSettings)


class EvaluationSettings(Strict):
    """Closed-loop rollouts of every method from fixed start states, scored by the true reward; ERC."""

    #: maze start points, each ``rollouts_per_start`` times (as ``ExpertSettings.start_cells``);
    #: empty: the environment's own initial states (HalfCheetah), ``rollouts_per_start`` of them
    start_cells: list[StartPoint] = Field(default_factory=list)
    rollouts_per_start: int = Field(gt=0)
    #: rollout length in environment steps, independent of the diffuser's horizon (the planner
    #: replans every ``replan_every`` steps); the thesis's returns fit rollouts as long as its horizons (README, Deviations)
    steps: int = Field(gt=0)
    replan_every: int = Field(gt=0)
    #: diffuser methods: execute the plan's own action, or track its next state (the Diffuser's
    #: maze controller; diffirl/planning/rollouts.py)
    execute: Execution = "planned_action"
    #: the discount of the reported discounted return (the plain sum is reported too)
    gamma: float = Field(default=1.0, gt=0, le=1)
    #: windows of the environment's ERC splits on which ERC compares true and learnt returns
    erc_windows: int = Field(gt=2)
    #: AIRL's ERC from the reward it recovers (``unshaped``) or from the shaped reward it trains
    #: its discriminator with, reward plus potential shaping (``shaped``: the published code)
    airl_erc_reward: Literal["unshaped", "shaped"]
    #: coverage of the paired differences' confidence intervals
    confidence: float = Field(gt=0, lt=1)
    seed: int = Field(ge=0)


EvaluationSection = per_environment("EvaluationSection", EvaluationSettings)


def _start_points_are_free(key: str, points: list, environment: str) -> None:
    maze = ENVIRONMENTS[environment].maze
    if maze is None:
        if points:
            raise ValueError(f"{key} lists start points, but {environment} is not a maze")
        return
    for index, point in enumerate(points):
        if maze.in_wall(maze.cell_to_xy(point[:2])):
            raise ValueError(f"{key}[{index}] = {list(point)} lies in a wall of the {environment} maze")


def _cell_is_free(key: str, cell, environment: str) -> None:
    """A cell (row, column) that names a place in the maze: inside it, and not in a wall."""
    maze = ENVIRONMENTS[environment].maze
    if maze.in_wall(maze.cell_to_xy(cell)):
        raise ValueError(f"{key} = {list(cell)} lies in a wall of the {environment} maze or outside it")


def generated_expert_windows(dataset: MazeDataset | CheetahDataset, environment: str, length: int) -> int | None:
    """How many distinct ``length``-step windows generated expert data will hold (``None``: unknown
    until read, as for downloaded data)."""
    episode_steps = ENVIRONMENTS[environment].episode_steps
    if dataset.source != "generate" or not isinstance(dataset.generate, ExpertRunGeneration) or episode_steps is None:
        return None
    return dataset.generate.expert_episodes * max(episode_steps - length + 1, 0)


def _steering_fits(environment: str, steering: SteeringSettings, params) -> None:
    """The grid's steps exist in the chain, and the selection's rollouts share no seed with the evaluation's."""
    key = f"relative_reward.{environment}.steering"
    steps = getattr(params.diffusers, environment).n_diffusion_steps
    for index, step in enumerate(steering.t_stopgrads):
        if step >= steps:
            raise ValueError(
                f"{key}.t_stopgrads[{index}] = {step} is not a step of the chain (diffusers.{environment}."
                f"n_diffusion_steps = {steps})"
            )
    evaluation = getattr(params.evaluation, environment)
    starts = max(len(evaluation.start_cells), 1)
    evaluated = range(evaluation.seed, evaluation.seed + starts * evaluation.rollouts_per_start)
    selected = range(steering.selection_seed, steering.selection_seed + starts * steering.selection_rollouts_per_start)
    if evaluated.start < selected.stop and selected.start < evaluated.stop:
        raise ValueError(
            f"{key}.selection_seed = {steering.selection_seed} seeds rollouts {selected.start}..{selected.stop - 1}, "
            f"which overlap the evaluation's {evaluated.start}..{evaluated.stop - 1} (evaluation.{environment}.seed)"
        )


class ProbeCaps(Strict):
    """How often the probe lets each kind of loop repeat (diffirl/probe/settings.py applies them)."""

    #: environment steps of a generated maze dataset
    transitions: int = Field(gt=0)
    #: timesteps of the HalfCheetah expert run (its learning starts after a third)
    expert_run_timesteps: int = Field(ge=3)
    #: HalfCheetah medium and expert episodes rolled out
    episodes: int = Field(gt=0)
    #: the base diffuser's training steps
    training_steps: int = Field(gt=0)
    #: plans of a diffuser-quality or dynamics-error batch
    plans: int = Field(gt=0)
    #: plans per closed-loop rollout of an evaluation (the whole batch of rollouts kept)
    planning_steps: int = Field(gt=0)
    #: reward-learning and behaviour-cloning epochs
    epochs: int = Field(gt=0)
    #: GAIL and AIRL rounds
    adversarial_rounds: int = Field(gt=0)


class SlurmMargins(Strict):
    """A SLURM job's request from the cost model: factor x projection + extra (make slurm-resources)."""

    runtime_factor: float = Field(ge=1)
    runtime_extra_minutes: int = Field(ge=0)
    memory_factor: float = Field(ge=1)
    memory_extra_mb: int = Field(ge=0)


class ProbeSettings(Strict):
    """The probe of the current scale (make probe, reports/paper_cost.csv)."""

    #: the environments whose stages it runs; the tables, claims and report only with all of them
    environments: list[Literal[tuple(ENVIRONMENTS)]] = Field(min_length=1)
    caps: ProbeCaps
    #: a stage still running after this is stopped and priced from the loop iterations it finished
    stage_time_limit_s: float = Field(gt=0)
    #: a stage whose resident memory passes this is stopped and reported as not fitting
    memory_limit_mb: int = Field(gt=0)
    slurm: SlurmMargins


class Params(Strict):
    scale: Literal["smoke", "default", "paper"]
    datasets: Datasets
    diffusers: Diffusers
    diffuser_quality: DiffuserQualities
    guidance: Guidances
    true_reward: TrueRewards
    experts: ExpertsSection
    kwindows: KWindowsSection
    reward_learning: RewardLearningSection
    #: the relative reward of Nuti et al. (``make compare``), beside the thesis's method
    relative_reward: RelativeRewardSection
    baselines: BaselinesSection
    evaluation: EvaluationSection
    #: the reward-recovery benchmark (``make recovery``), per maze that runs it
    recovery: RecoverySection
    #: reward transfer (``make transfer``): the learnt rewards handed to other learners
    transfer: TransferSection
    dynamics_error: DynamicsErrors
    table3: Table3
    figures: Figures
    #: the probe of this scale's cost (``make probe``)
    probe: ProbeSettings
    #: the study's variants (diffirl/variants.py): per name, a partial params tree merged over
    #: the settings above; checked when a variant loads and at every scale switch
    #: (:func:`diffirl.variants.validate_variants`), not by the study's own stages
    variants: dict[str, dict] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _settings_agree(self) -> Params:
        """Relations between sections, each refused with the keys and values involved."""
        for name in ENVIRONMENTS:
            _steering_fits(name, getattr(self.relative_reward, name).steering, self)
            experts, diffuser = getattr(self.experts, name), getattr(self.diffusers, name)
            guidance, evaluation = getattr(self.guidance, name), getattr(self.evaluation, name)
            k = getattr(self.kwindows, name).k
            if experts.procedure == "goal_plans" and experts.length > diffuser.horizon:
                raise ValueError(
                    f"experts.{name}.length ({experts.length}) exceeds diffusers.{name}.horizon "
                    f"({diffuser.horizon}): a goal plan is one plan of the diffuser"
                )
            if guidance.scale > 0 and guidance.n_guide_steps > 0 and guidance.t_stopgrad >= diffuser.n_diffusion_steps:
                raise ValueError(
                    f"guidance.{name}.t_stopgrad ({guidance.t_stopgrad}) must be below "
                    f"diffusers.{name}.n_diffusion_steps ({diffuser.n_diffusion_steps}): no step would be guided"
                )
            if evaluation.replan_every > diffuser.horizon:
                raise ValueError(
                    f"evaluation.{name}.replan_every ({evaluation.replan_every}) exceeds "
                    f"diffusers.{name}.horizon ({diffuser.horizon})"
                )
            for section, rollouts in (("experts", experts), ("evaluation", evaluation)):
                if rollouts.execute == "next_state" and rollouts.replan_every >= diffuser.horizon:
                    raise ValueError(
                        f"{section}.{name}.execute 'next_state' tracks the plan's next state, so "
                        f"{section}.{name}.replan_every ({rollouts.replan_every}) must be below "
                        f"diffusers.{name}.horizon ({diffuser.horizon})"
                    )
            if experts.procedure == "dataset_windows":
                expert_windows = generated_expert_windows(getattr(self.datasets, name), name, experts.length)
                if expert_windows is not None and experts.n_windows > expert_windows:
                    raise ValueError(
                        f"experts.{name}.n_windows ({experts.n_windows}) exceeds the {expert_windows} distinct "
                        f"windows of the datasets.{name}.generate.expert_episodes it generates"
                    )
            if getattr(self.baselines, name).demonstrations == "expert_episodes" and (
                ENVIRONMENTS[name].expert_split is None or experts.procedure != "dataset_windows"
            ):
                raise ValueError(
                    f"baselines.{name}.demonstrations 'expert_episodes' needs an expert dataset split "
                    f"and experts.{name}.procedure 'dataset_windows' to count the learner's transitions"
                )
            if ENVIRONMENTS[name].erc_unseen_by_diffuser and diffuser.held_out_fraction == 0:
                raise ValueError(
                    f"diffusers.{name}.held_out_fraction is 0, but {name}'s ERC windows must come from "
                    f"rows the base diffuser never trained on: hold some out"
                )
            for section, settings in (("experts", experts), ("evaluation", evaluation)):
                _start_points_are_free(f"{section}.{name}.start_cells", settings.start_cells, name)
            reward = getattr(self.true_reward, name, None)
            if reward is not None and reward.goal_cell is not None:
                _cell_is_free(f"true_reward.{name}.goal_cell", reward.goal_cell, name)
            recovery = getattr(self.recovery, name, None)
            if recovery is not None:
                shaping = recovery.controls.shaping
                _cell_is_free(f"recovery.{name}.controls.shaping.potential_cell", shaping.potential_cell, name)
            transfer = getattr(self.transfer, name)
            if transfer is not None and ENVIRONMENTS[name].has_true_reward_guide:
                if transfer.independent_diffuser_seed is None:
                    raise ValueError(
                        f"transfer.{name}.independent_diffuser_seed is not set: the steering test's second "
                        f"diffuser in {name} needs a seed"
                    )
            if transfer is not None and transfer.independent_diffuser_seed == diffuser.seed:
                raise ValueError(
                    f"transfer.{name}.independent_diffuser_seed ({transfer.independent_diffuser_seed}) equals "
                    f"diffusers.{name}.seed: the independent diffuser would be the study's own"
                )
            if k > diffuser.horizon:
                raise ValueError(f"kwindows.{name}.k ({k}) exceeds diffusers.{name}.horizon ({diffuser.horizon})")
            if k > experts.length:
                raise ValueError(f"kwindows.{name}.k ({k}) exceeds experts.{name}.length ({experts.length})")
        for name, figure in self.figures.dataset_samples.items():
            dataset = getattr(self.datasets, name)
            if dataset.source == "generate" and figure.window > dataset.generate.episode_length:
                raise ValueError(
                    f"figures.dataset_samples.{name}.window ({figure.window}) exceeds "
                    f"datasets.{name}.generate.episode_length ({dataset.generate.episode_length})"
                )
        return self
