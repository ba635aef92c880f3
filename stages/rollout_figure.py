"""Stage "rollout_figure": Figure 7 (U-Maze), a rollout of every method from each start point."""

import numpy as np
from _common import fail, parse

from diffirl import paths
from diffirl.method.evaluation import METHOD_LABELS, load_positions
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.method_figures import rollouts_figure

if __name__ == "__main__":
    spec, params = parse(__doc__, environments=("umaze",))
    try:
        positions, start_index = load_positions(paths.evaluation_rollouts(spec.name))
        baselines, baseline_start_index = load_positions(paths.baselines_rollouts(spec.name))
    except FileNotFoundError as error:
        fail(error)
    if not np.array_equal(baseline_start_index, start_index):
        fail(ValueError(f"{paths.baselines_rollouts(spec.name)} starts its rollouts elsewhere than "
                        f"{paths.evaluation_rollouts(spec.name)}: rerun both evaluations with the same settings"))
    number = paths.ROLLOUT_FIGURE_NUMBERS[spec.name]
    save_figure(rollouts_figure(spec.maze, positions | baselines, start_index, METHOD_LABELS,
                                f"Figure {number}: {spec.name} rollouts per start point (rows) and method (columns)"),
                paths.rollout_figure(spec.name))
