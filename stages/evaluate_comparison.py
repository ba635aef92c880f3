"""Stage "evaluate_comparison": the methods compared beside the study's (the relative reward and the
discriminator, each with its chosen steering) on the study evaluation's start states, seeds and
chain noise, so that their rollouts pair with the study's; ERC of each one's network on the study's windows."""

import json

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.evaluation import environment_erc_windows, erc_of, evaluate_diffuser_methods, save_rollouts
from diffirl.io import write_json
from diffirl.methods import METHODS
from diffirl.methods.relative_reward import COMPARED
from diffirl.methods.relative_reward.steering import Steered, unit_guidance
from diffirl.methods.relative_reward.training import load_relative_reward


def main() -> None:
    spec, params = parse(__doc__)
    settings = getattr(params.evaluation, spec.name)
    diffuser = getattr(params.diffusers, spec.name)
    try:
        chosen = {
            name: json.loads(paths.steering_selection(spec.name, name).read_text())["chosen"] for name in COMPARED
        }
        trained = load_trained_diffuser(spec.name, diffuser)
        networks = {
            name: load_relative_reward(paths.comparison_network(spec.name, name), trained.device) for name in COMPARED
        }
        windows = environment_erc_windows(spec, settings, trained.diffusion.horizon, diffuser)
        metrics, rollouts, start_index = evaluate_diffuser_methods(
            trained,
            spec,
            settings,
            unit_guidance(getattr(params.relative_reward, spec.name).steering),
            {name: Steered(networks[name], chosen[name]["scale"], chosen[name]["t_stopgrad"]) for name in COMPARED},
            {},
            windows,
            methods=tuple(METHODS[name] for name in COMPARED),
        )
    except (DatasetError, FileNotFoundError, ValueError, RuntimeError, KeyError) as error:
        fail(error)
    for name in COMPARED:
        # the network itself at the chain's end (t = 0), summed over each window's steps
        metrics[name] |= {"erc": erc_of(networks[name], trained, windows), "steering": chosen[name]}
    save_rollouts(paths.comparison_rollouts(spec.name), rollouts, start_index)
    write_json(paths.comparison_metrics(spec.name), metrics)
    print(json.dumps({name: [round(m["return_mean"], 1), m["erc"]] for name, m in metrics.items()}))


if __name__ == "__main__":
    run_stage(main)
