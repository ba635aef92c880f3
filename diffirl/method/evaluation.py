"""Evaluation in a maze: guided rollouts of every method, scored by the true reward, and ERC.

Every method plans with the same frozen diffuser, from the same start points, with the
same seeds and the same evaluator; only the guide differs (none, the true reward, or a
learnt reward). ERC compares true and learnt returns on random horizon-long windows of
the base dataset, each reward fed the inputs it is defined on (raw positions for the
true reward, normalised plans for a learnt one).
"""

from __future__ import annotations

import numpy as np
import torch

from diffirl.data.format import Dataset
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guidance
from diffirl.diffusion.windows import transitions, window_starts
from diffirl.envs.registry import EnvironmentSpec
from diffirl.method.experts import start_states, true_reward_guide
from diffirl.metrics import episode_return_correlation, mean_std
from diffirl.params.schema import EvaluationSettings
from diffirl.planning.rollouts import planned_rollouts
from diffirl.rewards.true_reward import true_reward

METHOD_LABELS = {
    "base": "Base Diffuser",
    "true": "Diffuser (True Reward)",
    "mse": "Diffuser (Learnt MSE Reward)",
    "mmd_gauss": "Diffuser (Learnt MMD-Gauss Reward)",
    "mmd_matern": "Diffuser (Learnt MMD-Matern Reward)",
}


def base_windows(dataset: Dataset, horizon: int, count: int, seed: int) -> np.ndarray:
    """``count`` random horizon-long windows of the base dataset, raw [action, observation] rows."""
    starts, _ = window_starts(dataset, horizon)
    chosen = np.random.default_rng(seed).choice(starts, count, replace=len(starts) < count)
    return transitions(dataset)[chosen[:, None] + np.arange(horizon)]


def erc_of(model: torch.nn.Module, trained: TrainedDiffuser, spec: EnvironmentSpec, windows: np.ndarray) -> float:
    true_returns = true_reward(spec.maze, windows[..., trained.action_dim:trained.action_dim + 2]).sum(axis=1)
    with torch.no_grad():
        normalized = trained.normalizer.normalize(torch.as_tensor(windows, dtype=torch.float32, device=trained.device))
        learnt_returns = model(normalized).cpu().numpy()
    return episode_return_correlation(true_returns, learnt_returns)


def evaluate_maze(trained: TrainedDiffuser, spec: EnvironmentSpec, settings: EvaluationSettings, guidance: Guidance,
                  learnt: dict[str, torch.nn.Module], dataset: Dataset, progress: bool = True):
    """Return (metrics per method, rollout positions per method, start index of each rollout)."""
    starts = start_states(spec, settings.start_cells)
    batch = np.repeat(starts, settings.rollouts_per_start, axis=0)
    start_index = np.repeat(np.arange(len(starts)), settings.rollouts_per_start)
    steps = settings.steps or trained.diffusion.horizon
    reward = lambda s, a, n: true_reward(spec.maze, s[..., :2])
    guides = {"base": None, "true": true_reward_guide(trained, spec), **learnt}
    windows = base_windows(dataset, trained.diffusion.horizon, settings.erc_windows, settings.seed)
    metrics, positions = {}, {}
    for name, guide in guides.items():
        rollouts = planned_rollouts(trained, spec, batch, steps, settings.replan_every, reward, guide,
                                    guidance if guide is not None else None, seed=settings.seed, progress=progress)
        mean, std = mean_std(rollouts.returns)
        metrics[name] = {"label": METHOD_LABELS[name], "return_mean": mean, "return_std": std,
                         "returns": rollouts.returns.tolist(), "rollouts": len(batch), "steps": steps,
                         "erc": erc_of(guide, trained, spec, windows) if name in learnt else None}
        positions[name] = rollouts.observations[..., :2]
    return metrics, positions, start_index
