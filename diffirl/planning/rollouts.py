"""Closed-loop rollouts of a diffuser planner in the real simulator.

Every ``replan_every`` steps all N environments plan at once (one batched sampling
chain, conditioned on their current states); in between, each executes its plan's
actions in order, so with ``replan_every = 1`` every step executes the first planned action.
"""

from __future__ import annotations

import numpy as np
import torch

from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guidance, Guide, sample
from diffirl.envs.closed_loop import RewardFunction, Rollouts, closed_loop_rollouts
from diffirl.envs.registry import EnvironmentSpec


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
    generator = torch.Generator(device=trained.device).manual_seed(seed)
    planned = None

    def planner(t: int, states: np.ndarray) -> np.ndarray:
        nonlocal planned
        if t % replan_every == 0:
            planned, _ = plan(trained, states, guide, guidance, generator)
        return planned[:, t % replan_every]

    return closed_loop_rollouts(spec, start_states, steps, planner, reward, seed, progress)
