"""Stage "evaluate_baselines": BC, GAIL and AIRL through the shared evaluator; ERC of AIRL's reward."""

import json

from _common import fail, parse

from diffirl import paths
from diffirl.baselines.evaluation import airl_erc, evaluate_policies
from diffirl.baselines.training import load_policy, load_reward_net
from diffirl.data.format import DatasetError, read_dataset
from diffirl.io import write_json
from diffirl.method.evaluation import erc_windows, save_positions

if __name__ == "__main__":
    spec, params = parse(__doc__)
    settings = getattr(params.evaluation, spec.name)
    horizon = getattr(params.diffusers, spec.name).horizon
    try:
        policies = {algorithm: load_policy(paths.baseline_policy(spec.name, algorithm)) for algorithm in paths.BASELINES}
        reward_net = load_reward_net(paths.airl_reward_net(spec.name))
        datasets = [read_dataset(paths.dataset_file(spec.name, split)) for split in spec.erc_splits]
        windows = erc_windows(spec, datasets, horizon, settings.erc_windows, settings.seed)
        metrics, positions, start_index = evaluate_policies(spec, settings, policies, settings.steps or horizon)
    except (DatasetError, FileNotFoundError, ValueError) as error:
        fail(error)
    for algorithm in paths.BASELINES:
        metrics[algorithm]["erc"] = None
    metrics["airl"]["erc"] = airl_erc(reward_net, windows, datasets[0].actions.shape[1])
    write_json(paths.baselines_metrics(spec.name), metrics)
    if spec.is_maze:
        save_positions(paths.baselines_rollouts(spec.name), positions, start_index)
    print(json.dumps({name: [round(m["return_mean"], 1), m["erc"]] for name, m in metrics.items()}))
