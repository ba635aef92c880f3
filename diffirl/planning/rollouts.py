"""Closed-loop rollouts of a diffuser planner in the real simulator.

Every ``replan_every`` steps all N environments plan at once (one batched sampling
chain, conditioned on their current states); in between, each executes its plan's
actions in order, so with ``replan_every = 1`` every step executes the first planned action.
"""

from __future__ import annotations

import numpy as np
import torch

from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guidance, Guide, draw_noise, sample
from diffirl.envs.closed_loop import RewardFunction, Rollouts, closed_loop_rollouts
from diffirl.envs.registry import EnvironmentSpec


def plan(
    trained: TrainedDiffuser,
    states: np.ndarray,
    guide: Guide | None = None,
    guidance: Guidance | None = None,
    generator: torch.Generator | None = None,
    goals: np.ndarray | None = None,
    noise_groups: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Plans from raw ``states`` (optionally to raw ``goals``); returns raw (actions, observations).

    With ``noise_groups`` = G the batch is G equal groups that share one draw of noise
    (row k of every group gets the same chain noise): methods compared on common random numbers.
    """
    to_tensor = lambda a: trained.normalize_states(torch.as_tensor(a, dtype=torch.float32, device=trained.device))
    conditions = {0: to_tensor(states)}
    if goals is not None:
        conditions[trained.diffusion.horizon - 1] = to_tensor(goals)
    if len(states) % noise_groups:
        raise ValueError(f"{len(states)} states do not split into {noise_groups} equal noise groups")
    noise = draw_noise(trained.diffusion, len(states) // noise_groups, generator, trained.device).repeat(
        1, noise_groups, 1, 1
    )
    plans = sample(trained.diffusion, conditions, len(states), guide, guidance, noise=noise)
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
    noise_groups: int = 1,
    goals: np.ndarray | None = None,
) -> Rollouts:
    """Roll out from each start state; ``reward`` defaults to the environment's own reward.

    ``noise_groups``: see :func:`plan`; the simulators' own seeds repeat across groups too.
    ``goals``: raw states every plan ends at (inpainted), one per start state.
    """
    if not 1 <= replan_every <= trained.diffusion.horizon:
        raise ValueError(f"replan_every must be in [1, horizon={trained.diffusion.horizon}], got {replan_every}")
    generator = torch.Generator(device=trained.device).manual_seed(seed)
    planned = None

    def planner(t: int, states: np.ndarray) -> np.ndarray:
        nonlocal planned
        if t % replan_every == 0:
            planned, _ = plan(trained, states, guide, guidance, generator, goals, noise_groups)
        return planned[:, t % replan_every]

    return closed_loop_rollouts(spec, start_states, steps, planner, reward, seed, progress, seed_groups=noise_groups)
