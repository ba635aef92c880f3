"""Stage "evaluate_baselines": BC, GAIL and AIRL through the shared evaluator; ERC of AIRL's reward
(the reward it recovers, or its shaped training reward: evaluation.ENV.airl_erc_reward)."""

import json

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.baselines.evaluation import airl_erc, airl_reward, evaluate_policies
from diffirl.baselines.training import load_policy, load_reward_net
from diffirl.data.format import DatasetError
from diffirl.io import write_json
from diffirl.method.evaluation import environment_erc_windows, save_rollouts
from diffirl.methods import METHODS


def main() -> None:
    spec, params = parse(__doc__)
    settings = getattr(params.evaluation, spec.name)
    diffuser = getattr(params.diffusers, spec.name)
    try:
        policies = {
            algorithm: load_policy(paths.baseline_policy(spec.name, algorithm)) for algorithm in paths.BASELINES
        }
        reward_nets = {"airl": airl_reward(load_reward_net(paths.airl_reward_net(spec.name)), settings.airl_erc_reward)}
        windows = environment_erc_windows(spec, settings, diffuser.horizon, diffuser)
        metrics, rollouts, start_index = evaluate_policies(spec, settings, policies)
    except (DatasetError, FileNotFoundError, ValueError) as error:
        fail(error)
    for algorithm in paths.BASELINES:
        metrics[algorithm]["erc"] = (
            airl_erc(reward_nets[algorithm], windows, policies[algorithm].action_space.shape[0])
            if METHODS[algorithm].has_reward
            else None
        )
    write_json(paths.baselines_metrics(spec.name), metrics)
    save_rollouts(paths.baselines_rollouts(spec.name), rollouts, start_index)
    print(json.dumps({name: [round(m["return_mean"], 1), m["erc"]] for name, m in metrics.items()}))


if __name__ == "__main__":
    run_stage(main)
