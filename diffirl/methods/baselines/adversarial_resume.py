"""GAIL and AIRL that resume after a kill, at a round boundary, to the result of an uninterrupted run.

imitation's ``AdversarialTrainer.train`` runs rounds of "PPO collects and learns, the
discriminator takes ``n_disc_updates_per_round`` steps". :func:`train_rounds` runs the same
rounds and after each saves everything the next round reads: the PPO policy and its
optimiser and counters, the discriminator and its optimiser, the generator's replay
buffer, the environment wrappers' half-finished episodes, every environment's simulator
mid-episode, the position in the shuffled expert batches, the global random generators,
and the statistics logged so far.
"""

from __future__ import annotations

import copy
from collections import deque
from pathlib import Path

import torch
from imitation.algorithms.adversarial.common import AdversarialTrainer
from imitation.util import networks
from stable_baselines3.common.logger import CSVOutputFormat
from tqdm import tqdm

from diffirl.checkpoints import (
    Fingerprint,
    global_rng_state,
    load_checkpoint,
    save_checkpoint,
    set_global_rng_state,
)
from diffirl.envs.env_state import capture_env, restore_env
from diffirl.progress import progress_bar

_GENERATOR_FIELDS = (
    "num_timesteps",
    "_n_updates",
    "_episode_num",
    "_last_obs",
    "_last_episode_starts",
    "ep_info_buffer",
    "ep_success_buffer",
)
#: imitation's BufferingWrapper (the generator's trajectories in progress)
_BUFFERING_FIELDS = ("_trajectories", "_ep_lens", "_init_reset", "_traj_accum", "_saved_acts", "_timesteps")
#: imitation's RewardVecEnvWrapper (the learnt reward it substitutes needs the previous observation)
_REWARD_WRAPPER_FIELDS = ("episode_rewards", "_cumulative_rew", "_old_obs", "_actions")


class ExpertBatches:
    """An endless iterator over the expert DataLoader (as imitation's) whose position can be saved.

    Each pass over the data reshuffles with the global torch generator when the pass
    starts; the position is that generator's state then, and the batches taken since.
    """

    def __init__(self, loader):
        self.loader = loader
        self._batches = None
        self._pass_rng: torch.Tensor | None = None
        self._taken = 0

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self._batches is None:
                self._pass_rng, self._taken = torch.get_rng_state(), 0
                self._batches = iter(self.loader)
            try:
                batch = next(self._batches)
            except StopIteration:
                self._batches = None
                continue
            self._taken += 1
            return batch

    def state(self) -> dict | None:
        return None if self._batches is None else {"pass_rng": self._pass_rng, "taken": self._taken}

    def restore(self, state: dict | None) -> None:
        self._batches = None
        if state is None:
            return
        now = torch.get_rng_state()
        torch.set_rng_state(state["pass_rng"])
        self._batches = iter(self.loader)
        for _ in range(state["taken"]):
            next(self._batches)
        self._pass_rng, self._taken = state["pass_rng"], state["taken"]
        torch.set_rng_state(now)


def _csv_log(trainer: AdversarialTrainer) -> CSVOutputFormat:
    return next(f for f in trainer.logger.default_logger.output_formats if isinstance(f, CSVOutputFormat))


def _fields(owner, names: tuple[str, ...]) -> dict:
    return {name: copy.deepcopy(getattr(owner, name)) for name in names}


def _set_fields(owner, values: dict) -> None:
    for name, value in values.items():
        current = getattr(owner, name)
        if isinstance(current, (deque, list)):  # refilled in place: others hold it (the reward log callback)
            current.clear()
            current.extend(copy.deepcopy(value))
        else:
            setattr(owner, name, copy.deepcopy(value))


def _has_reward_wrapper(trainer: AdversarialTrainer) -> bool:
    return trainer.venv_wrapped is not trainer.venv_buffering


def _capture(trainer: AdversarialTrainer, batches: ExpertBatches, rounds_done: int, fingerprint) -> dict:
    generator, log = trainer.gen_algo, _csv_log(trainer)
    log.file.flush()
    return {
        "fingerprint": fingerprint,
        "rounds_done": rounds_done,
        "policy": generator.policy.state_dict(),
        "policy_optimizer": generator.policy.optimizer.state_dict(),
        "generator": _fields(generator, _GENERATOR_FIELDS),
        "reward_net": trainer._reward_net.state_dict(),
        "disc_optimizer": trainer._disc_opt.state_dict(),
        "steps": {"_global_step": trainer._global_step, "_disc_step": trainer._disc_step},
        "gen_replay_buffer": copy.deepcopy(trainer._gen_replay_buffer),
        "buffering": _fields(trainer.venv_buffering, _BUFFERING_FIELDS + ("n_transitions",)),
        "reward_wrapper": _fields(trainer.venv_wrapped, _REWARD_WRAPPER_FIELDS)
        if _has_reward_wrapper(trainer)
        else None,
        "envs": [capture_env(env) for env in trainer.venv.envs],
        "expert_batches": batches.state(),
        "log": {"text": Path(log.file.name).read_text(), "keys": list(log.keys)},
        "rng": global_rng_state(),
    }


def _restore(trainer: AdversarialTrainer, batches: ExpertBatches, state: dict) -> None:
    generator = trainer.gen_algo
    generator.policy.load_state_dict(state["policy"])
    generator.policy.optimizer.load_state_dict(state["policy_optimizer"])
    trainer._reward_net.load_state_dict(state["reward_net"])
    trainer._disc_opt.load_state_dict(state["disc_optimizer"])
    _set_fields(trainer, state["steps"])
    trainer._gen_replay_buffer = copy.deepcopy(state["gen_replay_buffer"])
    trainer.venv_train.reset()  # opens every episode for the wrappers; overwritten below
    for env, env_state in zip(trainer.venv.envs, state["envs"], strict=True):
        restore_env(env, env_state)
    _set_fields(trainer.venv_buffering, state["buffering"])
    if state["reward_wrapper"] is not None:
        _set_fields(trainer.venv_wrapped, state["reward_wrapper"])
    _set_fields(generator, state["generator"])
    log = _csv_log(trainer)
    log.file.seek(0)
    log.file.truncate()
    log.file.write(state["log"]["text"])
    log.file.flush()
    log.keys = list(state["log"]["keys"])
    set_global_rng_state(state["rng"])
    batches.restore(state["expert_batches"])


def train_rounds(
    trainer: AdversarialTrainer, total_timesteps: int, checkpoint: Path | None, fingerprint: Fingerprint
) -> int:
    """``trainer.train(total_timesteps)``, resumable from ``checkpoint``; returns the rounds resumed from."""
    batches = ExpertBatches(trainer._demo_data_loader)
    trainer._endless_expert_iterator = batches
    n_rounds = total_timesteps // trainer.gen_train_timesteps
    if n_rounds < 1:
        raise ValueError(f"total_timesteps {total_timesteps} is below one round ({trainer.gen_train_timesteps})")
    state = load_checkpoint(checkpoint, fingerprint) if checkpoint is not None else None
    resumed = 0
    if state is not None:
        _restore(trainer, batches, state)
        resumed = state["rounds_done"]
        tqdm.write(f"resuming from round {resumed} of {n_rounds} ({checkpoint})")
    rounds = progress_bar(
        range(resumed, n_rounds), initial=resumed, total=n_rounds, desc="round", work_batch=trainer.gen_train_timesteps
    )
    for done in rounds:
        trainer.train_gen(trainer.gen_train_timesteps)
        for _ in range(trainer.n_disc_updates_per_round):
            with networks.training(trainer.reward_train):
                trainer.train_disc()
        trainer.logger.dump(trainer._global_step)
        if checkpoint is not None:
            save_checkpoint(checkpoint, _capture(trainer, batches, done + 1, fingerprint))
    return resumed
