"""How the recovery benchmark scores a reward that is not a learnt network of the family (a
control, a baseline's recovered reward) against an environment's true reward: as a guide of the
base diffuser (its rollouts beside the base's and the true reward's, for the recovery ratio),
by ERC on the study's windows, by the gradient cosine along the base diffuser's chains, and by
EPIC on the coverage distributions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from diffirl import paths
from diffirl.data.format import read_dataset
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guide
from diffirl.envs.registry import EnvironmentSpec
from diffirl.evaluation import ErcWindows, environment_erc_windows, evaluate_diffuser_methods
from diffirl.experts.generation import as_guidance, true_reward_guide
from diffirl.methods import METHODS, ByTrainedNetwork, Method
from diffirl.params.schema import Params
from diffirl.rewards.controls import transition_reward
from diffirl.rewards.coverage import epic_samples
from diffirl.rewards.epic import Reward, epic_distance
from diffirl.rewards.gradient_agreement import evaluation_chains, gradient_cosines, mean_cosine


@dataclass(frozen=True)
class ScoredReward:
    description: str
    #: the reward as a return of normalised plans, which steers the chain
    guide: Guide
    #: the reward of raw (states, actions, next states), which EPIC compares
    per_transition: Reward
    #: its ERC on the environment's ERC windows
    erc: Callable[[ErcWindows], float]


def score_rewards(
    trained: TrainedDiffuser, spec: EnvironmentSpec, params: Params, rewards: dict[str, ScoredReward]
) -> dict:
    """The rewards' scores against ``spec.reward``: the rollouts of the base diffuser, the true
    reward's guide and each reward's (per-rollout statistics, for paired lifts), and per reward its
    ERC, its gradient cosine per chain and its EPIC per coverage."""
    settings = getattr(params.recovery, spec.name)
    evaluation = getattr(params.evaluation, spec.name)
    diffuser = getattr(params.diffusers, spec.name)
    guides = {name: reward.guide for name, reward in rewards.items()}
    methods = (
        METHODS["base"],
        METHODS["true"],
        *(
            Method(name, f"Diffuser ({reward.description})", "diffuser", guide=ByTrainedNetwork())
            for name, reward in rewards.items()
        ),
    )
    windows = environment_erc_windows(spec, evaluation, trained.diffusion.horizon, diffuser)
    guidance = as_guidance(getattr(params.guidance, spec.name))
    metrics, _, _ = evaluate_diffuser_methods(trained, spec, evaluation, guidance, guides, {}, windows, methods=methods)
    conditions, noise = evaluation_chains(trained, spec, evaluation)
    cosines = gradient_cosines(trained.diffusion, conditions, guides, true_reward_guide(trained, spec), noise)
    dataset = read_dataset(paths.dataset_file(spec.name, spec.base_split))
    samples = epic_samples(dataset, spec.maze, settings.epic, settings.gamma)
    true = transition_reward(spec.reward)
    return {
        "true_reward": spec.reward.describe(),
        "rollouts": {name: metrics[name] for name in ("base", "true", *rewards)},
        "rewards": {
            name: {
                "reward": reward.description,
                "erc": reward.erc(windows),
                "gradient_cosine_per_chain": mean_cosine(cosines[name]).tolist(),
                "epic": {
                    coverage: epic_distance(reward.per_transition, true, *drawn) for coverage, drawn in samples.items()
                },
            }
            for name, reward in rewards.items()
        },
        "epic_samples": settings.epic.model_dump(mode="json"),
    }


def summary(scores: dict) -> dict:
    """The scores without the per-chain cosines, for a stage's one-line report."""
    return {
        name: {k: v for k, v in r.items() if k != "gradient_cosine_per_chain"} for name, r in scores["rewards"].items()
    }
