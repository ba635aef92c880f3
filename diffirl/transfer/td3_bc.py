"""TD3+BC (Fujimoto and Gu, 2021) from d3rlpy: the standard offline-RL learner beside DiffCPS.

d3rlpy's implementation is used as its authors maintain it (its networks, losses, target
smoothing and delayed actor update); this module only feeds it. Minibatches are drawn here,
from the same relabelled data and with a generator of our own, rather than by d3rlpy's replay
buffer, so that a learner restored from :meth:`TD3PlusBC.state_dict` continues to exactly the
weights of an uninterrupted run: the state holds d3rlpy's networks and optimisers, the batch
generator and the process-wide torch generator d3rlpy's target smoothing draws from.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import torch
from d3rlpy.algos import TD3PlusBCConfig
from d3rlpy.dataset import TransitionMiniBatch
from d3rlpy.preprocessing import StandardObservationScaler

from diffirl.transfer.diffcps import OfflineData, UpdateRecord


@dataclass(frozen=True)
class TD3BCSettings:
    """The paper's settings (d3rlpy's defaults, which follow it): alpha weighs the Q term against BC."""

    alpha: float = 2.5
    batch_size: int = 256
    learning_rate: float = 3e-4
    discount: float = 0.99
    target_rate: float = 0.005
    policy_interval: int = 2


class TD3PlusBC:
    """d3rlpy's TD3+BC on :class:`OfflineData`, with the observation standardisation of the paper."""

    def __init__(self, data: OfflineData, settings: TD3BCSettings, seed: int, device: str = "cpu"):
        self.settings = settings
        states = data.states.numpy()
        scaler = StandardObservationScaler(mean=states.mean(axis=0), std=states.std(axis=0))
        config = TD3PlusBCConfig(
            batch_size=settings.batch_size,
            gamma=settings.discount,
            actor_learning_rate=settings.learning_rate,
            critic_learning_rate=settings.learning_rate,
            tau=settings.target_rate,
            alpha=settings.alpha,
            update_actor_interval=settings.policy_interval,
            observation_scaler=scaler,
        )
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.algo = config.create(device=device)
            self.algo.create_impl((data.states.shape[1],), data.actions.shape[1])
            self.library_rng = torch.get_rng_state()
        self.generator = torch.Generator().manual_seed(seed)
        self.updates = 0

    def update(self, data: OfflineData) -> UpdateRecord:
        rows = torch.randint(0, len(data), (self.settings.batch_size,), generator=self.generator)
        column = lambda tensor: tensor[rows].numpy().reshape(len(rows), -1).astype(np.float32)
        batch = TransitionMiniBatch(
            observations=column(data.states),
            actions=column(data.actions),
            rewards=column(data.rewards),
            next_observations=column(data.next_states),
            terminals=column(data.terminals),
            intervals=np.ones((len(rows), 1), dtype=np.float32),
            transitions=[],
        )
        with torch.random.fork_rng():
            torch.set_rng_state(self.library_rng)
            losses = self.algo.update(batch)
            self.library_rng = torch.get_rng_state()
        self.updates += 1
        return UpdateRecord(losses["critic_loss"])

    def state_dict(self) -> dict:
        weights = io.BytesIO()
        self.algo.impl.save_model(weights)
        return {
            "d3rlpy": weights.getvalue(),
            "grad_step": self.algo.grad_step,
            "library_rng": self.library_rng,
            "generator": self.generator.get_state(),
            "updates": self.updates,
        }

    def load_state_dict(self, state: dict) -> None:
        self.algo.impl.load_model(io.BytesIO(state["d3rlpy"]))
        self.algo.set_grad_step(state["grad_step"])  # d3rlpy counts it for the delayed actor update
        self.library_rng = state["library_rng"]
        self.generator.set_state(state["generator"])
        self.updates = state["updates"]

    def act(self, states: np.ndarray) -> np.ndarray:
        """The deterministic policy's action per state."""
        return self.algo.predict(np.asarray(states, dtype=np.float32))
