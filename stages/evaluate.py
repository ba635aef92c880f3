"""Stage "evaluate": guided rollouts of every diffuser method in a maze, their true returns, ERC."""

import json

from _common import fail, load_trained_diffuser, parse

from diffirl import paths
from diffirl.data.format import DatasetError, read_dataset
from diffirl.io import write_json
from diffirl.method.evaluation import evaluate_maze, save_positions
from diffirl.method.experts import as_guidance
from diffirl.method.reward_model import RewardMLP

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
    save_positions(paths.evaluation_rollouts(spec.name), positions, start_index)
    write_json(paths.evaluation_metrics(spec.name), metrics)
    print(json.dumps({name: [round(m["return_mean"], 1), m["erc"]] for name, m in metrics.items()}))
