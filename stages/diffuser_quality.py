"""Stage "diffuser_quality": how physical the base diffuser's plans are, in the real simulator."""

import numpy as np
import torch

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError, read_dataset
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.diffusion.windows import window_starts
from diffirl.io import write_json
from diffirl.metrics import action_norms, discounted_return, fixed_length_segments, mean_std
from diffirl.planning.quality import dynamics_errors, wall_fraction
from diffirl.planning.rollouts import plan, planned_rollouts


def main() -> None:
    spec, params = parse(__doc__)
    settings = getattr(params.diffuser_quality, spec.name)
    try:
        dataset = read_dataset(paths.dataset_file(spec.name, spec.base_split))
        trained = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
    except (DatasetError, FileNotFoundError, RuntimeError) as error:
        fail(error)

    rng = np.random.default_rng(settings.seed)
    starts = dataset.observations[rng.choice(len(dataset), settings.n_plans, replace=False)]
    generator = torch.Generator(device=trained.device).manual_seed(settings.seed)
    actions, observations = plan(trained, starts, generator=generator)
    errors = dynamics_errors(spec, actions, observations)
    metrics = {
        "plans": settings.n_plans,
        "dynamics_mse_mean": float(errors.mean()),
        "dynamics_mse_first_step": float(errors[:, 0].mean()),
        "dynamics_mse_by_step": [float(e) for e in errors.mean(axis=0)],
    }
    if spec.maze is not None:
        metrics["planned_positions_in_walls"] = wall_fraction(spec, observations)
        # Goal-conditioned plans as in training: the goal is the state horizon-1 steps later in the same episode.
        horizon = trained.diffusion.horizon
        windows, _ = window_starts(dataset, horizon)
        chosen = windows[rng.choice(len(windows), settings.n_plans, replace=False)]
        goals = dataset.observations[chosen + horizon - 1]
        _, goal_observations = plan(trained, dataset.observations[chosen], generator=generator, goals=goals)
        metrics["planned_positions_in_walls_with_goal"] = wall_fraction(spec, goal_observations)
    if settings.n_rollouts:
        reset_states = np.stack([dataset.observations[e.start] for e in dataset.episodes()])
        rollout_starts = reset_states[rng.choice(len(reset_states), settings.n_rollouts)]
        rollouts = planned_rollouts(
            trained, spec, rollout_starts, settings.rollout_steps, settings.replan_every, seed=settings.seed
        )
        segments = fixed_length_segments(dataset, settings.rollout_steps)
        data_returns = [discounted_return(dataset.rewards[s], settings.gamma) for s in segments]
        metrics["unguided_rollouts"] = {
            "count": settings.n_rollouts,
            "steps": settings.rollout_steps,
            "discounted_return": mean_std(discounted_return(rollouts.rewards, settings.gamma)),
            "return": mean_std(rollouts.returns),
            "action_norm": mean_std(action_norms(rollouts.actions)),
        }
        metrics["base_data_discounted_return"] = mean_std(data_returns) if data_returns else None
    write_json(paths.diffuser_quality_metrics(spec.name), metrics)
    print(metrics | {"dynamics_mse_by_step": "..."})


if __name__ == "__main__":
    run_stage(main)
