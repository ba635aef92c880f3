"""Training BC, GAIL and AIRL on expert demonstrations (docs/thesis.md §7).

BC is `imitation.algorithms.bc`; GAIL and AIRL are `imitation.algorithms.adversarial`
over a stable-baselines3 PPO generator, each with a reward network that normalises its
inputs with running statistics (AIRL's is shaped: reward plus potential). Every policy
is an SB3 ``ActorCriticPolicy`` and is saved the same way, so one loader serves all.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from imitation.algorithms import bc
from imitation.algorithms.adversarial.airl import AIRL
from imitation.algorithms.adversarial.gail import GAIL
from imitation.data import rollout
from imitation.data.types import Trajectory
from imitation.rewards.reward_nets import BasicRewardNet, BasicShapedRewardNet, RewardNet
from imitation.util import logger as imitation_logger
from imitation.util.networks import RunningNorm
from stable_baselines3 import PPO
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.vec_env import DummyVecEnv

from diffirl.checkpoints import fingerprint
from diffirl.envs.gym_wrappers import make_policy_env
from diffirl.envs.registry import EnvironmentSpec
from diffirl.io import write_torch
from diffirl.methods import (
    METHODS,
    AdversarialImitation,
    AdversarialInverseReinforcementLearning,
    BehaviourCloning,
    GenerativeAdversarialImitation,
    PolicyLearner,
)
from diffirl.methods.baselines.adversarial_resume import train_rounds
from diffirl.params.schema import AdversarialSettings, BaselineSettings, BCSettings
from diffirl.paths import BASELINES
from diffirl.work_log import timed_work


@dataclass
class TrainedBaseline:
    policy: ActorCriticPolicy
    #: AIRL's shaped reward (its ``base`` is the reward AIRL recovers); None for BC and GAIL
    reward_net: RewardNet | None = None


def demonstrations_digest(demonstrations: list[Trajectory]) -> str:
    digest = hashlib.sha256()
    for trajectory in demonstrations:
        digest.update(np.ascontiguousarray(trajectory.obs).tobytes())
        digest.update(np.ascontiguousarray(trajectory.acts).tobytes())
    return digest.hexdigest()


def training_envs(spec: EnvironmentSpec, settings: BaselineSettings) -> DummyVecEnv:
    venv = DummyVecEnv([lambda: make_policy_env(spec, settings.episode_steps)] * settings.n_envs)
    venv.seed(settings.seed)
    return venv


# imitation's speed columns measure the machine, not the learner: every rerun's differ
WALL_CLOCK_COLUMNS = ("time/fps", "time/time_elapsed")


def training_statistics(log: pd.DataFrame) -> pd.DataFrame:
    """A training log's statistics in a fixed order, without the wall-clock columns.

    imitation orders the columns as a set does, differently in every process.
    """
    return log[sorted(column for column in log.columns if not column.endswith(WALL_CLOCK_COLUMNS))]


def csv_logger(folder: Path) -> imitation_logger.HierarchicalLogger:
    """imitation's (and PPO's) training statistics, to ``folder``/progress.csv only."""
    return imitation_logger.configure(folder, format_strs=["csv"])


def train_bc(
    spec: EnvironmentSpec,
    settings: BaselineSettings,
    algorithm: str,
    demonstrations: list[Trajectory],
    log_dir: Path,
    progress: bool = True,
) -> TrainedBaseline:
    bc_settings: BCSettings = getattr(settings, algorithm)
    env = make_policy_env(spec, settings.episode_steps)
    trainer = bc.BC(
        observation_space=env.observation_space,
        action_space=env.action_space,
        demonstrations=rollout.flatten_trajectories(demonstrations),
        batch_size=bc_settings.batch_size,
        rng=np.random.default_rng(settings.seed),
        device="cpu",
        custom_logger=csv_logger(log_dir),
    )
    env.close()
    transitions = sum(len(d.acts) for d in demonstrations)
    with timed_work("behaviour cloning", bc_settings.epochs * transitions):
        trainer.train(n_epochs=bc_settings.epochs, progress_bar=progress)
    return TrainedBaseline(trainer.policy)


def _generator(venv: DummyVecEnv, settings: AdversarialSettings, seed: int) -> PPO:
    return PPO(
        "MlpPolicy",
        venv,
        **settings.ppo.sb3_arguments(),
        seed=seed,
        device="cpu",
        verbose=0,
    )


#: each adversarial learner's discriminator network and `imitation` trainer
ADVERSARIAL_TRAINERS = {
    GenerativeAdversarialImitation: (BasicRewardNet, GAIL),
    AdversarialInverseReinforcementLearning: (BasicShapedRewardNet, AIRL),
}


def train_adversarial(
    spec: EnvironmentSpec,
    settings: BaselineSettings,
    algorithm: str,
    demonstrations: list[Trajectory],
    log_dir: Path,
    checkpoint: Path | None = None,
) -> TrainedBaseline:
    """GAIL or AIRL; with ``checkpoint`` a file, resumable after a kill (``adversarial_resume``)."""
    algorithm_settings: AdversarialSettings = getattr(settings, algorithm)
    learner = METHODS[algorithm].learner
    venv = training_envs(spec, settings)
    generator = _generator(venv, algorithm_settings, settings.seed)
    net_class, trainer_class = ADVERSARIAL_TRAINERS[type(learner)]
    reward_net = net_class(venv.observation_space, venv.action_space, normalize_input_layer=RunningNorm)
    trainer = trainer_class(
        demonstrations=demonstrations,
        demo_batch_size=algorithm_settings.demo_batch_size,
        gen_replay_buffer_capacity=algorithm_settings.gen_replay_buffer_capacity,
        n_disc_updates_per_round=algorithm_settings.n_disc_updates_per_round,
        venv=venv,
        gen_algo=generator,
        reward_net=reward_net,
        custom_logger=csv_logger(log_dir),
    )
    run_fingerprint = fingerprint(settings.model_dump(mode="json"), algorithm, demonstrations_digest(demonstrations))
    train_rounds(trainer, algorithm_settings.total_timesteps, checkpoint, run_fingerprint)
    venv.close()
    # AIRL's shaped training reward, whose base network is the reward it recovers (``reward_test``)
    return TrainedBaseline(generator.policy, trainer.reward_train if METHODS[algorithm].has_reward else None)


def train_baseline(
    spec: EnvironmentSpec,
    settings: BaselineSettings,
    algorithm: str,
    demonstrations: list[Trajectory],
    log_dir: Path,
    progress: bool = True,
    checkpoint: Path | None = None,
) -> TrainedBaseline:
    """Train one baseline; its per-round statistics go to ``log_dir``/progress.csv.

    GAIL and AIRL save their state to ``checkpoint`` every round and resume from it.
    """
    if algorithm not in BASELINES:
        raise ValueError(f"unknown baseline {algorithm!r}; choose one of {', '.join(BASELINES)}")
    torch.manual_seed(settings.seed)
    torch.set_num_threads(settings.torch_threads)
    return train_learner(
        METHODS[algorithm].learner, spec, settings, algorithm, demonstrations, log_dir, progress, checkpoint
    )


@functools.singledispatch
def train_learner(
    learner: PolicyLearner,
    spec: EnvironmentSpec,
    settings: BaselineSettings,
    algorithm: str,
    demonstrations: list[Trajectory],
    log_dir: Path,
    progress: bool,
    checkpoint: Path | None,
) -> TrainedBaseline:
    """Baseline ``algorithm`` trained as its learner's class registers."""
    raise NotImplementedError(f"no training is registered for {type(learner).__name__} ({algorithm})")


@train_learner.register
def _(learner: BehaviourCloning, spec, settings, algorithm, demonstrations, log_dir, progress, checkpoint):
    return train_bc(spec, settings, algorithm, demonstrations, log_dir, progress)


@train_learner.register
def _(learner: AdversarialImitation, spec, settings, algorithm, demonstrations, log_dir, progress, checkpoint):
    return train_adversarial(spec, settings, algorithm, demonstrations, log_dir, checkpoint)


# --- saving and loading -----------------------------------------------------------------------
def save_policy(policy: ActorCriticPolicy, path: Path) -> None:
    # what ActorCriticPolicy.save writes, saved so that the same policy gives the same bytes
    write_torch(path, {"state_dict": policy.state_dict(), "data": policy._get_constructor_parameters()})


def load_policy(path: Path) -> ActorCriticPolicy:
    """Like ``ActorCriticPolicy.load``, which torch >= 2.6 refuses (its file holds gymnasium spaces).

    Every baseline is rebuilt as a plain ``ActorCriticPolicy`` (BC's FeedForward32Policy only fixes
    its net_arch, which the saved constructor arguments carry).
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"baseline policy {path} does not exist")
    saved = torch.load(path, map_location="cpu", weights_only=False)  # written by save_policy, this pipeline
    policy = ActorCriticPolicy(**saved["data"])
    policy.load_state_dict(saved["state_dict"])
    return policy.eval()


def save_reward_net(reward_net: RewardNet, path: Path) -> None:
    write_torch(path, reward_net)


def load_reward_net(path: Path) -> RewardNet:
    if not Path(path).is_file():
        raise FileNotFoundError(f"AIRL reward network {path} does not exist")
    return torch.load(path, map_location="cpu", weights_only=False)  # a whole imitation module, ours


def as_controller(policy: ActorCriticPolicy):
    """The policy as a closed-loop controller: deterministic actions for a batch of states."""
    return lambda t, states: policy.predict(states, deterministic=True)[0]
