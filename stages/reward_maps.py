"""Stage "reward_maps": in one maze, every method's reward of resting in each cell drawn beside the
true reward, and Nuti et al.'s goal recovery (is each reward's best cell within one of the true one's)."""

import pandas as pd

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.envs.registry import environments_with
from diffirl.io import write_csv_frame
from diffirl.methods import LOSSES, METHODS, baselines_with_rewards
from diffirl.methods.baselines.evaluation import recovered_reward
from diffirl.methods.baselines.training import load_reward_net
from diffirl.methods.relative_reward import COMPARED
from diffirl.methods.relative_reward.training import load_relative_reward
from diffirl.methods.thesis.reward_model import RewardMLP
from diffirl.reports.maze_plots import save_figure
from diffirl.reports.reward_maps import (
    best_cell,
    goal_recovered,
    plan_network_values,
    resting_plans,
    resting_states,
    reward_maps_figure,
    reward_net_values,
)


def main() -> None:
    spec, params = parse(__doc__, environments=environments_with("reward_maps"))
    states = resting_states(spec.maze)
    try:
        trained = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
        plans = resting_plans(states, trained.diffusion.horizon, trained.action_dim)
        networks = {loss: RewardMLP.load(paths.learnt_reward(spec.name, loss), trained.device) for loss in LOSSES}
        networks |= {
            name: load_relative_reward(paths.comparison_network(spec.name, name), trained.device) for name in COMPARED
        }
        values = {name: plan_network_values(network, trained.normalizer, plans) for name, network in networks.items()}
        which = getattr(params.evaluation, spec.name).airl_erc_reward
        for name in baselines_with_rewards():
            net = recovered_reward(load_reward_net(paths.baseline_reward_net(spec.name, name)), which)
            values[name] = reward_net_values(net, states, trained.action_dim)
    except (FileNotFoundError, ValueError) as error:
        fail(error)
    goal = spec.reward.best_cell()
    rows = []
    for name, cell_values in values.items():
        found = best_cell(spec.maze, cell_values)
        rows.append(
            {
                "method": name,
                "label": METHODS[name].label,
                "best_cell": f"{found[0]},{found[1]}",
                "true_best_cell": f"{goal[0]},{goal[1]}",
                "recovered": goal_recovered(found, goal),
            }
        )
    table = pd.DataFrame(rows)
    write_csv_frame(paths.goal_recovery_table(spec.name), table)
    labels = {name: METHODS[name].short_label for name in values}
    title = paths.figure_title("reward_maps", spec.name, f"{spec.name}: reward of resting in each cell")
    save_figure(reward_maps_figure(spec.reward, values, labels, title), paths.reward_maps_figure(spec.name))
    print(table.to_string(index=False))


if __name__ == "__main__":
    run_stage(main)
