"""The evaluator shared by every method: start states, closed-loop rollouts, scores, ERC.

Diffuser methods plan with the same frozen diffuser, from the same start states, with
the same seeds; only the guide differs (none, the true reward, or a learnt reward). The
baselines are scored by the same functions with their policy as the controller. ERC
compares true and learnt returns on random windows of data, each reward fed the inputs
it is defined on (raw positions for the true reward, normalised plans for a learnt one,
raw states and actions for AIRL's network).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from diffirl.data.format import Dataset
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guidance
from diffirl.diffusion.windows import transitions, window_starts
from diffirl.envs.closed_loop import RewardFunction, Rollouts, reset_states
from diffirl.envs.registry import EnvironmentSpec
from diffirl.io import atomic_path
from diffirl.method.experts import start_states, true_reward_guide
from diffirl.metrics import action_norms, discounted_return, episode_return_correlation, mean_std
from diffirl.params.schema import EvaluationSettings
from diffirl.planning.rollouts import planned_rollouts
from diffirl.rewards.true_reward import true_reward

METHOD_LABELS = {
    "base": "Base Diffuser",
    "true": "Diffuser (True Reward)",
    "mse": "Diffuser (Learnt MSE Reward)",
    "mmd_gauss": "Diffuser (Learnt MMD-Gauss Reward)",
    "mmd_matern": "Diffuser (Learnt MMD-Matern Reward)",
    "bc": "Behaviour Cloning",
    "gail": "GAIL",
    "airl": "AIRL",
}


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
    """The thesis's true reward in a maze; the environment's own reward otherwise."""
    if spec.is_maze:
        return lambda states, actions, next_states: true_reward(spec.maze, states[..., :2])
    return None


def rollout_scores(label: str, rollouts: Rollouts, gamma: float) -> dict:
    mean, std = mean_std(rollouts.returns)
    return {"label": label, "return_mean": mean, "return_std": std, "returns": rollouts.returns.tolist(),
            "discounted_return": mean_std(discounted_return(rollouts.rewards, gamma)), "gamma": gamma,
            "action_norm": mean_std(action_norms(rollouts.actions)),
            "rollouts": len(rollouts.returns), "steps": rollouts.actions.shape[1]}


def save_positions(path, positions: dict[str, np.ndarray], start_index: np.ndarray) -> None:
    """Rollout positions per method (for the rollout figures), with each rollout's start point."""
    with atomic_path(path) as tmp, open(tmp, "wb") as file:
        np.savez(file, start_index=start_index, **{f"positions_{name}": xy for name, xy in positions.items()})


def load_positions(path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    with np.load(path) as data:
        positions = {key.removeprefix("positions_"): data[key] for key in data.files if key.startswith("positions_")}
        return positions, data["start_index"]


# --- ERC ----------------------------------------------------------------------------------
@dataclass
class ErcWindows:
    rows: np.ndarray  # (count, horizon, action_dim + observation_dim) raw [action, observation]
    true_returns: np.ndarray  # (count,)


def random_windows(dataset: Dataset, horizon: int, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random horizon-long windows of ``dataset``: raw rows and the dataset's rewards."""
    starts, _ = window_starts(dataset, horizon)
    chosen = np.random.default_rng(seed).choice(starts, count, replace=len(starts) < count)
    index = chosen[:, None] + np.arange(horizon)
    return transitions(dataset)[index], dataset.rewards[index]


def erc_windows(spec: EnvironmentSpec, datasets: list[Dataset], horizon: int, count: int, seed: int) -> ErcWindows:
    """Windows split evenly over ``datasets``, with their true returns in raw units."""
    shares = np.diff(np.linspace(0, count, len(datasets) + 1).round().astype(int))
    parts = [random_windows(d, horizon, n, seed + k) for k, (d, n) in enumerate(zip(datasets, shares))]
    rows = np.concatenate([p[0] for p in parts])
    if spec.is_maze:
        action_dim = datasets[0].actions.shape[1]
        returns = true_reward(spec.maze, rows[..., action_dim:action_dim + 2]).sum(axis=1)
    else:
        returns = np.concatenate([p[1] for p in parts]).sum(axis=1)
    return ErcWindows(rows, np.asarray(returns, dtype=np.float64))


def erc_of(model: torch.nn.Module, trained: TrainedDiffuser, windows: ErcWindows) -> float:
    """ERC of a learnt return model, which reads whole normalised plans."""
    with torch.no_grad():
        raw = torch.as_tensor(windows.rows, dtype=torch.float32, device=trained.device)
        learnt_returns = model(trained.normalizer.normalize(raw)).cpu().numpy()
    return episode_return_correlation(windows.true_returns, learnt_returns)


# --- diffuser methods ---------------------------------------------------------------------
def evaluate_maze(trained: TrainedDiffuser, spec: EnvironmentSpec, settings: EvaluationSettings, guidance: Guidance,
                  learnt: dict[str, torch.nn.Module], dataset: Dataset, progress: bool = True):
    """Return (metrics per method, rollout positions per method, start index of each rollout)."""
    batch, start_index = evaluation_starts(spec, settings)
    steps = settings.steps or trained.diffusion.horizon
    guides = {"base": None, "true": true_reward_guide(trained, spec), **learnt}
    windows = erc_windows(spec, [dataset], trained.diffusion.horizon, settings.erc_windows, settings.seed)
    metrics, positions = {}, {}
    for name, guide in guides.items():
        rollouts = planned_rollouts(trained, spec, batch, steps, settings.replan_every, evaluation_reward(spec), guide,
                                    guidance if guide is not None else None, seed=settings.seed, progress=progress)
        metrics[name] = rollout_scores(METHOD_LABELS[name], rollouts, settings.gamma)
        metrics[name]["erc"] = erc_of(guide, trained, windows) if name in learnt else None
        positions[name] = rollouts.observations[..., :2]
    return metrics, positions, start_index
