"""The rewards handed to the transfer learners in one environment, each a function of raw (s, a, s').

- ``true``: the maze's true reward, or the simulator's as the data recorded it (HalfCheetah), the
  reference every other reward's transfer is paired with;
- ``shuffled``: the true reward's values permuted over the dataset's transitions, a control that
  keeps the reward's distribution and drops what it says about the states (it marks what a reward
  carrying no information about the task transfers);
- ``LOSS_per_step``: the per-step reward networks the recovery benchmark learns from the study's
  experts with each of the thesis's losses (the variants of :data:`diffirl.transfer.PER_STEP_VARIANTS`):
  the study's window networks score whole plans and have no per-transition value;
- ``relative``: Nuti et al.'s relative reward (``make compare``), its per-step head g(s, a, 0);
- the baselines' recovered rewards (AIRL's, unshaped).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from diffirl import paths
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.envs.registry import EnvironmentSpec
from diffirl.methods import LOSSES, METHODS, baselines_with_rewards
from diffirl.methods.baselines.evaluation import recovered_reward
from diffirl.methods.baselines.reward_guide import baseline_transition_reward
from diffirl.methods.baselines.training import load_reward_net
from diffirl.methods.relative_reward.training import load_relative_reward
from diffirl.methods.thesis.reward_model import RewardMLP
from diffirl.rewards.controls import transition_reward
from diffirl.rewards.coverage import learnt_transition_reward, relative_transition_reward
from diffirl.rewards.epic import Reward
from diffirl.transfer import PER_STEP_VARIANTS
from diffirl.transfer.relabel import Transitions, recorded_reward

REFERENCE = "true"
CONTROL = "shuffled"
RELATIVE = "relative"


def per_step_names() -> tuple[str, ...]:
    return tuple(f"{loss}_per_step" for loss in LOSSES)


def learnt_names() -> tuple[str, ...]:
    return (*per_step_names(), RELATIVE, *baselines_with_rewards())


#: every reward handed over, in the order the table lists them
REWARDS = (REFERENCE, CONTROL, *learnt_names())


def learnt_reward_file(environment: str, name: str):
    """The file a learnt reward is read from (a per-step network of the recovery variant, or a baseline's)."""
    if name.endswith("_per_step"):
        loss = name.removesuffix("_per_step")
        return paths.variant_path(PER_STEP_VARIANTS[environment], paths.learnt_reward(environment, loss))
    if name == RELATIVE:
        return paths.comparison_network(environment, RELATIVE)
    return paths.baseline_reward_net(environment, name)


@dataclass(frozen=True)
class TransferReward:
    name: str
    description: str
    reward: Reward


def shuffled(reward: Reward, seed: int) -> Reward:
    """``reward``'s values on the transitions it is given, permuted (the same permutation for the same count)."""

    def permuted(states: np.ndarray, actions: np.ndarray, next_states: np.ndarray) -> np.ndarray:
        values = np.asarray(reward(states, actions, next_states))
        return values[np.random.default_rng(seed).permutation(len(values))]

    return permuted


def true_reward(spec: EnvironmentSpec, data: Transitions) -> TransferReward:
    """A maze's designed reward; elsewhere the simulator's, as ``data`` recorded it."""
    if spec.reward is not None:
        return TransferReward(REFERENCE, f"the true reward, {spec.reward.describe()}", transition_reward(spec.reward))
    return TransferReward(REFERENCE, "the true reward, the simulator's as the data recorded it", recorded_reward(data))


def transfer_rewards(
    spec: EnvironmentSpec, trained: TrainedDiffuser, shuffle_seed: int, data: Transitions
) -> list[TransferReward]:
    """Every reward of :data:`REWARDS` in ``spec``'s environment on ``data``'s transitions (``trained``: the
    base diffuser, whose normaliser the learnt per-step networks read their inputs through)."""
    true = true_reward(spec, data)
    rewards = [
        true,
        TransferReward(
            CONTROL, "the true reward's values shuffled over the transitions", shuffled(true.reward, shuffle_seed)
        ),
    ]
    for loss in LOSSES:
        network = RewardMLP.load(learnt_reward_file(spec.name, f"{loss}_per_step"), trained.device)
        if network.structure != "per_step":
            raise ValueError(f"{learnt_reward_file(spec.name, f'{loss}_per_step')} is not a per-step reward network")
        rewards.append(
            TransferReward(
                f"{loss}_per_step",
                f"{METHODS[loss].label}, per-step network",
                learnt_transition_reward(network, trained),
            )
        )
    relative = load_relative_reward(learnt_reward_file(spec.name, RELATIVE), trained.device)
    rewards.append(
        TransferReward(
            RELATIVE, "Nuti et al.'s relative reward, g(s, a, 0)", relative_transition_reward(relative, trained)
        )
    )
    for name in baselines_with_rewards():
        net = recovered_reward(load_reward_net(paths.baseline_reward_net(spec.name, name)), "unshaped")
        rewards.append(
            TransferReward(
                name, f"{METHODS[name].label}'s recovered (unshaped) reward", baseline_transition_reward(net)
            )
        )
    return rewards
