"""Stage "train_expert_diffuser": the relative reward's expert diffuser of one environment, the base
diffuser's architecture trained on the experts in its normalised space (resumes after a kill)."""

import hashlib

import numpy as np

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.diffusion.model_io import load_trained_diffuser, save_diffuser
from diffirl.experts.trajectories import Experts
from diffirl.io import write_csv, write_json
from diffirl.methods.relative_reward.expert_diffuser import train_expert_diffuser


def main() -> None:
    spec, params = parse(__doc__)
    base_settings = getattr(params.diffusers, spec.name)
    expert_settings = getattr(params.relative_reward, spec.name).expert_diffuser
    settings = base_settings.model_copy(
        update=expert_settings.model_dump(include={"n_train_steps", "learning_rate", "checkpoint_every"})
        | {"early_sample_step": min(base_settings.early_sample_step, expert_settings.n_train_steps)}
    )
    try:
        base = load_trained_diffuser(spec.name, base_settings)
        experts = Experts.load(paths.experts_file(spec.name))
        digest = hashlib.sha256(np.ascontiguousarray(experts.trajectories).tobytes()).hexdigest()
        checkpoint = paths.comparison_checkpoint(spec.name, "expert_diffuser")
        result = train_expert_diffuser(base, experts, settings, expert_settings.init, checkpoint, digest)
    except (FileNotFoundError, ValueError) as error:
        fail(error)
    save_diffuser(
        paths.expert_diffuser_model(spec.name),
        settings,
        base.observation_dim,
        base.action_dim,
        result.normalizer,
        result.diffusion.state_dict(),
        None,
    )
    losses = [row["loss"] for row in result.log]
    write_csv(paths.comparison_training_log(spec.name, "expert_diffuser"), result.log, ["step", "loss"])
    write_json(
        paths.comparison_training_metrics(spec.name, "expert_diffuser"),
        {
            "init": expert_settings.init,
            "steps": len(result.log),
            "first_loss": float(np.mean(losses[:10])),
            "final_loss": float(np.mean(losses[-100:])),
            "expert_trajectories": len(experts.trajectories),
            "training_windows": result.windows,
            "resumed_from_step": result.resumed_from,
            "seconds_this_run": round(result.seconds, 1),
        },
    )
    print(f"expert diffuser {spec.name} ({expert_settings.init}): loss {losses[0]:.4f} -> {losses[-1]:.4f}")


if __name__ == "__main__":
    run_stage(main)
