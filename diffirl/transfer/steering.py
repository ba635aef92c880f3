"""The second transfer test: the learnt rewards steering a base diffuser trained independently of
the one they were learnt through (the same data and settings, another seed), beside the same
rewards steering the study's diffuser (Nuti et al.'s Table 6 design).

Each diffuser is rolled out unguided, guided by the true reward and guided by every learnt reward
(the study's window networks, the per-step networks, AIRL's recovered reward), from the
evaluation's start states with common chain noise, so that every guided rollout pairs with the
same diffuser's unguided and true-reward rollouts. The learnt networks read plans normalised as the
study's diffuser normalises them; the independent diffuser must normalise identically (it does when
trained on the same data with the same settings), which :func:`check_same_normaliser` checks.
"""

from __future__ import annotations

import torch

from diffirl import paths
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.sampling import Guide
from diffirl.envs.registry import EnvironmentSpec
from diffirl.evaluation import environment_erc_windows, evaluate_diffuser_methods
from diffirl.experts.generation import as_guidance
from diffirl.methods import LOSSES, METHODS, ByTrainedNetwork, Method, baselines_with_rewards
from diffirl.methods.baselines.evaluation import recovered_reward
from diffirl.methods.baselines.reward_guide import TransitionRewardGuide
from diffirl.methods.baselines.training import load_reward_net
from diffirl.methods.thesis.reward_model import RewardMLP
from diffirl.params.schema import Params
from diffirl.transfer.rewards import learnt_reward_file, per_step_names

#: the unguided diffuser: the steering test's control, as the shuffled reward is the learners'
UNGUIDED = "base"


def steering_names() -> tuple[str, ...]:
    """The learnt rewards that steer: the study's window networks, then the per-step ones and the baselines'."""
    return (*LOSSES, *per_step_names(), *baselines_with_rewards())


def check_same_normaliser(original: TrainedDiffuser, independent: TrainedDiffuser) -> None:
    for name in ("shift", "scale"):
        a, b = getattr(original.normalizer, name), getattr(independent.normalizer, name)
        if not torch.equal(a, b):
            raise ValueError(
                f"the independent diffuser's normaliser {name} differs from the study's diffuser's (largest "
                f"difference {(a - b).abs().max().item():.3g}): the learnt rewards read plans in the study's units"
            )


def steering_guides(spec: EnvironmentSpec, trained: TrainedDiffuser) -> dict[str, Guide]:
    """Every learnt reward of :func:`steering_names` as a guide of ``trained``'s normalised plans."""
    guides: dict[str, Guide] = {
        loss: RewardMLP.load(paths.learnt_reward(spec.name, loss), trained.device) for loss in LOSSES
    }
    for name in per_step_names():
        guides[name] = RewardMLP.load(learnt_reward_file(spec.name, name), trained.device)
    shift, scale = trained.normalizer.shift, trained.normalizer.scale
    for name in baselines_with_rewards():
        net = recovered_reward(load_reward_net(paths.baseline_reward_net(spec.name, name)), "unshaped").to(
            trained.device
        )
        guides[name] = TransitionRewardGuide(net, trained.action_dim, shift, scale)
    return guides


def steered_rollouts(trained: TrainedDiffuser, spec: EnvironmentSpec, params: Params) -> dict:
    """Per method (unguided, the true reward, each learnt reward) the rollout scores of ``trained``."""
    guides = steering_guides(spec, trained)
    methods = (
        METHODS[UNGUIDED],
        METHODS["true"],
        *(Method(name, f"Diffuser guided by {name}", "diffuser", guide=ByTrainedNetwork()) for name in guides),
    )
    evaluation, diffuser = getattr(params.evaluation, spec.name), getattr(params.diffusers, spec.name)
    windows = environment_erc_windows(spec, evaluation, trained.diffusion.horizon, diffuser)
    guidance = as_guidance(getattr(params.guidance, spec.name))
    metrics, _, _ = evaluate_diffuser_methods(trained, spec, evaluation, guidance, guides, {}, windows, methods=methods)
    return metrics
