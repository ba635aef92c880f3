"""Stage "dynamics_error": Figures 15-17 for a maze. The one-step dynamics error of the base
diffuser's plans from uniform start states, over the maze and along the plan; the same error of
the expert K-windows the reward learner sees; where the true-reward rollouts stall."""

import json

import numpy as np
import pandas as pd
import torch

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.envs.registry import environments_with
from diffirl.evaluation import load_positions
from diffirl.experts.generation import start_states
from diffirl.figures import DYNAMICS_ERROR_FIGURES
from diffirl.io import write_csv_frame, write_json
from diffirl.planning.diagnosis import error_grid, stalled, summary, uniform_free_states
from diffirl.planning.quality import dynamics_errors
from diffirl.planning.rollouts import plan
from diffirl.reports.diagnosis_figures import by_step_figure, heatmap_figure, zones_figure
from diffirl.reports.maze_plots import save_figure


def main() -> None:
    spec, params = parse(__doc__, environments=environments_with("dynamics_error"))
    settings = getattr(params.dynamics_error, spec.name)
    try:
        trained = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
        with np.load(paths.expert_windows_file(spec.name)) as data:
            windows = data["windows"]
        positions, _ = load_positions(paths.evaluation_rollouts(spec.name))
    except (FileNotFoundError, KeyError, RuntimeError) as error:
        fail(error)
    rng = np.random.default_rng(settings.seed)
    starts = uniform_free_states(spec.maze, settings.n_starts, rng)
    actions, observations = plan(
        trained, starts, generator=torch.Generator(device=trained.device).manual_seed(settings.seed)
    )
    plan_errors = dynamics_errors(spec, actions, observations)
    a = trained.action_dim
    expert_errors = dynamics_errors(spec, windows[..., :a], windows[..., a:])

    first = plan_errors[:, 0]
    grid = error_grid(spec.maze, starts[:, :2], first, settings.bins_per_cell)
    threshold = float(np.quantile(first, settings.high_error_quantile))
    stall_mask = stalled(positions["true"], settings.stall_window, settings.stall_distance)
    stalls = positions["true"][stall_mask, -1]
    # the error of the bin each stall ends in, against the share of the maze's bins that are high-error
    x_edges, y_edges, mean = grid
    column = np.clip(np.searchsorted(x_edges, stalls[:, 0]) - 1, 0, mean.shape[1] - 1)
    row = np.clip(np.searchsorted(y_edges, stalls[:, 1]) - 1, 0, mean.shape[0] - 1)
    stall_bin_errors = mean[row, column]
    finite = mean[np.isfinite(mean)]
    metrics = {
        "starts": settings.n_starts,
        "plan_steps": int(plan_errors.shape[1]),
        "plans_first_step": summary(plan_errors[:, :1]),
        "plans_all_steps": summary(plan_errors),
        "expert_windows": summary(expert_errors) | {"count": len(windows), "k": int(windows.shape[1])},
        "high_error_threshold": threshold,
        "high_error_bin_share": float((finite > threshold).mean()),
        "true_reward_rollouts": int(len(positions["true"])),
        "stalled_rollouts": int(stall_mask.sum()),
        "stalls_in_high_error_bins": (
            float(np.mean(np.nan_to_num(stall_bin_errors) > threshold)) if len(stalls) else None
        ),
        "stall_positions": stalls.tolist(),
    }
    per_start = pd.DataFrame(
        {"x": starts[:, 0], "y": starts[:, 1], "first_step_mse": first, "plan_mean_mse": plan_errors.mean(axis=1)}
    )
    expert_starts = start_states(spec, getattr(params.experts, spec.name).start_cells)[:, :2]
    name = spec.name

    def title(kind: str, text: str) -> str:
        return paths.figure_title(DYNAMICS_ERROR_FIGURES[kind], name, text)

    figures = {
        "heatmap": heatmap_figure(
            spec.maze, grid, title("heatmap", f"{name}, dynamics error of the first planned step")
        ),
        "zones": zones_figure(
            spec.maze,
            grid,
            threshold,
            expert_starts,
            stalls,
            title(
                "zones",
                f"{name}, high-error zones (> {settings.high_error_quantile:g} quantile), expert starts, stalls",
            ),
        ),
        "by_step": by_step_figure(
            {"diffuser plans": plan_errors, "expert K-windows": expert_errors},
            title("by_step", f"{name}, dynamics error along the plan"),
        ),
    }
    for kind, figure in figures.items():
        save_figure(figure, paths.dynamics_error_figure(name, kind))
    write_csv_frame(paths.dynamics_error_starts(name), per_start)
    write_json(paths.dynamics_error_metrics(name), metrics)
    print(json.dumps({key: value for key, value in metrics.items() if key != "stall_positions"}, default=str)[:2000])


if __name__ == "__main__":
    run_stage(main)
