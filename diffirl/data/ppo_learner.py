"""PPO on normalised observations and rewards as the learner of D4RL's dataset procedure
(``diffirl.data.expert_run``).

PPO keeps no replay buffer, so a recorder beneath the normalisation keeps every transition
the run takes, in the environment's own units: the run's medium-replay split is what it
collected up to the medium checkpoint, as SAC's buffer is for D4RL. A checkpoint's policy
acts on observations normalised by the running statistics of its own step.
"""

from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize
from torch import nn

from diffirl.checkpoints import global_rng_state, set_global_rng_state
from diffirl.data.format import Dataset, make_dataset
from diffirl.data.policy_rollouts import Policy
from diffirl.envs.env_state import capture_env, restore_env
from diffirl.params.schema import PpoRecipe

_COUNTERS = ("num_timesteps", "_n_updates", "_episode_num")
_RECORDED = ("observations", "actions", "rewards", "terminals", "timeouts")


class TransitionRecorder(gym.Wrapper):
    """Keeps the first ``capacity`` transitions taken through it: the observation an action
    was taken in, the action, reward, and whether the episode terminated or ran out of time."""

    def __init__(self, env: gym.Env, capacity: int):
        super().__init__(env)
        observation_size = env.observation_space.shape[0]
        action_size = env.action_space.shape[0]
        self.columns = {
            "observations": np.zeros((capacity, observation_size), np.float32),
            "actions": np.zeros((capacity, action_size), np.float32),
            "rewards": np.zeros(capacity, np.float32),
            "terminals": np.zeros(capacity, bool),
            "timeouts": np.zeros(capacity, bool),
        }
        self.count = 0
        self.observation = None

    def reset(self, **kwargs):
        self.observation, info = self.env.reset(**kwargs)
        return self.observation, info

    def step(self, action):
        next_observation, reward, terminated, truncated, info = self.env.step(action)
        if self.count < len(self.columns["rewards"]):
            row = (self.observation, action, reward, terminated, truncated and not terminated)
            for name, value in zip(_RECORDED, row):
                self.columns[name][self.count] = value
            self.count += 1
        self.observation = next_observation
        return next_observation, reward, terminated, truncated, info

    def state(self) -> dict:
        return {
            "columns": {name: column[: self.count].copy() for name, column in self.columns.items()},
            "observation": None if self.observation is None else self.observation.copy(),
        }

    def restore(self, state: dict) -> None:
        self.count = len(state["columns"]["rewards"])
        for name, column in state["columns"].items():
            self.columns[name][: self.count] = column
        self.observation = state["observation"]


class PpoLearner:
    def __init__(self, env_id: str, recipe: PpoRecipe, seed: int):
        self.recorder = TransitionRecorder(gym.make(env_id), recipe.total_timesteps)
        self.normaliser = VecNormalize(DummyVecEnv([lambda: self.recorder]), gamma=recipe.gamma)
        self.model = PPO(
            "MlpPolicy",
            self.normaliser,
            **recipe.sb3_arguments(),
            gae_lambda=recipe.gae_lambda,
            max_grad_norm=recipe.max_grad_norm,
            policy_kwargs={
                "log_std_init": recipe.log_std_init,
                "ortho_init": False,
                "activation_fn": nn.ReLU,
                "net_arch": {"pi": list(recipe.net_arch), "vf": list(recipe.net_arch)},
            },
            seed=seed,
            device="cpu",
            verbose=0,
        )

    def policy(self, deterministic: bool) -> Policy:
        normalise = self.normaliser.normalize_obs
        return lambda observations: self.model.predict(normalise(observations), deterministic=deterministic)[0]

    def snapshot(self) -> dict:
        return {
            "policy": copy.deepcopy(self.model.policy.state_dict()),
            "observation_statistics": copy.deepcopy(self.normaliser.obs_rms),
        }

    def load_snapshot(self, snapshot: dict) -> None:
        self.model.policy.load_state_dict(snapshot["policy"])
        self.normaliser.obs_rms = copy.deepcopy(snapshot["observation_statistics"])

    def collected(self, steps: int) -> Dataset:
        if self.recorder.count < steps:
            raise ValueError(f"the run recorded {self.recorder.count} transitions, {steps} requested")
        columns = {name: column[:steps].copy() for name, column in self.recorder.columns.items()}
        columns["timeouts"][-1] |= not columns["terminals"][-1]  # the cut at the medium checkpoint ends an episode
        return make_dataset(**columns)

    def resume_state(self) -> dict:
        model, normaliser = self.model, self.normaliser
        return {
            "policy": model.policy.state_dict(),
            "optimizer": model.policy.optimizer.state_dict(),
            "counters": {name: getattr(model, name) for name in _COUNTERS},
            "last_obs": model._last_obs.copy(),
            "last_episode_starts": model._last_episode_starts.copy(),
            "normaliser": {
                "obs_rms": copy.deepcopy(normaliser.obs_rms),
                "ret_rms": copy.deepcopy(normaliser.ret_rms),
                "returns": normaliser.returns.copy(),
                "old_obs": normaliser.old_obs.copy(),
                "old_reward": normaliser.old_reward.copy(),
            },
            "recorder": self.recorder.state(),
            "rng": global_rng_state(),
            "env": capture_env(self.recorder),
        }

    def restore(self, state: dict) -> None:
        model, normaliser = self.model, self.normaliser
        model.policy.load_state_dict(state["policy"])
        model.policy.optimizer.load_state_dict(state["optimizer"])
        for name, value in state["counters"].items():
            setattr(model, name, value)
        normaliser.reset()  # opens the episode for the wrappers (and moves the statistics): overwritten below
        restore_env(self.recorder, state["env"])
        self.recorder.restore(state["recorder"])
        for name, value in state["normaliser"].items():
            setattr(normaliser, name, copy.deepcopy(value))
        model._last_obs = state["last_obs"].copy()
        model._last_episode_starts = state["last_episode_starts"].copy()
        set_global_rng_state(state["rng"])

    def close(self) -> None:
        self.normaliser.close()
