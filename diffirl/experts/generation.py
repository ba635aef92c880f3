"""How expert trajectories are made (docs/thesis.md §7): guided rollouts or plans of the
base diffuser, or windows of an expert dataset."""

from __future__ import annotations

import numpy as np
import torch

from diffirl.data.format import Dataset
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guidance
from diffirl.diffusion.windows import choose_windows, transitions, window_starts
from diffirl.envs.registry import EnvironmentSpec
from diffirl.experts.trajectories import Experts
from diffirl.params.schema import ExpertSettings, GuidanceSettings
from diffirl.planning.rollouts import plan, planned_rollouts
from diffirl.rewards.true_reward_guide import TrueRewardGuide


def as_guidance(settings: GuidanceSettings) -> Guidance:
    return Guidance(settings.scale, settings.n_guide_steps, settings.t_stopgrad, settings.scale_grad_by_std)


def true_reward_guide(trained: TrainedDiffuser, spec: EnvironmentSpec) -> TrueRewardGuide:
    return TrueRewardGuide(spec.reward, trained.action_dim, trained.normalizer.shift, trained.normalizer.scale).to(
        trained.device
    )


def start_states(spec: EnvironmentSpec, points: list[tuple[float, ...]]) -> np.ndarray:
    """PointMaze states at start points (row, column[, row velocity, column velocity]), at rest
    where no velocity is given; a start inside a wall is refused."""
    cells = np.array([point[:2] for point in points], dtype=np.float64)
    velocities = np.array([point[2:] if len(point) == 4 else (0.0, 0.0) for point in points], dtype=np.float64)
    xy = spec.maze.cell_to_xy(cells)
    if spec.maze.in_wall(xy).any():
        raise ValueError(f"start points {points} include a wall cell of the {spec.name} maze")
    return np.concatenate([xy, spec.maze.cell_velocity_to_xy(velocities)], axis=1)


def _rollout_experts(trained, spec, settings: ExpertSettings, progress: bool, **planning) -> Experts:
    """Closed-loop rollouts from every start cell, one batched run per seed; ``planning``: guide, goals."""
    starts = start_states(spec, settings.start_cells)
    reward = lambda s, a, n: spec.reward(s[..., :2])
    trajectories, start_point, seeds = [], [], []
    for seed in settings.seeds:
        rollouts = planned_rollouts(
            trained,
            spec,
            starts,
            settings.length,
            settings.replan_every,
            reward,
            execute=settings.execute,
            seed=seed,
            progress=progress,
            **planning,
        )
        trajectories.append(np.concatenate([rollouts.actions, rollouts.observations[:, :-1]], axis=-1))
        start_point += list(range(len(starts)))
        seeds += [seed] * len(starts)
    return Experts(np.concatenate(trajectories), np.array(start_point), np.array(seeds), "rollout")


def guided_rollout_experts(
    trained, spec, settings: ExpertSettings, guidance: GuidanceSettings, progress=True
) -> Experts:
    """The diffuser guided by the true reward, replanning in the simulator."""
    guide = true_reward_guide(trained, spec)
    return _rollout_experts(trained, spec, settings, progress, guide=guide, guidance=as_guidance(guidance))


def goal_rollout_experts(trained, spec, settings: ExpertSettings, progress=True) -> Experts:
    """Closed-loop rollouts replanning towards the goal: the simulator, not the plan, makes every next state."""
    goals = np.repeat(start_states(spec, [settings.goal_cell]), len(settings.start_cells), axis=0)
    return _rollout_experts(trained, spec, settings, progress, goals=goals)


def goal_distances(experts: Experts, spec: EnvironmentSpec, goal_cell, action_dim: int) -> dict:
    """How far from the goal cell the experts start and end (a goal plan ends there by construction)."""
    goal = spec.maze.cell_to_xy(np.array(goal_cell, dtype=np.float64))
    positions = experts.trajectories[..., action_dim : action_dim + 2]
    final = np.linalg.norm(positions[:, -1] - goal, axis=1)
    return {
        "final_distance_to_goal": {"mean": float(final.mean()), "max": float(final.max())},
        "start_distance_to_goal": float(np.linalg.norm(positions[:, 0] - goal, axis=1).mean()),
    }


def goal_plan_experts(trained, spec, settings: ExpertSettings) -> Experts:
    if settings.length > trained.diffusion.horizon:
        raise ValueError(f"goal plans of {settings.length} steps exceed the horizon {trained.diffusion.horizon}")
    starts = start_states(spec, settings.start_cells)
    goal = start_states(spec, [settings.goal_cell])
    trajectories, start_point, seeds = [], [], []
    for seed in settings.seeds:
        generator = torch.Generator(device=trained.device).manual_seed(seed)
        actions, observations = plan(trained, starts, generator=generator, goals=np.repeat(goal, len(starts), axis=0))
        trajectories.append(np.concatenate([actions, observations], axis=-1)[:, : settings.length])
        start_point += list(range(len(starts)))
        seeds += [seed] * len(starts)
    return Experts(np.concatenate(trajectories), np.array(start_point), np.array(seeds), "plan")


def dataset_window_experts(expert_data: Dataset, settings: ExpertSettings, environment: str) -> Experts:
    rows = transitions(expert_data)
    starts, _ = window_starts(expert_data, settings.length)
    setting = f"experts.{environment}.n_windows = {settings.n_windows}"
    chosen = choose_windows(starts, settings.n_windows, np.random.default_rng(settings.seeds[0]), setting)
    trajectories = rows[chosen[:, None] + np.arange(settings.length)]
    return Experts(trajectories, chosen, np.full(len(chosen), settings.seeds[0]), "dataset")
