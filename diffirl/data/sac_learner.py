"""Soft Actor-Critic as the learner of D4RL's dataset procedure (``diffirl.data.expert_run``).

Its collected transitions are its replay buffer, which never wraps, so it stays in time order.
"""

from __future__ import annotations

import copy

import gymnasium as gym
from stable_baselines3 import SAC

from diffirl.checkpoints import global_rng_state, set_global_rng_state
from diffirl.data.format import Dataset, make_dataset
from diffirl.data.policy_rollouts import Policy
from diffirl.envs.env_state import capture_env, restore_env
from diffirl.params.schema import SacRecipe

# Exact resume: everything the rest of the run reads (networks, optimisers, entropy
# coefficient, replay buffer, counters, every random generator, and the simulator's state
# in the middle of its episode).
_BUFFER_FIELDS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")
_COUNTERS = ("num_timesteps", "_n_updates", "_episode_num")


class SacLearner:
    def __init__(self, env_id: str, recipe: SacRecipe, seed: int):
        self.model = SAC(
            "MlpPolicy",
            gym.make(env_id),
            learning_rate=recipe.learning_rate,
            buffer_size=recipe.total_timesteps + 1,  # never wraps, so it stays in time order
            learning_starts=recipe.learning_starts,
            batch_size=recipe.batch_size,
            gamma=recipe.gamma,
            policy_kwargs={"net_arch": list(recipe.net_arch)},
            seed=seed,
            device="cpu",
            verbose=0,
        )

    def policy(self, deterministic: bool) -> Policy:
        return lambda observations: self.model.predict(observations, deterministic=deterministic)[0]

    def snapshot(self) -> dict:
        return {"policy": copy.deepcopy(self.model.policy.state_dict())}

    def load_snapshot(self, snapshot: dict) -> None:
        self.model.policy.load_state_dict(snapshot["policy"])

    def collected(self, steps: int) -> Dataset:
        """The first ``steps`` transitions of the (single-environment) replay buffer."""
        buffer = self.model.replay_buffer
        if buffer.full or buffer.pos < steps:
            raise ValueError(f"replay buffer holds {buffer.pos} sequential transitions, {steps} requested")
        timeouts = buffer.timeouts[:steps, 0].astype(bool)
        terminals = buffer.dones[:steps, 0].astype(bool) & ~timeouts
        timeouts[-1] |= not terminals[-1]  # the cut at the medium checkpoint ends an episode
        return make_dataset(
            buffer.observations[:steps, 0], buffer.actions[:steps, 0], buffer.rewards[:steps, 0], terminals, timeouts
        )

    def _training_env(self):
        """The one training environment inside SB3's vectorised wrapper (a Monitor over a TimeLimit)."""
        return self.model.env.envs[0]

    def resume_state(self) -> dict:
        model, buffer = self.model, self.model.replay_buffer
        return {
            "policy": model.policy.state_dict(),
            "actor_optimizer": model.actor.optimizer.state_dict(),
            "critic_optimizer": model.critic.optimizer.state_dict(),
            "ent_coef_optimizer": model.ent_coef_optimizer.state_dict() if model.ent_coef_optimizer else None,
            "log_ent_coef": model.log_ent_coef.detach().clone(),
            "counters": {name: getattr(model, name) for name in _COUNTERS},
            "last_obs": model._last_obs.copy(),
            "last_episode_starts": model._last_episode_starts.copy(),
            "buffer": {name: getattr(buffer, name)[: buffer.pos].copy() for name in _BUFFER_FIELDS},
            "buffer_pos": buffer.pos,
            "rng": global_rng_state(),
            "action_space_rng": model.action_space.np_random.bit_generator.state,
            "env": capture_env(self._training_env()),
        }

    def restore(self, state: dict) -> None:
        model = self.model
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
        restore_env(self._training_env(), state["env"])
        model._last_obs = state["last_obs"].copy()
        model._last_episode_starts = state["last_episode_starts"].copy()
        set_global_rng_state(state["rng"])
        model.action_space.np_random.bit_generator.state = state["action_space_rng"]

    def close(self) -> None:
        self.model.env.close()
