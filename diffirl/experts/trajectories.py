"""Expert trajectories on disk, each with its provenance (docs/thesis.md §7).

A trajectory is (length, transition_dim) raw rows [action, observation], like a plan.
Kept apart from the code that makes them (:mod:`diffirl.experts.generation`) so that the
stages that only read them (K-windows, the baselines, figures) do not run the diffuser's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from diffirl.io import atomic_path


@dataclass
class Experts:
    trajectories: np.ndarray  # (n, length, action_dim + observation_dim)
    start_point: np.ndarray  # (n,) index into the start cells, the dataset row a window starts at, or the episode
    seed: np.ndarray  # (n,)
    kind: str  # "rollout" | "plan" | "dataset" (windows) | "episode" (whole dataset episodes)

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp, open(tmp, "wb") as file:
            np.savez(
                file,
                trajectories=self.trajectories,
                start_point=self.start_point,
                seed=self.seed,
                kind=np.array(self.kind),
            )

    @classmethod
    def load(cls, path: Path) -> Experts:
        if not Path(path).is_file():
            raise FileNotFoundError(f"expert file {path} does not exist")
        with np.load(path) as data:
            return cls(data["trajectories"], data["start_point"], data["seed"], str(data["kind"]))
