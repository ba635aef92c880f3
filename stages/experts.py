"""Stage "experts": one environment's expert trajectories (and, for mazes, Figures 4/5 or 12/11)."""

import json

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError, read_dataset
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.experts.generation import (
    dataset_window_experts,
    goal_distances,
    goal_plan_experts,
    goal_rollout_experts,
    guided_rollout_experts,
)
from diffirl.io import write_json
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.method_figures import experts_figure, true_reward_figure
from diffirl.rewards.true_reward import best_cell_dwell


def main() -> None:
    spec, params = parse(__doc__)
    settings = getattr(params.experts, spec.name)
    if (settings.procedure == "dataset_windows") == spec.kind.experts_from_diffuser:
        fail(ValueError(f"experts.{spec.name}.procedure = {settings.procedure!r} does not fit this environment"))
    try:
        if settings.procedure == "dataset_windows":
            expert_data = read_dataset(paths.dataset_file(spec.name, spec.expert_split))
            experts = dataset_window_experts(expert_data, settings, spec.name)
        else:
            trained = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
            if settings.procedure == "guided_rollouts":
                experts = guided_rollout_experts(trained, spec, settings, getattr(params.guidance, spec.name))
            elif settings.procedure == "goal_rollouts":
                experts = goal_rollout_experts(trained, spec, settings)
            else:
                experts = goal_plan_experts(trained, spec, settings)
    except (DatasetError, FileNotFoundError, ValueError, RuntimeError) as error:
        fail(error)
    experts.save(paths.experts_file(spec.name))
    summary = {
        "procedure": settings.procedure,
        "kind": experts.kind,
        "trajectories": len(experts.trajectories),
        "length": experts.trajectories.shape[1],
        "settings": settings.model_dump(mode="json"),
    }
    if spec.kind.designed_reward:
        action_dim = trained.action_dim
        positions = experts.trajectories[..., action_dim : action_dim + 2]
        dwell_steps = min(settings.dwell_steps, positions.shape[1])
        dwell = best_cell_dwell(spec.reward, positions, dwell_steps)
        summary["best_cell_dwell"] = {
            "best_cell": list(spec.reward.best_cell()),
            "last_steps": dwell_steps,
            "mean": float(dwell.mean()),
            "min": float(dwell.min()),
            "per_trajectory": dwell.tolist(),
        }
    if spec.maze is not None and settings.goal_cell is not None:
        summary |= goal_distances(experts, spec, settings.goal_cell, trained.action_dim)
    write_json(paths.experts_file(spec.name).with_suffix(".json"), summary)
    if "true_reward" in spec.kind.figures:
        title = paths.figure_title("true_reward", spec.name, f"true reward {spec.reward.describe()}, {spec.name}")
        save_figure(true_reward_figure(spec.reward, title), paths.true_reward_figure(spec.name))
    if "experts" in spec.kind.figures:
        save_figure(
            experts_figure(
                spec.maze,
                experts,
                action_dim,
                paths.figure_title(
                    "experts",
                    spec.name,
                    f"every {spec.name} expert; share of its last {dwell_steps} steps "
                    f"in the best cell {spec.reward.best_cell()}",
                ),
                settings.start_cells,
                dwell,
            ),
            paths.experts_figure(spec.name),
        )
    print(json.dumps({"trajectories": len(experts.trajectories), "shape": list(experts.trajectories.shape)}))


if __name__ == "__main__":
    run_stage(main)
