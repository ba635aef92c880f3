"""Stage "learn_relative_reward": Nuti et al.'s relative reward of one environment, fitted by gradient
alignment between its expert and base diffusers, or (``discriminator``) the classifier of expert
against base plans the paper compares it with (resumes after a kill)."""

import hashlib

import numpy as np

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.checkpoints import fingerprint
from diffirl.data.format import DatasetError, read_dataset, read_provenance
from diffirl.diffusion.model_io import TrainedDiffuser, load_trained_diffuser
from diffirl.experts.trajectories import Experts
from diffirl.io import write_csv, write_json
from diffirl.methods.relative_reward import COMPARED
from diffirl.methods.relative_reward.training import (
    RelativeRewardTrainer,
    alignment_objective,
    base_window_sampler,
    discrimination_objective,
    expert_windows,
    save_relative_reward,
)


def main() -> None:
    spec, params, network = parse(__doc__, choice=("network", COMPARED))
    settings = getattr(params.relative_reward, spec.name)
    data_path = paths.dataset_file(spec.name, spec.base_split)
    try:
        base = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
        dataset = read_dataset(data_path)
        experts = Experts.load(paths.experts_file(spec.name))
        windows = expert_windows(base, experts)
        inputs = [paths.diffuser_model(spec.name), paths.experts_file(spec.name)]
        if network == "relative":
            expert = TrainedDiffuser(paths.expert_diffuser_model(spec.name), base.device)
            objective = alignment_objective(base, expert)
            inputs.append(paths.expert_diffuser_model(spec.name))
        else:
            objective = discrimination_objective(base)
        # resume only under the same settings, data, diffusers and experts
        run = fingerprint(
            settings.model_dump(mode="json"),
            read_provenance(data_path)["sha256"],
            *(hashlib.sha256(path.read_bytes()).hexdigest() for path in inputs),
        )
        trainer = RelativeRewardTrainer(
            base,
            objective,
            base_window_sampler(base, dataset, settings.seed),
            windows,
            settings,
            paths.comparison_checkpoint(spec.name, network),
            run,
            name=network,
        )
        result = trainer.train()
    except (DatasetError, FileNotFoundError, ValueError) as error:
        fail(error)
    save_relative_reward(paths.comparison_network(spec.name, network), result.reward)
    losses = [row["loss"] for row in result.log]
    write_csv(paths.comparison_training_log(spec.name, network), result.log, ["step", "loss"])
    write_json(
        paths.comparison_training_metrics(spec.name, network),
        {
            "steps": len(result.log),
            "first_loss": float(np.mean(losses[:10])),
            "final_loss": float(np.mean(losses[-100:])),
            "expert_windows": len(windows),
            "resumed_from_step": result.resumed_from,
            "seconds_this_run": round(result.seconds, 1),
        },
    )
    print(f"{network} {spec.name}: loss {losses[0]:.4g} -> {losses[-1]:.4g}")


if __name__ == "__main__":
    run_stage(main)
