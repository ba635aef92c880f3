"""Generate HalfCheetah's medium-replay, medium and expert datasets with D4RL's procedure.

One Soft Actor-Critic run (stable-baselines3) is checkpointed every
``checkpoint_every`` steps and each checkpoint's return is measured. After training:

* ``expert`` is rollouts of the final policy;
* ``medium`` is rollouts of the checkpoint whose return is nearest
  ``medium_return_fraction`` of the final policy's (D4RL: "about a third");
* ``medium-replay`` is the replay buffer up to that checkpoint's step.

A killed run resumes from its last checkpoint to the same datasets (see "exact resume").
"""

from __future__ import annotations

import copy
from pathlib import Path

import gymnasium as gym
import torch
from stable_baselines3 import SAC
from stable_baselines3.common.callbacks import BaseCallback
from tqdm import tqdm

from diffirl.checkpoints import fingerprint, global_rng_state, load_checkpoint, save_checkpoint, set_global_rng_state
from diffirl.data.format import Dataset, make_dataset
from diffirl.data.policy_rollouts import rollout_dataset
from diffirl.envs.env_state import capture_env, restore_env
from diffirl.envs.registry import EnvironmentSpec
from diffirl.params.schema import SacGeneration
from diffirl.progress import progress_bar


def _policy_fn(model: SAC, deterministic: bool):
    return lambda observations: model.predict(observations, deterministic=deterministic)[0]


def evaluate(model: SAC, env_id: str, episodes: int, seed: int) -> float:
    dataset = rollout_dataset(env_id, _policy_fn(model, True), episodes, episodes, seed)
    return float(dataset.episode_returns().mean())


class _ProgressBar(BaseCallback):
    def __init__(self, bar: tqdm):
        super().__init__()
        self.bar = bar

    def _on_step(self) -> bool:
        self.bar.update(1)
        return True


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


def _new_sac(env_id: str, settings: SacGeneration, seed: int) -> SAC:
    return SAC(
        "MlpPolicy",
        gym.make(env_id),
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


# --- exact resume -------------------------------------------------------------------------------
# A run killed part-way continues from its last policy checkpoint and ends with the same
# datasets as a run never interrupted: the resume state holds everything the rest of the
# run reads (networks, optimisers, entropy coefficient, replay buffer, counters, every
# random generator, and the simulator's state in the middle of its episode).
_BUFFER_FIELDS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")


def _training_env(model: SAC):
    """The one training environment inside SB3's vectorised wrapper (a Monitor over a TimeLimit)."""
    return model.env.envs[0]


def _resume_state(model: SAC, checkpoints: list[dict], fingerprint) -> dict:
    buffer = model.replay_buffer
    return {
        "fingerprint": fingerprint,
        "checkpoints": checkpoints,
        "policy": model.policy.state_dict(),
        "actor_optimizer": model.actor.optimizer.state_dict(),
        "critic_optimizer": model.critic.optimizer.state_dict(),
        "ent_coef_optimizer": model.ent_coef_optimizer.state_dict() if model.ent_coef_optimizer else None,
        "log_ent_coef": model.log_ent_coef.detach().clone(),
        "counters": {name: getattr(model, name) for name in ("num_timesteps", "_n_updates", "_episode_num")},
        "last_obs": model._last_obs.copy(),
        "last_episode_starts": model._last_episode_starts.copy(),
        "buffer": {name: getattr(buffer, name)[: buffer.pos].copy() for name in _BUFFER_FIELDS},
        "buffer_pos": buffer.pos,
        "rng": global_rng_state(),
        "action_space_rng": model.action_space.np_random.bit_generator.state,
        "env": capture_env(_training_env(model)),
    }


def _restore(model: SAC, state: dict) -> None:
    model.policy.load_state_dict(state["policy"])
    model.actor.optimizer.load_state_dict(state["actor_optimizer"])
    model.critic.optimizer.load_state_dict(state["critic_optimizer"])
    if state["ent_coef_optimizer"] is not None:
        model.ent_coef_optimizer.load_state_dict(state["ent_coef_optimizer"])
    model.log_ent_coef.data.copy_(state["log_ent_coef"])
    for name, value in state["counters"].items():
        setattr(model, name, value)
    buffer, pos = model.replay_buffer, state["buffer_pos"]
    for name in _BUFFER_FIELDS:
        getattr(buffer, name)[:pos] = state["buffer"][name]
    buffer.pos = pos
    model.env.reset()  # opens the episode for the wrappers; its state is overwritten below
    restore_env(_training_env(model), state["env"])
    model._last_obs = state["last_obs"].copy()
    model._last_episode_starts = state["last_episode_starts"].copy()
    set_global_rng_state(state["rng"])
    model.action_space.np_random.bit_generator.state = state["action_space_rng"]


def train_sac(
    spec: EnvironmentSpec, settings: SacGeneration, seed: int, checkpoint: Path | None, progress: bool
) -> tuple[SAC, list[dict], int]:
    """Train SAC, keeping the policy and its return every ``checkpoint_every`` steps.

    With ``checkpoint`` a file, the resume state is saved there at every policy checkpoint
    and a matching one is continued from. Returns the model, the checkpoints and the step resumed from.
    """
    torch.set_num_threads(settings.torch_threads)
    model = _new_sac(spec.gym_id, settings, seed)
    run_fingerprint = fingerprint(settings.model_dump(mode="json"), seed, spec.gym_id)
    state = load_checkpoint(checkpoint, run_fingerprint) if checkpoint is not None else None
    checkpoints: list[dict] = []
    if state is not None:
        _restore(model, state)
        checkpoints = state["checkpoints"]
        tqdm.write(f"SAC {spec.name}: resuming from step {model.num_timesteps} ({checkpoint})")
    resumed_from = model.num_timesteps
    bar = progress_bar(
        total=settings.total_timesteps,
        initial=resumed_from,
        desc=f"SAC {spec.name}",
        unit="step",
        disable=not progress,
        mininterval=2,
    )
    while model.num_timesteps < settings.total_timesteps:
        chunk = min(settings.checkpoint_every, settings.total_timesteps - model.num_timesteps)
        model.learn(chunk, reset_num_timesteps=False, callback=_ProgressBar(bar))
        if model.num_timesteps % settings.checkpoint_every == 0:
            ret = evaluate(model, spec.gym_id, settings.eval_episodes, seed + 10_000)
            checkpoints.append(
                {"step": model.num_timesteps, "return": ret, "policy": copy.deepcopy(model.policy.state_dict())}
            )
            bar.set_postfix(ret=f"{ret:.0f}")
            if checkpoint is not None:
                save_checkpoint(checkpoint, _resume_state(model, checkpoints, run_fingerprint))
    bar.close()
    return model, checkpoints, resumed_from


def generate_sac_datasets(
    spec: EnvironmentSpec, settings: SacGeneration, seed: int, progress: bool = True, checkpoint: Path | None = None
):
    """Return ``({split: Dataset}, training record, step resumed from)``."""
    model, checkpoints, resumed_from = train_sac(spec, settings, seed, checkpoint, progress)
    final_return = evaluate(model, spec.gym_id, settings.eval_episodes, seed + 10_000)

    target = settings.medium_return_fraction * final_return
    medium = choose_medium(checkpoints, target)

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
        "checkpoint_returns": [[c["step"], c["return"]] for c in checkpoints],
    }
    model.env.close()
    return datasets, record, resumed_from
