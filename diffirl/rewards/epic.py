"""EPIC, the Equivalent-Policy Invariant Comparison of two rewards (Gleave et al. 2020; the
thesis's Section 2.2.4, Definitions 4 and 5), written from its definition: no maintained
package computes it.

A reward here is a function of a batch of transitions, ``(states, actions, next_states) ->
rewards``, one row per transition. EPIC first canonicalises each reward over a state
distribution D_S and an action distribution D_A,

    C(R)(s, a, s') = R(s, a, s') + E[gamma R(s', A, S') - R(s, A, S') - gamma R(S, A, S')],

with S, S' ~ D_S and A ~ D_A independent, which removes any potential shaping
gamma Phi(s') - Phi(s), and then takes the Pearson distance sqrt((1 - rho) / 2) between the
two canonical rewards over a coverage distribution D of transitions. So it is 0 for rewards
that differ by shaping and positive rescaling (they induce the same optimal policies), and 1
for a reward and its negation.

The expectations are means over given samples of D_S and D_A (:class:`CanonicalSamples`), so
the same samples give the same distance, and a reward shaped by any Phi canonicalises to the
unshaped one plus a constant, exactly, whatever the samples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from diffirl.metrics import pearson_distance

Reward = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
#: reward evaluations per call while canonicalising: bounds the memory of the (x, A, S') batches
EVALUATIONS_PER_CALL = 1 << 20


@dataclass(frozen=True)
class Transitions:
    states: np.ndarray
    actions: np.ndarray
    next_states: np.ndarray

    def __post_init__(self) -> None:
        lengths = {len(self.states), len(self.actions), len(self.next_states)}
        if len(lengths) != 1:
            raise ValueError(f"states, actions and next states have different lengths: {sorted(lengths)}")
        if not len(self.states):
            raise ValueError("no transitions")

    def __len__(self) -> int:
        return len(self.states)


@dataclass(frozen=True)
class CanonicalSamples(Transitions):
    """Samples the canonicalisation's expectations are means over: ``states`` of S, ``actions``
    of A and ``next_states`` of S' (a draw of D_S independent of ``states``), row by row."""

    gamma: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"gamma must lie in [0, 1], got {self.gamma}")


def canonical_reward(reward: Reward, transitions: Transitions, canonical: CanonicalSamples) -> np.ndarray:
    """C(R) at each of ``transitions``."""
    gamma = canonical.gamma
    mean_reward = float(np.mean(reward(canonical.states, canonical.actions, canonical.next_states)))
    return (
        np.asarray(reward(transitions.states, transitions.actions, transitions.next_states), dtype=np.float64)
        + gamma * _mean_over_samples(reward, transitions.next_states, canonical)
        - _mean_over_samples(reward, transitions.states, canonical)
        - gamma * mean_reward
    )


def _mean_over_samples(reward: Reward, origins: np.ndarray, samples: Transitions) -> np.ndarray:
    """E[R(x, A, S')] for each row x of ``origins``, over the samples' (A, S') pairs."""
    m = len(samples)
    chunk = max(1, EVALUATIONS_PER_CALL // m)
    means = []
    for start in range(0, len(origins), chunk):
        x = origins[start : start + chunk]
        values = reward(
            np.repeat(x, m, axis=0), _tile_rows(samples.actions, len(x)), _tile_rows(samples.next_states, len(x))
        )
        means.append(np.asarray(values, dtype=np.float64).reshape(len(x), m).mean(axis=1))
    return np.concatenate(means)


def _tile_rows(rows: np.ndarray, times: int) -> np.ndarray:
    return np.tile(rows, (times,) + (1,) * (rows.ndim - 1))


def epic_distance(reward_a: Reward, reward_b: Reward, coverage: Transitions, canonical: CanonicalSamples) -> float:
    """The Pearson distance between the two rewards' canonical forms over the coverage transitions."""
    a = canonical_reward(reward_a, coverage, canonical)
    b = canonical_reward(reward_b, coverage, canonical)
    for name, values in (("the first", a), ("the second", b)):
        if np.ptp(values) <= 1e-12 * max(1.0, float(np.abs(values).max())):
            raise ValueError(f"{name} reward is constant on the coverage after canonicalisation: EPIC is undefined")
    return pearson_distance(a, b)
