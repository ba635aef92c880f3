"""Generate a locomotion environment's medium-replay, medium and expert datasets with D4RL's procedure.

One reinforcement-learning run (``generate.algorithm``: SAC, as D4RL, or PPO) is checkpointed
every ``checkpoint_every`` steps and each checkpoint's return is measured. After training:

* ``expert`` is rollouts of the final policy;
* ``medium`` is rollouts of the checkpoint whose return is nearest
  ``medium_return_fraction`` of the final policy's (D4RL: "about a third");
* ``medium-replay`` is every transition the run collected up to that checkpoint's step
  (D4RL: SAC's replay buffer).

A killed run resumes from its last checkpoint to the same datasets: each algorithm's learner
(``diffirl.data.sac_learner``, ``diffirl.data.ppo_learner``) saves and restores everything
the rest of the run reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import torch
from stable_baselines3.common.callbacks import BaseCallback
from tqdm import tqdm

from diffirl.checkpoints import fingerprint, load_checkpoint, save_checkpoint
from diffirl.data.format import Dataset
from diffirl.data.policy_rollouts import Policy, rollout_dataset
from diffirl.data.ppo_learner import PpoLearner
from diffirl.data.sac_learner import SacLearner
from diffirl.envs.registry import EnvironmentSpec
from diffirl.params.schema import ExpertRunGeneration
from diffirl.progress import progress_bar


class Learner(Protocol):
    """One algorithm's side of the procedure; ``model`` is its stable-baselines3 model."""

    def policy(self, deterministic: bool) -> Policy: ...
    def snapshot(self) -> dict: ...  # what a checkpoint keeps to act later
    def load_snapshot(self, snapshot: dict) -> None: ...
    def resume_state(self) -> dict: ...
    def restore(self, state: dict) -> None: ...
    def collected(self, steps: int) -> Dataset: ...  # the first ``steps`` transitions of the run
    def close(self) -> None: ...


LEARNERS = {"sac": SacLearner, "ppo": PpoLearner}


def evaluate(policy: Policy, env_id: str, episodes: int, seed: int) -> float:
    return float(rollout_dataset(env_id, policy, episodes, episodes, seed).episode_returns().mean())


def choose_medium(checkpoints: list[dict], target_return: float) -> dict:
    """The checkpoint whose return is nearest the target; the earliest one on a tie."""
    return min(checkpoints, key=lambda c: (abs(c["return"] - target_return), c["step"]))


class _ProgressBar(BaseCallback):
    def __init__(self, bar: tqdm):
        super().__init__()
        self.bar = bar

    def _on_step(self) -> bool:
        self.bar.update(1)
        return True


def train_expert_run(
    spec: EnvironmentSpec, settings: ExpertRunGeneration, seed: int, checkpoint: Path | None, progress: bool
) -> tuple[Learner, list[dict], int]:
    """Train the configured algorithm, keeping its policy and return every ``checkpoint_every`` steps.

    With ``checkpoint`` a file, the resume state is saved there at every policy checkpoint
    and a matching one is continued from. Returns the learner, the checkpoints and the step resumed from.
    """
    torch.set_num_threads(settings.torch_threads)
    recipe = settings.recipe
    learner = LEARNERS[settings.algorithm](spec.gym_id, recipe, seed)
    run_fingerprint = fingerprint(settings.model_dump(mode="json"), seed, spec.gym_id)
    state = load_checkpoint(checkpoint, run_fingerprint) if checkpoint is not None else None
    checkpoints: list[dict] = []
    if state is not None:
        learner.restore(state["learner"])
        checkpoints = state["checkpoints"]
        tqdm.write(f"{settings.algorithm.upper()} {spec.name}: resuming from step {learner.model.num_timesteps}")
    model = learner.model
    resumed_from = model.num_timesteps
    bar = progress_bar(
        total=recipe.total_timesteps,
        initial=resumed_from,
        desc=f"{settings.algorithm.upper()} {spec.name}",
        unit="step",
        disable=not progress,
        mininterval=2,
    )
    while model.num_timesteps < recipe.total_timesteps:
        chunk = min(recipe.checkpoint_every, recipe.total_timesteps - model.num_timesteps)
        model.learn(chunk, reset_num_timesteps=False, callback=_ProgressBar(bar))
        if model.num_timesteps % recipe.checkpoint_every == 0:
            ret = evaluate(learner.policy(True), spec.gym_id, settings.eval_episodes, seed + 10_000)
            checkpoints.append({"step": model.num_timesteps, "return": ret, **learner.snapshot()})
            bar.set_postfix(ret=f"{ret:.0f}")
            if checkpoint is not None:
                state = {"fingerprint": run_fingerprint, "checkpoints": checkpoints, "learner": learner.resume_state()}
                save_checkpoint(checkpoint, state)
    bar.close()
    return learner, checkpoints, resumed_from


def generate_expert_run_datasets(
    spec: EnvironmentSpec,
    settings: ExpertRunGeneration,
    seed: int,
    progress: bool = True,
    checkpoint: Path | None = None,
):
    """Return ``({split: Dataset}, training record, step resumed from)``."""
    learner, checkpoints, resumed_from = train_expert_run(spec, settings, seed, checkpoint, progress)
    final_return = evaluate(learner.policy(True), spec.gym_id, settings.eval_episodes, seed + 10_000)

    target = settings.medium_return_fraction * final_return
    medium = choose_medium(checkpoints, target)

    def rollouts(n_episodes: int, offset: int) -> Dataset:
        policy = learner.policy(settings.deterministic_rollouts)
        return rollout_dataset(spec.gym_id, policy, n_episodes, settings.rollout_envs, seed + offset)

    datasets = {"expert": rollouts(settings.expert_episodes, 20_000)}
    learner.load_snapshot(medium)
    datasets["medium"] = rollouts(settings.medium_episodes, 30_000)
    datasets["medium-replay"] = learner.collected(medium["step"])
    record = {
        "algorithm": settings.algorithm,
        "final_return": final_return,
        "medium_target_return": target,
        "medium_checkpoint_step": medium["step"],
        "checkpoint_returns": [[c["step"], c["return"]] for c in checkpoints],
    }
    learner.close()
    return datasets, record, resumed_from
