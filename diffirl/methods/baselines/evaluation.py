"""The baselines through the shared evaluator, and the ERC of AIRL's reward network."""

from __future__ import annotations

import numpy as np
from imitation.rewards.reward_nets import RewardNet, RewardNetWrapper
from stable_baselines3.common.policies import ActorCriticPolicy

from diffirl.envs.closed_loop import closed_loop_rollouts
from diffirl.envs.registry import EnvironmentSpec
from diffirl.evaluation import (
    ErcWindows,
    evaluation_reward,
    evaluation_starts,
    rollout_scores,
)
from diffirl.methods import METHODS
from diffirl.methods.baselines.training import as_controller
from diffirl.metrics import episode_return_correlation
from diffirl.params.schema import EvaluationSettings


def evaluate_policies(
    spec: EnvironmentSpec, settings: EvaluationSettings, policies: dict[str, ActorCriticPolicy], progress: bool = True
):
    """Return (metrics per baseline, rollouts per baseline, start index of each rollout)."""
    batch, start_index = evaluation_starts(spec, settings)
    metrics, rollouts = {}, {}
    for name, policy in policies.items():
        rollouts[name] = closed_loop_rollouts(
            spec,
            batch,
            settings.steps,
            as_controller(policy),
            evaluation_reward(spec),
            seed=settings.seed,
            progress=progress,
        )
        metrics[name] = rollout_scores(METHODS[name].label, rollouts[name], settings.gamma, spec)
    return metrics, rollouts, start_index


def reward_net_returns(reward_net: RewardNet, rows: np.ndarray, action_dim: int) -> np.ndarray:
    """Undiscounted return of each raw window under an `imitation` reward network, fed raw units."""
    count, horizon, _ = rows.shape
    actions, states = rows[..., :action_dim], rows[..., action_dim:]
    next_states = np.concatenate([states[:, 1:], states[:, -1:]], axis=1)  # the last is unused by r(s, a)
    flat = lambda a: a.reshape(count * horizon, -1)
    rewards = reward_net.predict_processed(
        flat(states), flat(actions), flat(next_states), np.zeros(count * horizon, dtype=bool)
    )
    return rewards.reshape(count, horizon).sum(axis=1)


def recovered_reward(shaped_net: RewardNet, which: str) -> RewardNet:
    """A baseline's saved reward network (AIRL's is shaped) as ``shaped``, or the reward it recovers,
    its base network without the potential shaping (``unshaped``: imitation's ``reward_test``)."""
    if which == "shaped":
        return shaped_net
    if which != "unshaped":
        raise ValueError(f"baseline reward {which!r}: choose unshaped or shaped")
    reward_net = shaped_net
    while isinstance(reward_net, RewardNetWrapper):
        reward_net = reward_net.base
    return reward_net


def reward_net_erc(reward_net: RewardNet, windows: ErcWindows, action_dim: int) -> float:
    """ERC of a baseline's reward network on raw windows; a shaped reward sees each window's last state as its own successor."""
    return episode_return_correlation(windows.true_returns, reward_net_returns(reward_net, windows.rows, action_dim))
