"""The evaluator shared by every method and environment: start states, rollouts, scores, ERC.

Diffuser methods plan with the same frozen diffuser, from the same start states, with the
same chain noise (common random numbers): all of them run as groups of one batched chain
per step, and only the guide differs between groups (none, the true reward, a learnt
reward, or a learnt reward's training snapshot). The baselines are scored by the same
functions with their policy as the controller. ERC compares true and learnt returns on one
set of windows per environment, each reward fed the inputs it is defined on (raw positions
for the true reward, normalised plans for a learnt one, raw states and actions for AIRL).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from diffirl import paths
from diffirl.data.format import Dataset, read_dataset
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guidance, Guide
from diffirl.diffusion.windows import choose_windows, diffuser_episodes, episode_rows, transitions, window_starts
from diffirl.envs.closed_loop import RewardFunction, Rollouts, reset_states
from diffirl.envs.registry import EnvironmentSpec
from diffirl.experts.generation import start_states, true_reward_guide
from diffirl.experts.trajectories import Experts
from diffirl.io import atomic_path
from diffirl.methods import METHODS, ByTrainedNetwork, ByTrueReward, GuideSource, Method, diffuser_methods
from diffirl.metrics import action_norms, discounted_return, episode_return_correlation, mean_std
from diffirl.params.schema import Diffuser, EvaluationSettings
from diffirl.planning.rollouts import planned_rollouts

#: the per-rollout statistics every evaluation records (the tables pick one)
STATISTICS = ("returns", "discounted_returns", "action_norms")


# --- rollouts -----------------------------------------------------------------------------
def evaluation_starts(spec: EnvironmentSpec, settings: EvaluationSettings) -> tuple[np.ndarray, np.ndarray]:
    """(start state of every rollout, index of its start point)."""
    if not settings.start_cells:
        states = reset_states(spec, settings.rollouts_per_start, settings.seed)
        return states, np.zeros(len(states), dtype=int)
    starts = start_states(spec, settings.start_cells)
    index = np.repeat(np.arange(len(starts)), settings.rollouts_per_start)
    return starts[index], index


def evaluation_reward(spec: EnvironmentSpec) -> RewardFunction | None:
    """What rollouts are scored by: a maze's true reward (``spec.reward``), the environment's own otherwise."""
    return spec.kind.evaluation_reward(spec)


def rollout_scores(label: str, rollouts: Rollouts, gamma: float, spec: EnvironmentSpec) -> dict:
    """Summary and per-rollout statistics (std over rollouts, ddof 0), scored by the environment's reward;
    in a maze also how many rollouts reach the true reward's best cell and how long they stay."""
    per_rollout = {
        "returns": rollouts.returns,
        "discounted_returns": discounted_return(rollouts.rewards, gamma),
        "action_norms": action_norms(rollouts.actions).mean(axis=1),
    }
    mean, std = mean_std(per_rollout["returns"])
    scores = {
        "label": label,
        "return_mean": mean,
        "return_std": std,
        "discounted_return": mean_std(per_rollout["discounted_returns"]),
        "gamma": gamma,
        "action_norm": mean_std(per_rollout["action_norms"]),
        "rollouts": len(rollouts.returns),
        "steps": rollouts.actions.shape[1],
        "reward": spec.kind.reward_description(spec),
    }
    scores |= spec.kind.rollout_extras(spec, rollouts.observations[:, :-1])
    return scores | {name: values.tolist() for name, values in per_rollout.items()}


def save_rollouts(path, rollouts: dict[str, Rollouts], start_index: np.ndarray) -> None:
    """Every rollout's states (start state first) and actions per method, with its start point."""
    arrays = {"start_index": start_index}
    for name, r in rollouts.items():
        arrays |= {f"observations_{name}": r.observations, f"actions_{name}": r.actions}
    with atomic_path(path) as tmp, open(tmp, "wb") as file:
        np.savez(file, **arrays)


def load_positions(path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(x, y) of every rollout per method, and each rollout's start point (mazes)."""
    with np.load(path) as data:
        positions = {
            key.removeprefix("observations_"): data[key][..., :2]
            for key in data.files
            if key.startswith("observations_")
        }
        return positions, data["start_index"]


# --- ERC ----------------------------------------------------------------------------------
@dataclass
class ErcWindows:
    rows: np.ndarray  # (count, horizon, action_dim + observation_dim) raw [action, observation]
    true_returns: np.ndarray  # (count,)


def allowed_window_starts(dataset: Dataset, horizon: int, excluded_rows: np.ndarray | None = None) -> np.ndarray:
    """Starts of horizon-long windows inside episodes that touch none of ``excluded_rows``."""
    starts, _ = window_starts(dataset, horizon)
    if excluded_rows is None or len(excluded_rows) == 0:
        return starts
    covered = np.zeros(len(dataset) + 1, dtype=np.int64)
    covered[np.asarray(excluded_rows)] = 1
    before = np.concatenate([[0], np.cumsum(covered)])  # before[i]: covered rows among 0 .. i-1
    return starts[before[starts + horizon] == before[starts]]


def random_windows(
    dataset: Dataset, horizon: int, count: int, seed: int, excluded_rows: np.ndarray | None, setting: str
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random horizon-long windows of ``dataset``: raw rows and the dataset's rewards."""
    starts = allowed_window_starts(dataset, horizon, excluded_rows)
    if len(starts) == 0:
        raise ValueError(f"no {horizon}-step window of the dataset avoids the expert windows")
    chosen = choose_windows(starts, count, np.random.default_rng(seed), setting)
    index = chosen[:, None] + np.arange(horizon)
    return transitions(dataset)[index], dataset.rewards[index]


def erc_windows(
    spec: EnvironmentSpec,
    datasets: list[Dataset],
    horizon: int,
    count: int,
    seed: int,
    excluded_rows: list[np.ndarray | None] | None = None,
) -> ErcWindows:
    """Windows split evenly over ``datasets``, with their true returns in raw units."""
    excluded_rows = excluded_rows or [None] * len(datasets)
    shares = np.diff(np.linspace(0, count, len(datasets) + 1).round().astype(int))
    setting = f"evaluation.{spec.name}.erc_windows = {count}, split over {len(datasets)} datasets,"
    parts = [
        random_windows(d, horizon, n, seed + k, x, setting)
        for k, (d, n, x) in enumerate(zip(datasets, shares, excluded_rows))
    ]
    rows = np.concatenate([p[0] for p in parts])
    rewards = np.concatenate([p[1] for p in parts])
    returns = spec.kind.window_returns(spec, rows, datasets[0].actions.shape[1], rewards)
    return ErcWindows(rows, np.asarray(returns, dtype=np.float64))


def expert_rows(experts: Experts) -> np.ndarray:
    """The dataset rows that dataset-window experts were cut from (none for rollouts or plans)."""
    if experts.kind != "dataset":
        return np.zeros(0, dtype=np.int64)
    length = experts.trajectories.shape[1]
    return np.unique((experts.start_point[:, None] + np.arange(length)).ravel())


def environment_erc_windows(
    spec: EnvironmentSpec, settings: EvaluationSettings, horizon: int, diffuser: Diffuser
) -> ErcWindows:
    """The one set of ERC windows of an environment, for the learnt rewards and AIRL alike.

    Drawn from ``spec.erc_splits``; rows the reward learner's experts came from are never
    used, so every window is unseen in training, and where ``spec.erc_unseen_by_diffuser``
    neither are the rows the base diffuser trained on (``diffuser``: its settings).
    """
    datasets = [read_dataset(paths.dataset_file(spec.name, split)) for split in spec.erc_splits]
    excluded = [np.zeros(0, dtype=np.int64) for _ in datasets]
    if spec.expert_split in spec.erc_splits:
        index = spec.erc_splits.index(spec.expert_split)
        excluded[index] = expert_rows(Experts.load(paths.experts_file(spec.name)))
    if spec.erc_unseen_by_diffuser and spec.base_split in spec.erc_splits:
        index = spec.erc_splits.index(spec.base_split)
        trained = diffuser_episodes(datasets[index], diffuser.max_episodes, diffuser.held_out_fraction)
        excluded[index] = np.union1d(excluded[index], episode_rows(trained))
    return erc_windows(spec, datasets, horizon, settings.erc_windows, settings.seed, excluded)


def erc_of(model: torch.nn.Module, trained: TrainedDiffuser, windows: ErcWindows) -> float:
    """ERC of a learnt return model, which reads whole normalised plans."""
    with torch.no_grad():
        raw = torch.as_tensor(windows.rows, dtype=torch.float32, device=trained.device)
        learnt_returns = model(trained.normalizer.normalize(raw)).cpu().numpy()
    return episode_return_correlation(windows.true_returns, learnt_returns)


# --- diffuser methods ---------------------------------------------------------------------
class GroupedGuide(torch.nn.Module):
    """Several guides over one batch: guide g scores the g-th of equal consecutive groups.

    A group without a guide gets a zero return, hence a zero nudge: exactly unguided.
    """

    def __init__(self, guides: list[Guide | None]):
        super().__init__()
        self.guides = guides

    def forward(self, plans: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
        values = []
        groups = zip(self.guides, plans.chunk(len(self.guides)), steps.chunk(len(self.guides)))
        for guide, group, group_steps in groups:
            values.append(guide(group, group_steps) if guide is not None else group.sum(dim=(1, 2)) * 0.0)
        return torch.cat(values)


def method_guide(
    method: Method, trained: TrainedDiffuser, spec: EnvironmentSpec, learnt: dict[str, torch.nn.Module]
) -> Guide | None:
    return None if method.guide is None else build_guide(method.guide, method, trained, spec, learnt)


@functools.singledispatch
def build_guide(
    source: GuideSource, method: Method, trained: TrainedDiffuser, spec: EnvironmentSpec, learnt: dict
) -> Guide:
    """A method's guide, built as its source's class registers; a source from outside builds its own."""
    return source.build(trained, spec)


@build_guide.register
def _(source: ByTrueReward, method: Method, trained: TrainedDiffuser, spec: EnvironmentSpec, learnt: dict) -> Guide:
    return true_reward_guide(trained, spec)


@build_guide.register
def _(source: ByTrainedNetwork, method: Method, trained: TrainedDiffuser, spec: EnvironmentSpec, learnt: dict) -> Guide:
    return learnt[method.name]


def snapshot_key(loss: str, epoch: int) -> str:
    return f"{loss}@{epoch}"


def evaluate_diffuser_methods(
    trained: TrainedDiffuser,
    spec: EnvironmentSpec,
    settings: EvaluationSettings,
    guidance: Guidance,
    learnt: dict[str, torch.nn.Module],
    snapshots: dict[str, dict[int, torch.nn.Module]],
    windows: ErcWindows,
    progress: bool = True,
    methods: tuple[Method, ...] | None = None,
) -> tuple[dict, dict[str, Rollouts], np.ndarray]:
    """Return (metrics per method, rollouts per method, start index of each rollout).

    ``methods``: the diffuser methods to roll out (default: every one the environment has).

    ``snapshots`` (loss -> epoch -> network) add, per loss, a row for the best of its kept
    networks (by the mean ``gamma``-discounted return of these very rollouts, as the thesis
    chose its checkpoints: an optimistic pick, reported beside the last network).
    """
    methods = diffuser_methods(spec.has_true_reward_guide) if methods is None else methods
    starts, start_index = evaluation_starts(spec, settings)
    guides: dict[str, Guide | None] = {m.name: method_guide(m, trained, spec, learnt) for m in methods}
    final_epochs = {}
    for loss, by_epoch in snapshots.items():
        final_epochs[loss] = max(by_epoch)
        guides |= {snapshot_key(loss, e): model for e, model in by_epoch.items() if e != final_epochs[loss]}
    names = list(guides)
    batch = np.concatenate([starts] * len(names))
    rollouts = planned_rollouts(
        trained,
        spec,
        batch,
        settings.steps,
        settings.replan_every,
        evaluation_reward(spec),
        GroupedGuide(list(guides.values())),
        guidance,
        seed=settings.seed,
        progress=progress,
        noise_groups=len(names),
        execute=settings.execute,
    )
    by_name = dict(zip(names, rollouts.split(len(names))))
    for loss, epoch in final_epochs.items():
        by_name[snapshot_key(loss, epoch)] = by_name[loss]

    metrics = {}
    for method in methods:
        metrics[method.name] = rollout_scores(method.label, by_name[method.name], settings.gamma, spec)
        metrics[method.name]["erc"] = erc_of(learnt[method.name], trained, windows) if method.is_learnt else None
        if method.is_learnt:
            metrics[method.name]["checkpoint"] = "last"
    for loss, by_epoch in snapshots.items():
        scores = {
            e: float(discounted_return(by_name[snapshot_key(loss, e)].rewards, settings.gamma).mean()) for e in by_epoch
        }
        best = max(scores, key=scores.get)
        entry = rollout_scores(
            f"{METHODS[loss].label}, best of {len(scores)} checkpoints (epoch {best})",
            by_name[snapshot_key(loss, best)],
            settings.gamma,
            spec,
        )
        metrics[f"{loss}_best"] = entry | {
            "erc": erc_of(by_epoch[best], trained, windows),
            "checkpoint": "best",
            "selected_epoch": best,
            "checkpoint_scores": scores,
        }
    kept = {name: by_name[name] for name in metrics if name in by_name}
    kept |= {
        f"{loss}_best": by_name[snapshot_key(loss, metrics[f"{loss}_best"]["selected_epoch"])] for loss in snapshots
    }
    return metrics, kept, start_index
