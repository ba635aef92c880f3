"""Generate HalfCheetah's medium-replay, medium and expert datasets with D4RL's procedure.

One Soft Actor-Critic run (stable-baselines3) is checkpointed every
``checkpoint_every`` steps and each checkpoint's return is measured. After training:

* ``expert`` is rollouts of the final policy;
* ``medium`` is rollouts of the checkpoint whose return is nearest
  ``medium_return_fraction`` of the final policy's (D4RL: "about a third");
* ``medium-replay`` is the replay buffer up to that checkpoint's step.
"""

from __future__ import annotations

import copy

import gymnasium as gym
import torch
from stable_baselines3 import SAC
from stable_baselines3.common.callbacks import BaseCallback
from tqdm import tqdm

from diffirl.data.format import Dataset, make_dataset
from diffirl.data.policy_rollouts import rollout_dataset
from diffirl.envs.registry import EnvironmentSpec
from diffirl.params.schema import SacGeneration


def _policy_fn(model: SAC, deterministic: bool):
    return lambda observations: model.predict(observations, deterministic=deterministic)[0]


def evaluate(model: SAC, env_id: str, episodes: int, seed: int) -> float:
    dataset = rollout_dataset(env_id, _policy_fn(model, True), episodes, episodes, seed)
    return float(dataset.episode_returns().mean())


class _Checkpointer(BaseCallback):
    """Keeps a copy of the policy and its measured return every ``every`` steps."""

    def __init__(self, env_id: str, every: int, eval_episodes: int, seed: int, progress: bool):
        super().__init__()
        self.env_id, self.every, self.eval_episodes, self.seed = env_id, every, eval_episodes, seed
        self.checkpoints: list[dict] = []
        self.progress = progress
        self.bar: tqdm | None = None

    def _on_training_start(self) -> None:
        total = self.locals.get("total_timesteps")
        self.bar = tqdm(total=total, desc="SAC halfcheetah", unit="step", disable=not self.progress, mininterval=2)

    def _on_step(self) -> bool:
        self.bar.update(1)
        if self.num_timesteps % self.every == 0:
            ret = evaluate(self.model, self.env_id, self.eval_episodes, self.seed + 10_000)
            self.checkpoints.append(
                {"step": self.num_timesteps, "return": ret, "policy": copy.deepcopy(self.model.policy.state_dict())}
            )
            self.bar.set_postfix(ret=f"{ret:.0f}")
        return True

    def _on_training_end(self) -> None:
        self.bar.close()


def choose_medium(checkpoints: list[dict], target_return: float) -> dict:
    """The checkpoint whose return is nearest the target; the earliest one on a tie."""
    return min(checkpoints, key=lambda c: (abs(c["return"] - target_return), c["step"]))


def replay_buffer_dataset(model: SAC, steps: int) -> Dataset:
    """The first ``steps`` transitions of a single-environment replay buffer."""
    buffer = model.replay_buffer
    if buffer.full or buffer.pos < steps:
        raise ValueError(f"replay buffer holds {buffer.pos} sequential transitions, {steps} requested")
    timeouts = buffer.timeouts[:steps, 0].astype(bool)
    terminals = buffer.dones[:steps, 0].astype(bool) & ~timeouts
    timeouts[-1] |= not terminals[-1]  # the cut at the medium checkpoint ends an episode
    return make_dataset(
        buffer.observations[:steps, 0], buffer.actions[:steps, 0], buffer.rewards[:steps, 0], terminals, timeouts
    )


def generate_sac_datasets(spec: EnvironmentSpec, settings: SacGeneration, seed: int, progress: bool = True):
    """Return ``({split: Dataset}, training record)``."""
    torch.set_num_threads(settings.torch_threads)
    env = gym.make(spec.gym_id)
    model = SAC(
        "MlpPolicy",
        env,
        learning_rate=settings.learning_rate,
        buffer_size=settings.total_timesteps + 1,  # never wraps, so it stays in time order
        learning_starts=settings.learning_starts,
        batch_size=settings.batch_size,
        gamma=settings.gamma,
        policy_kwargs={"net_arch": list(settings.net_arch)},
        seed=seed,
        device="cpu",
        verbose=0,
    )
    checkpointer = _Checkpointer(spec.gym_id, settings.checkpoint_every, settings.eval_episodes, seed, progress)
    model.learn(settings.total_timesteps, callback=checkpointer)
    final_return = evaluate(model, spec.gym_id, settings.eval_episodes, seed + 10_000)

    target = settings.medium_return_fraction * final_return
    medium = choose_medium(checkpointer.checkpoints, target)

    def rollouts(n_episodes: int, offset: int) -> Dataset:
        policy = _policy_fn(model, settings.deterministic_rollouts)
        return rollout_dataset(spec.gym_id, policy, n_episodes, settings.rollout_envs, seed + offset)

    datasets = {"expert": rollouts(settings.expert_episodes, 20_000)}
    model.policy.load_state_dict(medium["policy"])
    datasets["medium"] = rollouts(settings.medium_episodes, 30_000)
    datasets["medium-replay"] = replay_buffer_dataset(model, medium["step"])
    record = {
        "final_return": final_return,
        "medium_target_return": target,
        "medium_checkpoint_step": medium["step"],
        "checkpoint_returns": [[c["step"], c["return"]] for c in checkpointer.checkpoints],
    }
    env.close()
    return datasets, record
