"""Stage "reward_figure": Figure 6, 13 or 18, the reward-learning loss curves of one environment, one panel per loss."""

import pandas as pd

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.method_figures import loss_curves_figure


def main() -> None:
    spec, params = parse(__doc__)
    try:
        logs = {
            loss: pd.read_csv(paths.reward_training_log(spec.name, loss)).to_dict("records") for loss in paths.LOSSES
        }
    except FileNotFoundError as error:
        fail(error)
    title = paths.figure_title("reward_losses", spec.name, f"{spec.name} reward learning")
    save_figure(loss_curves_figure(logs, title), paths.reward_loss_figure(spec.name))


if __name__ == "__main__":
    run_stage(main)
