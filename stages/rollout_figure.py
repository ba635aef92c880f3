"""Stage "rollout_figure": Figure 7 or 14, a rollout of every method from each start point of a maze
(and, where the thesis drew one, Figure 10: the rollouts guided by the true reward)."""

import numpy as np

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.envs.registry import environments_with
from diffirl.evaluation import load_positions
from diffirl.methods import METHODS, methods_for
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.method_figures import rollouts_figure, start_point_figure


def main() -> None:
    spec, params = parse(__doc__, environments=environments_with("rollouts"))
    try:
        positions, start_index = load_positions(paths.evaluation_rollouts(spec.name))
        baselines, baseline_start_index = load_positions(paths.baselines_rollouts(spec.name))
    except FileNotFoundError as error:
        fail(error)
    if not np.array_equal(baseline_start_index, start_index):
        fail(
            ValueError(
                f"{paths.baselines_rollouts(spec.name)} starts its rollouts elsewhere than "
                f"{paths.evaluation_rollouts(spec.name)}: rerun both evaluations with the same settings"
            )
        )
    positions |= baselines
    methods = [m.name for m in methods_for(spec.has_true_reward_guide)]
    save_figure(
        rollouts_figure(
            spec.maze,
            {name: positions[name] for name in methods},
            start_index,
            {name: METHODS[name].short_label for name in methods},
            paths.figure_title(
                "rollouts", spec.name, f"{spec.name} rollouts per start point (rows) and method (columns)"
            ),
        ),
        paths.rollout_figure(spec.name),
    )
    if paths.figure_number("true_reward_rollouts", spec.name) is not None:
        save_figure(
            start_point_figure(
                spec.maze,
                positions["true"],
                start_index,
                paths.figure_title(
                    "true_reward_rollouts", spec.name, f"{spec.name}, the diffuser guided by the true reward"
                ),
            ),
            paths.true_reward_rollout_figure(spec.name),
        )


if __name__ == "__main__":
    run_stage(main)
