"""Stage "learn_reward": Algorithm 4 for one environment and one loss (resumes after a kill)."""

import numpy as np

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.checkpoints import fingerprint
from diffirl.data.format import sha256_of
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.experts.generation import as_guidance
from diffirl.io import write_csv, write_json
from diffirl.methods.thesis.reward_learning import RewardLearner


def main() -> None:
    spec, params, loss = parse(__doc__, choice=("loss", paths.LOSSES))
    settings = getattr(params.reward_learning, spec.name)
    try:
        trained = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
        with np.load(paths.expert_windows_file(spec.name)) as data:
            windows = data["windows"]
        guidance = getattr(params.guidance, spec.name)
        identity = fingerprint(
            settings.model_dump(mode="json"),
            loss,
            guidance.model_dump(mode="json"),
            sha256_of(paths.expert_windows_file(spec.name)),
            sha256_of(paths.diffuser_model(spec.name)),
        )
        learner = RewardLearner(
            trained, windows, settings, loss, as_guidance(guidance), paths.reward_checkpoint(spec.name, loss), identity
        )
        record = learner.train()
    except (FileNotFoundError, ValueError, FloatingPointError, RuntimeError) as error:
        fail(error)
    learner.model.save(paths.learnt_reward(spec.name, loss), {"loss": loss, "snapshots": learner.snapshots})
    write_csv(paths.reward_training_log(spec.name, loss), learner.log, ["epoch", "loss", "grad_norm"])
    write_json(
        paths.reward_training_metrics(spec.name, loss),
        {
            "loss": loss,
            "epochs": learner.epoch,
            "windows": len(windows),
            "first_loss": learner.log[0]["loss"],
            "final_loss": learner.log[-1]["loss"],
            "snapshot_epochs": sorted(learner.snapshots),
            "resumed_from_epoch": record["resumed_from_epoch"],
            "seconds_this_run": round(record["seconds_this_run"], 1),
        },
    )


if __name__ == "__main__":
    run_stage(main)
