"""Stage "select_steering": a compared method's guidance scale and stopping step, chosen from a grid
by the mean of the environment's table statistic over rollouts on the selection's own seeds
(never the evaluation's), every grid point on the same chain noise."""

import numpy as np

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.evaluation import evaluate_diffuser_methods
from diffirl.io import write_json
from diffirl.methods import METHODS
from diffirl.methods.relative_reward import COMPARED
from diffirl.methods.relative_reward.steering import Steered, grid_methods, selection_settings, unit_guidance
from diffirl.methods.relative_reward.training import load_relative_reward
from diffirl.reports.results import comparison_table


def main() -> None:
    spec, params, method = parse(__doc__, choice=("method", COMPARED))
    steering = getattr(params.relative_reward, spec.name).steering
    settings = selection_settings(getattr(params.evaluation, spec.name), steering)
    statistic = comparison_table(spec.name).statistic
    points = grid_methods(METHODS[method], steering)
    try:
        trained = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
        reward = load_relative_reward(paths.comparison_network(spec.name, method), trained.device)
        guides = {name: Steered(reward, scale, t_stopgrad) for name, (_, scale, t_stopgrad) in points.items()}
        metrics, _, _ = evaluate_diffuser_methods(
            trained,
            spec,
            settings,
            unit_guidance(steering),
            guides,
            {},
            None,
            methods=tuple(method for method, _, _ in points.values()),
        )
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        fail(error)
    means = {name: float(np.mean(metrics[name][statistic])) for name in points}
    best = max(means, key=means.get)
    _, scale, t_stopgrad = points[best]
    write_json(
        paths.steering_selection(spec.name, method),
        {
            "chosen": {"scale": scale, "t_stopgrad": t_stopgrad},
            "statistic": statistic,
            "seed": settings.seed,
            "rollouts": metrics[best]["rollouts"],
            "grid": [
                {"scale": s, "t_stopgrad": t, f"{statistic}_mean": means[name]} for name, (_, s, t) in points.items()
            ],
        },
    )
    print(
        f"steering {method} {spec.name}: scale {scale:g}, t_stopgrad {t_stopgrad} ({statistic} mean {means[best]:.4g})"
    )


if __name__ == "__main__":
    run_stage(main)
