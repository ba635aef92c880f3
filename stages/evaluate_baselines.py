"""Stage "evaluate_baselines": BC, GAIL and AIRL through the shared evaluator; ERC of the reward a
baseline ends with (AIRL's: the reward it recovers, or its shaped training reward: evaluation.ENV.airl_erc_reward)."""

import json

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError
from diffirl.evaluation import environment_erc_windows, save_rollouts
from diffirl.io import write_json
from diffirl.methods import baselines_with_rewards
from diffirl.methods.baselines.evaluation import evaluate_policies, recovered_reward, reward_net_erc
from diffirl.methods.baselines.training import load_policy, load_reward_net


def main() -> None:
    spec, params = parse(__doc__)
    settings = getattr(params.evaluation, spec.name)
    diffuser = getattr(params.diffusers, spec.name)
    try:
        policies = {
            algorithm: load_policy(paths.baseline_policy(spec.name, algorithm)) for algorithm in paths.BASELINES
        }
        reward_nets = {
            name: recovered_reward(
                load_reward_net(paths.baseline_reward_net(spec.name, name)), settings.airl_erc_reward
            )
            for name in baselines_with_rewards()
        }
        windows = environment_erc_windows(spec, settings, diffuser.horizon, diffuser)
        metrics, rollouts, start_index = evaluate_policies(spec, settings, policies)
    except (DatasetError, FileNotFoundError, ValueError) as error:
        fail(error)
    for algorithm in paths.BASELINES:
        metrics[algorithm]["erc"] = (
            reward_net_erc(reward_nets[algorithm], windows, policies[algorithm].action_space.shape[0])
            if algorithm in reward_nets
            else None
        )
    write_json(paths.baselines_metrics(spec.name), metrics)
    save_rollouts(paths.baselines_rollouts(spec.name), rollouts, start_index)
    print(json.dumps({name: [round(m["return_mean"], 1), m["erc"]] for name, m in metrics.items()}))


if __name__ == "__main__":
    run_stage(main)
