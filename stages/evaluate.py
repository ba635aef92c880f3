"""Stage "evaluate": closed-loop rollouts of every diffuser method in one environment, their returns, ERC."""

import json

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.evaluation import environment_erc_windows, evaluate_diffuser_methods, save_rollouts
from diffirl.experts.generation import as_guidance
from diffirl.io import write_json
from diffirl.methods import diffuser_methods
from diffirl.methods.thesis.reward_model import RewardMLP


def main() -> None:
    spec, params, variant_methods = parse(__doc__, evaluates_methods=True)
    settings = getattr(params.evaluation, spec.name)
    # a variant rolls out the methods its command names, learnt rewards by their last networks only
    study = variant_methods is None
    methods = diffuser_methods(spec.has_true_reward_guide) if study else variant_methods
    losses = [m.name for m in methods if m.is_learnt]
    try:
        trained = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
        learnt = {loss: RewardMLP.load(paths.learnt_reward(spec.name, loss), trained.device) for loss in losses}
        snapshots = {
            loss: RewardMLP.load_snapshots(paths.learnt_reward(spec.name, loss), trained.device)
            for loss in (losses if study else ())
        }
        windows = environment_erc_windows(
            spec, settings, trained.diffusion.horizon, getattr(params.diffusers, spec.name)
        )
        metrics, rollouts, start_index = evaluate_diffuser_methods(
            trained,
            spec,
            settings,
            as_guidance(getattr(params.guidance, spec.name)),
            learnt,
            {loss: kept for loss, kept in snapshots.items() if kept},
            windows,
            methods=methods,
        )
    except (DatasetError, FileNotFoundError, ValueError, RuntimeError) as error:
        fail(error)
    save_rollouts(paths.evaluation_rollouts(spec.name), rollouts, start_index)
    write_json(paths.evaluation_metrics(spec.name), metrics)
    print(json.dumps({name: [round(m["return_mean"], 1), m["erc"]] for name, m in metrics.items()}))


if __name__ == "__main__":
    run_stage(main)
