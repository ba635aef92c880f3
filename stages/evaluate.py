"""Stage "evaluate": guided rollouts of every method in a maze, their true returns, ERC, Figure 7."""

import json

import numpy as np
from _common import fail, load_trained_diffuser, parse

from diffirl import paths
from diffirl.data.format import DatasetError, read_dataset
from diffirl.io import atomic_path, write_json
from diffirl.method.evaluation import METHOD_LABELS, evaluate_maze
from diffirl.method.experts import as_guidance
from diffirl.method.reward_model import RewardMLP
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.method_figures import rollouts_figure

if __name__ == "__main__":
    spec, params = parse(__doc__, environments=("umaze",))
    settings = getattr(params.evaluation, spec.name)
    try:
        trained = load_trained_diffuser(spec, params)
        learnt = {loss: RewardMLP.load(paths.learnt_reward(spec.name, loss), trained.device) for loss in paths.LOSSES}
        dataset = read_dataset(paths.dataset_file(spec.name, spec.base_split))
        metrics, positions, start_index = evaluate_maze(trained, spec, settings, as_guidance(getattr(params.guidance, spec.name)),
                                                        learnt, dataset)
    except (DatasetError, FileNotFoundError, ValueError, RuntimeError) as error:
        fail(error)
    with atomic_path(paths.evaluation_rollouts(spec.name)) as tmp, open(tmp, "wb") as file:
        np.savez(file, start_index=start_index, **{f"positions_{name}": xy for name, xy in positions.items()})
    write_json(paths.evaluation_metrics(spec.name), metrics)
    number = paths.ROLLOUT_FIGURE_NUMBERS[spec.name]
    save_figure(rollouts_figure(spec.maze, positions, start_index, METHOD_LABELS,
                                f"Figure {number}: {spec.name} rollouts per start point (rows) and method (columns)"),
                paths.rollout_figure(spec.name))
    print(json.dumps({name: [round(m["return_mean"], 1), m["erc"]] for name, m in metrics.items()}))
