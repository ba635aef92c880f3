"""EPIC's coverage distributions in a maze, and the per-transition rewards it compares.

Two coverages of transitions (s, a, s'): the base dataset's own, and positions uniform over the
maze's free space with the velocity, action and step of a dataset transition drawn at random.
The canonicalisation's samples of D_S and D_A are independent draws of the same distribution.
A reward here is a function of raw PointMaze states and actions (diffirl/rewards/epic.py).
"""

from __future__ import annotations

import numpy as np
import torch

from diffirl.data.format import Dataset
from diffirl.diffusion.model_io import TrainedDiffuser
from diffirl.diffusion.windows import window_starts
from diffirl.envs.maze import MazeLayout
from diffirl.params.schema import EpicSettings
from diffirl.rewards.epic import CanonicalSamples, Reward, Transitions


def dataset_transitions(dataset: Dataset, maze: MazeLayout, count: int, rng: np.random.Generator) -> Transitions:
    """``count`` transitions (s, a, s') of the dataset's episodes, drawn uniformly with replacement."""
    starts, _ = window_starts(dataset, 2)
    if len(starts) == 0:
        raise ValueError("the dataset has no transition inside an episode")
    rows = rng.choice(starts, size=count, replace=True)
    return Transitions(dataset.observations[rows], dataset.actions[rows], dataset.observations[rows + 1])


def uniform_transitions(dataset: Dataset, maze: MazeLayout, count: int, rng: np.random.Generator) -> Transitions:
    """``count`` transitions from positions uniform over the maze's free cells, each with the
    velocity, action and step (s' - s) of a transition of the dataset drawn at random."""
    drawn = dataset_transitions(dataset, maze, count, rng)
    cells = maze.free_cells[rng.integers(len(maze.free_cells), size=count)]
    xy = maze.cell_to_xy(cells + rng.uniform(-0.5, 0.5, size=(count, 2)))
    states = np.concatenate([xy, drawn.states[:, 2:]], axis=1)
    return Transitions(states, drawn.actions, states + (drawn.next_states - drawn.states))


COVERAGES = {"dataset": dataset_transitions, "uniform": uniform_transitions}


def epic_samples(
    dataset: Dataset, maze: MazeLayout, settings: EpicSettings, gamma: float
) -> dict[str, tuple[Transitions, CanonicalSamples]]:
    """Per coverage, its transitions and the canonicalisation's samples, all drawn from ``settings.seed``."""
    rng = np.random.default_rng(settings.seed)
    samples = {}
    for name, draw in COVERAGES.items():
        coverage = draw(dataset, maze, settings.coverage_transitions, rng)
        n = settings.canonical_samples
        states, actions, next_states = (draw(dataset, maze, n, rng) for _ in range(3))
        samples[name] = coverage, CanonicalSamples(states.states, actions.actions, next_states.states, gamma)
    return samples


def per_step_transition_reward(per_step, trained: TrainedDiffuser) -> Reward:
    """A reward of raw states and actions from ``per_step``, a network's per-transition value of normalised
    rows (batch, 1, action + observation) -> (batch, 1), through the diffuser's normaliser."""

    def reward(states: np.ndarray, actions: np.ndarray, next_states: np.ndarray) -> np.ndarray:
        rows = torch.as_tensor(np.concatenate([actions, states], axis=-1), dtype=torch.float32, device=trained.device)
        with torch.no_grad():
            return per_step(trained.normalizer.normalize(rows)[:, None, :])[:, 0].double().cpu().numpy()

    return reward


def relative_transition_reward(network: torch.nn.Module, trained: TrainedDiffuser) -> Reward:
    """Nuti et al.'s relative reward's per-step head on clean transitions, g(s, a, 0)."""

    def clean(rows: torch.Tensor) -> torch.Tensor:
        return network.per_step(rows, torch.zeros(len(rows), dtype=torch.long, device=rows.device))

    return per_step_transition_reward(clean, trained)


def learnt_transition_reward(model: torch.nn.Module, trained: TrainedDiffuser) -> Reward:
    """A per-step reward network's r(s, a)."""
    return per_step_transition_reward(model.per_step, trained)
