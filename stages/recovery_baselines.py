"""Stage "recovery_baselines": the rewards the baselines recover (AIRL's, unshaped) in one maze,
scored against its true reward as the recovery benchmark scores every reward: as a guide of the
base diffuser (recovery ratio), by ERC, by EPIC and by the gradient cosine."""

import json

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.data.format import DatasetError
from diffirl.diffusion.model_io import load_trained_diffuser
from diffirl.io import write_json
from diffirl.methods import METHODS, baselines_with_rewards
from diffirl.methods.baselines.evaluation import recovered_reward, reward_net_erc
from diffirl.methods.baselines.reward_guide import TransitionRewardGuide, baseline_transition_reward
from diffirl.methods.baselines.training import load_reward_net
from diffirl.rewards.recovery_scoring import ScoredReward, score_rewards, summary


def main() -> None:
    spec, params = parse(__doc__)
    if getattr(params.recovery, spec.name) is None:
        fail(ValueError(f"recovery.{spec.name} is not set: the recovery benchmark does not run in {spec.name}"))
    try:
        trained = load_trained_diffuser(spec.name, getattr(params.diffusers, spec.name))
        shift, scale = trained.normalizer.shift, trained.normalizer.scale
        rewards = {}
        for name in baselines_with_rewards():
            saved = load_reward_net(paths.baseline_reward_net(spec.name, name))
            net = recovered_reward(saved, "unshaped").to(trained.device)
            rewards[name] = ScoredReward(
                f"{METHODS[name].label}'s recovered (unshaped) reward",
                TransitionRewardGuide(net, trained.action_dim, shift, scale),
                baseline_transition_reward(net),
                lambda windows, net=net: reward_net_erc(net, windows, trained.action_dim),
            )
        scores = score_rewards(trained, spec, params, rewards)
    except (DatasetError, FileNotFoundError, ValueError, RuntimeError) as error:
        fail(error)
    write_json(paths.recovery_baselines(spec.name), scores)
    print(json.dumps(summary(scores)))


if __name__ == "__main__":
    run_stage(main)
