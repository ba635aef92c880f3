"""Batched closed-loop rollouts in the real simulator: the one evaluator of every method.

N rollouts step together, each from an exactly set start state (one simulator, one saved
physics state per rollout: `SimulatorBatch`). A controller maps
(step index, current states) to actions; a diffuser planner and a trained policy are both
controllers, so every method is scored by the same loop and the same reward function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from diffirl.envs.kinds import RewardFunction
from diffirl.envs.registry import EnvironmentSpec
from diffirl.envs.simulators import SimulatorBatch, make_env, state_of
from diffirl.progress import progress_bar

#: (states, actions, next_states) -> per-step rewards, each (N, ...) in raw units
#: (step index, (N, observation_dim) current states) -> (N, action_dim) actions
Controller = Callable[[int, np.ndarray], np.ndarray]


@dataclass
class Rollouts:
    observations: np.ndarray  # (N, steps + 1, observation_dim)
    actions: np.ndarray  # (N, steps, action_dim)
    rewards: np.ndarray  # (N, steps)

    @property
    def returns(self) -> np.ndarray:
        return self.rewards.sum(axis=1)

    def split(self, groups: int) -> list[Rollouts]:
        """The batch cut into ``groups`` equal consecutive parts."""
        return [
            Rollouts(*parts)
            for parts in zip(*(np.split(a, groups) for a in (self.observations, self.actions, self.rewards)))
        ]


def reset_states(spec: EnvironmentSpec, count: int, seed: int) -> np.ndarray:
    """The environment's own initial states for seeds ``seed .. seed + count - 1``."""
    env = make_env(spec)
    try:
        return np.stack([state_of(spec, env.reset(seed=seed + k)[0]) for k in range(count)])
    finally:
        env.close()


def closed_loop_rollouts(
    spec: EnvironmentSpec,
    start_states: np.ndarray,
    steps: int,
    controller: Controller,
    reward: RewardFunction | None = None,
    seed: int = 0,
    progress: bool = True,
    seed_groups: int = 1,
) -> Rollouts:
    """Roll out from each start state; ``reward`` defaults to the environment's own reward.

    Environment k is seeded ``seed + k``; with ``seed_groups`` = G the batch is G equal
    groups and row k of every group gets the same seed (one group per compared method).
    """
    count = len(start_states)
    group_size = count // seed_groups
    simulators = SimulatorBatch(spec, start_states, [seed + k % group_size for k in range(count)])
    try:
        observations = np.zeros((count, steps + 1, start_states.shape[1]))
        actions = np.zeros((count, steps, simulators.env.action_space.shape[0]))
        env_rewards = np.zeros((count, steps))
        observations[:, 0] = start_states
        for t in progress_bar(
            range(steps),
            desc=f"rollouts {spec.name}",
            unit="step",
            disable=not progress,
            mininterval=2,
            work_batch=count,
        ):
            actions[:, t] = controller(t, observations[:, t])
            observations[:, t + 1], step_rewards = simulators.step(actions[:, t], with_rewards=reward is None)
            if step_rewards is not None:
                env_rewards[:, t] = step_rewards
    finally:
        simulators.close()
    rewards = env_rewards if reward is None else reward(observations[:, :-1], actions, observations[:, 1:])
    return Rollouts(observations, actions, np.asarray(rewards, dtype=np.float64))
