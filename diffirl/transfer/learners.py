"""The offline learners a reward is handed to, behind one interface, and their resumable training.

A learner takes one update per call on minibatches it draws itself, acts on a batch of states,
and holds in its ``state_dict`` everything its next update depends on; training saves that
state every ``checkpoint_every`` updates, so a killed run resumes to the uninterrupted weights.
Adding a learner is a class with that interface, its settings in the schema and an entry below.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch

from diffirl.checkpoints import Fingerprint, load_checkpoint, save_checkpoint
from diffirl.envs.closed_loop import Controller, Rollouts, closed_loop_rollouts
from diffirl.envs.registry import EnvironmentSpec
from diffirl.evaluation import evaluation_reward
from diffirl.params.schema import DiffCPSParams, TD3BCParams
from diffirl.progress import progress_bar
from diffirl.transfer import LEARNER_NAMES
from diffirl.transfer.diffcps import DiffCPS, DiffCPSSettings, OfflineData, UpdateRecord
from diffirl.transfer.td3_bc import TD3BCSettings, TD3PlusBC


class OfflineLearner(Protocol):
    updates: int

    def update(self, data: OfflineData) -> UpdateRecord: ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


@dataclass(frozen=True)
class LearnerKind:
    label: str
    #: (data, its settings from params, seed) -> a fresh learner
    build: Callable[[OfflineData, object, int], OfflineLearner]
    #: (trained learner, seed) -> the closed-loop controller of its policy
    controller: Callable[[OfflineLearner, int], Controller]


def settings_without_updates(settings) -> dict:
    return settings.model_dump(exclude={"updates"})


def build_diffcps(data: OfflineData, settings: DiffCPSParams, seed: int) -> DiffCPS:
    state_dim, action_dim = data.states.shape[1], data.actions.shape[1]
    return DiffCPS(state_dim, action_dim, DiffCPSSettings(**settings_without_updates(settings)), seed)


def diffcps_controller(learner: DiffCPS, seed: int) -> Controller:
    """The diffusion policy's draws, from a generator of its own (the same draws on every run)."""
    generator = torch.Generator().manual_seed(seed)
    return lambda step, states: learner.act(states, generator)


def build_td3_bc(data: OfflineData, settings: TD3BCParams, seed: int) -> TD3PlusBC:
    return TD3PlusBC(data, TD3BCSettings(**settings_without_updates(settings)), seed)


LEARNERS: dict[str, LearnerKind] = {
    "diffcps": LearnerKind("DiffCPS", build_diffcps, diffcps_controller),
    "td3_bc": LearnerKind(
        "TD3+BC (d3rlpy)", build_td3_bc, lambda learner, seed: lambda step, states: learner.act(states)
    ),
}


def policy_rollouts(
    spec: EnvironmentSpec, kind: LearnerKind, learner: OfflineLearner, evaluation, starts: np.ndarray, progress=True
) -> Rollouts:
    """The learner's policy rolled out from ``starts`` by the environment's evaluation settings (its steps
    and seed), scored by the environment's true reward."""
    return closed_loop_rollouts(
        spec,
        starts,
        evaluation.steps,
        kind.controller(learner, evaluation.seed),
        evaluation_reward(spec),
        seed=evaluation.seed,
        progress=progress,
    )


if tuple(LEARNERS) != LEARNER_NAMES:
    raise ImportError(f"the learners registered here, {tuple(LEARNERS)}, are not LEARNER_NAMES {LEARNER_NAMES}")


@dataclass
class TrainingResult:
    #: the latest value of each quantity an update reports (the critic's loss every update; the
    #: policy's diffusion loss and multiplier at the updates that step them), and its update
    latest: dict
    resumed_from: int
    seconds: float


def train_resumably(
    learner: OfflineLearner,
    data: OfflineData,
    updates: int,
    checkpoint: Path,
    fingerprint: Fingerprint,
    checkpoint_every: int,
    name: str,
) -> TrainingResult:
    """``updates`` updates of ``learner`` on ``data``, resumed from ``checkpoint`` if it was saved under
    ``fingerprint``; a non-finite loss stops training with the update's number. The checkpoint holds
    the learner and the latest values, not a log of every update, so its size does not grow with
    the run (the paper scale's million updates)."""
    state = load_checkpoint(checkpoint, fingerprint)
    latest: dict = {}
    if state is not None:
        learner.load_state_dict(state["learner"])
        latest = state["latest"]
    resumed, started = learner.updates, time.perf_counter()
    bar = progress_bar(total=updates, initial=learner.updates, desc=name, unit="update", mininterval=2)
    while learner.updates < updates:
        record = learner.update(data)
        if not np.isfinite(record.critic_loss):
            raise FloatingPointError(
                f"{name}: the critic's loss became {record.critic_loss} at update {learner.updates}"
            )
        latest |= {"update": learner.updates, **{k: v for k, v in vars(record).items() if v is not None}}
        if learner.updates % checkpoint_every == 0 or learner.updates == updates:
            save_checkpoint(checkpoint, {"fingerprint": fingerprint, "learner": learner.state_dict(), "latest": latest})
        bar.update(1)
    bar.close()
    return TrainingResult(latest, resumed, time.perf_counter() - started)
