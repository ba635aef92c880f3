"""Batched closed-loop rollouts of a diffuser planner in the real simulator.

N environments step together, each from an exactly set start state. Every
``replan_every`` steps all of them plan at once (one batched sampling chain,
conditioned on their current states); in between, each executes its plan's actions in
order, so with ``replan_every = 1`` every step executes the first planned action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from tqdm import tqdm

from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guidance, Guide, sample
from diffirl.envs.registry import EnvironmentSpec
from diffirl.envs.simulators import make_env, set_state, state_of

#: (states, actions, next_states) -> per-step rewards, each (N, ...) in raw units
RewardFunction = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Rollouts:
    observations: np.ndarray  # (N, steps + 1, observation_dim)
    actions: np.ndarray  # (N, steps, action_dim)
    rewards: np.ndarray  # (N, steps)

    @property
    def returns(self) -> np.ndarray:
        return self.rewards.sum(axis=1)


def plan(trained: TrainedDiffuser, states: np.ndarray, guide: Guide | None = None, guidance: Guidance | None = None,
         generator: torch.Generator | None = None, goals: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Plans from raw ``states`` (optionally to raw ``goals``); returns raw (actions, observations)."""
    to_tensor = lambda a: trained.normalize_states(torch.as_tensor(a, dtype=torch.float32, device=trained.device))
    conditions = {0: to_tensor(states)}
    if goals is not None:
        conditions[trained.diffusion.horizon - 1] = to_tensor(goals)
    plans = sample(trained.diffusion, conditions, len(states), guide, guidance, generator=generator)
    actions, observations = trained.split(plans)
    return actions.detach().cpu().numpy(), observations.detach().cpu().numpy()


def planned_rollouts(
    trained: TrainedDiffuser,
    spec: EnvironmentSpec,
    start_states: np.ndarray,
    steps: int,
    replan_every: int = 1,
    reward: RewardFunction | None = None,
    guide: Guide | None = None,
    guidance: Guidance | None = None,
    seed: int = 0,
    progress: bool = True,
) -> Rollouts:
    """Roll out from each start state; ``reward`` defaults to the environment's own reward."""
    if not 1 <= replan_every <= trained.diffusion.horizon:
        raise ValueError(f"replan_every must be in [1, horizon={trained.diffusion.horizon}], got {replan_every}")
    count = len(start_states)
    envs = [make_env(spec) for _ in range(count)]
    for k, env in enumerate(envs):
        env.reset(seed=seed + k)
        set_state(env, spec, start_states[k])
    generator = torch.Generator(device=trained.device).manual_seed(seed)
    observations = np.zeros((count, steps + 1, trained.observation_dim))
    actions = np.zeros((count, steps, trained.action_dim))
    env_rewards = np.zeros((count, steps))
    observations[:, 0] = start_states
    planned = None
    for t in tqdm(range(steps), desc=f"rollouts {spec.name}", unit="step", disable=not progress, mininterval=2):
        if t % replan_every == 0:
            planned, _ = plan(trained, observations[:, t], guide, guidance, generator)
        actions[:, t] = planned[:, t % replan_every]
        for k, env in enumerate(envs):
            next_observation, env_rewards[k, t], *_ = env.step(actions[:, t][k])
            observations[k, t + 1] = state_of(spec, next_observation)
    for env in envs:
        env.close()
    rewards = env_rewards if reward is None else reward(observations[:, :-1], actions, observations[:, 1:])
    return Rollouts(observations, actions, np.asarray(rewards, dtype=np.float64))
