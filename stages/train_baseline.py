"""Stage "train_baseline": BC, GAIL or AIRL for one environment, on the experts the reward learner sees
or on whole expert episodes holding as many transitions (``baselines.ENV.demonstrations``)."""

import tempfile
import time
from contextlib import closing
from pathlib import Path

import pandas as pd

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError, read_dataset
from diffirl.envs.gym_wrappers import make_policy_env
from diffirl.experts.trajectories import Experts
from diffirl.io import write_json, write_text
from diffirl.methods.baselines.demonstrations import (
    choose_expert_episodes,
    episodes_for_transitions,
    expert_episodes,
    to_trajectories,
)
from diffirl.methods.baselines.training import save_policy, save_reward_net, train_baseline, training_statistics


def demonstration_experts(spec, params) -> tuple[Experts, dict]:
    """The expert trajectories the baselines learn from, and how they were chosen."""
    settings = getattr(params.baselines, spec.name)
    if settings.demonstrations == "experts":
        return Experts.load(paths.experts_file(spec.name)), {"source": "experts"}
    windows = getattr(params.experts, spec.name)
    count = episodes_for_transitions(windows.n_windows, windows.length, spec.episode_steps)
    setting = (
        f"baselines.{spec.name}.demonstrations = 'expert_episodes' ({windows.n_windows} windows x {windows.length})"
    )
    expert_data = read_dataset(paths.dataset_file(spec.name, spec.expert_split))
    indices = choose_expert_episodes(expert_data, count, settings.seed, setting)
    chosen = {"source": "expert_episodes", "seed": settings.seed, "episodes": indices.tolist()}
    return expert_episodes(expert_data, indices), chosen


def main() -> None:
    spec, params, algorithm = parse(__doc__, choice=("algorithm", paths.BASELINES))
    settings = getattr(params.baselines, spec.name)
    try:
        experts, chosen = demonstration_experts(spec, params)
        with closing(make_policy_env(spec, settings.episode_steps)) as env:
            demonstrations = to_trajectories(experts, env.action_space.shape[0])
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as log_dir:
            checkpoint = paths.baseline_checkpoint(spec.name, algorithm)
            trained = train_baseline(spec, settings, algorithm, demonstrations, Path(log_dir), checkpoint=checkpoint)
            log = pd.read_csv(Path(log_dir) / "progress.csv")
        seconds = time.perf_counter() - started
    except (DatasetError, FileNotFoundError, ValueError) as error:
        fail(error)
    log = training_statistics(log)
    log.insert(0, "step", range(1, len(log) + 1))  # one row per BC log interval or adversarial round
    save_policy(trained.policy, paths.baseline_policy(spec.name, algorithm))
    if trained.reward_net is not None:
        save_reward_net(trained.reward_net, paths.baseline_reward_net(spec.name, algorithm))
    write_text(paths.baseline_training_log(spec.name, algorithm), log.to_csv(index=False))
    write_json(
        paths.baseline_training_metrics(spec.name, algorithm),
        {
            "algorithm": algorithm,
            "demonstrations": len(demonstrations),
            "demonstration_steps": int(experts.trajectories.shape[1]),
            "transitions": int(sum(len(d.acts) for d in demonstrations)),
            "demonstrations_chosen": chosen,
            "timesteps": getattr(getattr(settings, algorithm), "total_timesteps", None),
            "seconds": round(seconds, 1),
        },
    )
    print(f"{algorithm} on {spec.name}: {len(demonstrations)} demonstrations, {seconds:.0f} s")


if __name__ == "__main__":
    run_stage(main)
