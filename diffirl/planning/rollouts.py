"""Closed-loop rollouts of a diffuser planner in the real simulator.

Every ``replan_every`` steps all N environments plan at once (one batched sampling
chain, conditioned on their current states); in between, each executes its plan in
order, so with ``replan_every = 1`` every step executes the plan's first step. A plan's
step is executed one of two ways (``execute``):

* ``planned_action``: the action the plan holds for that step;
* ``next_state``: an action that tracks the plan's next state, the Diffuser's maze
  controller ``a = (p' - p) + (v' - v)`` from the current position and velocity (p, v)
  to the planned next ones (p', v'), clipped to the action bounds. Only the planned
  states steer then, so a guide that moves the plan's positions moves the agent even
  where the plan's actions do not follow its states.
"""

from __future__ import annotations

from typing import get_args

import numpy as np
import torch

from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guidance, Guide, draw_noise, sample
from diffirl.envs.closed_loop import RewardFunction, Rollouts, closed_loop_rollouts
from diffirl.envs.registry import EnvironmentSpec
from diffirl.params.schema import Execution
from diffirl.work_log import timed_work

EXECUTIONS = get_args(Execution)


def next_state_action(states: np.ndarray, planned_next: np.ndarray) -> np.ndarray:
    """The Diffuser's maze controller: position error plus velocity error, within [-1, 1]."""
    half = states.shape[-1] // 2
    error = planned_next - states
    return np.clip(error[..., :half] + error[..., half:], -1.0, 1.0)


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
    with timed_work("plans", len(states)):
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
    execute: Execution = "planned_action",
) -> Rollouts:
    """Roll out from each start state; ``reward`` defaults to the environment's own reward.

    ``noise_groups``: see :func:`plan`; the simulators' own seeds repeat across groups too.
    ``goals``: raw states every plan ends at (inpainted), one per start state.
    ``execute``: how a plan's step becomes an action (module docstring).
    """
    if not 1 <= replan_every <= trained.diffusion.horizon:
        raise ValueError(f"replan_every must be in [1, horizon={trained.diffusion.horizon}], got {replan_every}")
    if execute not in EXECUTIONS:
        raise ValueError(f"execute must be one of {', '.join(EXECUTIONS)}, got {execute!r}")
    if execute == "next_state" and replan_every >= trained.diffusion.horizon:
        raise ValueError(f"execute 'next_state' needs replan_every below the horizon {trained.diffusion.horizon}")
    generator = torch.Generator(device=trained.device).manual_seed(seed)
    planned_actions = planned_states = None

    def planner(t: int, states: np.ndarray) -> np.ndarray:
        nonlocal planned_actions, planned_states
        if t % replan_every == 0:
            planned_actions, planned_states = plan(trained, states, guide, guidance, generator, goals, noise_groups)
        step = t % replan_every
        if execute == "next_state":
            return next_state_action(states, planned_states[:, step + 1])
        return planned_actions[:, step]

    return closed_loop_rollouts(spec, start_states, steps, planner, reward, seed, progress, seed_groups=noise_groups)
