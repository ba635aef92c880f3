"""Stage "recovery_controls": the recovery benchmark's controls in one maze (a rescaled, a shaped
and a sign-flipped true reward), each scored against the true reward by every metric."""

import json

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.evaluation import erc_of
from diffirl.io import write_json
from diffirl.rewards.controls import control_guide, controls_of, transition_reward
from diffirl.rewards.recovery_scoring import ScoredReward, score_rewards, summary


def main() -> None:
    spec, params = parse(__doc__)
    settings = getattr(params.recovery, spec.name)
    if settings is None:
        fail(ValueError(f"recovery.{spec.name} is not set: the recovery benchmark does not run in {spec.name}"))
    try:
        trained = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
        shift, scale = trained.normalizer.shift, trained.normalizer.scale
        rewards = {}
        for name, control in controls_of(spec.reward, settings.controls, settings.gamma).items():
            guide = control_guide(control, trained.action_dim, shift, scale).to(trained.device)
            erc = lambda windows, guide=guide: erc_of(guide, trained, windows)
            rewards[name] = ScoredReward(control.describe(), guide, transition_reward(control), erc)
        scores = score_rewards(trained, spec, params, rewards)
    except (DatasetError, FileNotFoundError, ValueError, RuntimeError) as error:
        fail(error)
    write_json(paths.recovery_controls(spec.name), scores)
    print(json.dumps(summary(scores)))


if __name__ == "__main__":
    run_stage(main)
