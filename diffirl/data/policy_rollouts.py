"""Roll a policy out in several copies of a gymnasium environment and keep the transitions."""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym
import numpy as np

from diffirl.data.format import Dataset, make_dataset
from diffirl.work_log import timed_work

Policy = Callable[[np.ndarray], np.ndarray]  # batch of observations -> batch of actions


def rollout_dataset(env_id: str, policy: Policy, n_episodes: int, n_envs: int, seed: int) -> Dataset:
    """Run ``n_episodes`` full episodes, ``n_envs`` at a time, and return them end to end."""
    envs = [gym.make(env_id) for _ in range(min(n_envs, n_episodes))]
    episodes: list[dict[str, list]] = []
    try:
        with timed_work("policy rollouts", n_episodes):
            for first in range(0, n_episodes, len(envs)):
                batch = envs[: min(len(envs), n_episodes - first)]
                episodes += _run_batch(batch, policy, seed + first)
    finally:
        for env in envs:
            env.close()
    columns = {key: np.concatenate([np.asarray(e[key]) for e in episodes]) for key in episodes[0]}
    return make_dataset(**columns)


def _run_batch(envs: list[gym.Env], policy: Policy, seed: int) -> list[dict[str, list]]:
    observations = [env.reset(seed=seed + k)[0] for k, env in enumerate(envs)]
    records = [{k: [] for k in ("observations", "actions", "rewards", "terminals", "timeouts")} for _ in envs]
    active = list(range(len(envs)))
    while active:
        actions = policy(np.stack([observations[k] for k in active]))
        still_active = []
        for k, action in zip(active, actions):
            next_observation, reward, terminated, truncated, _ = envs[k].step(action)
            record = records[k]
            record["observations"].append(observations[k])
            record["actions"].append(action)
            record["rewards"].append(reward)
            record["terminals"].append(terminated)
            record["timeouts"].append(truncated and not terminated)
            observations[k] = next_observation
            if not (terminated or truncated):
                still_active.append(k)
        active = still_active
    return records
