"""The on-disk dataset format, shared by every source.

One HDF5 file per split, in D4RL's flat layout (one row per transition, episodes laid
end to end)::

    observations  float32 (N, obs_dim)   state before the action
    actions       float32 (N, act_dim)
    rewards       float32 (N,)           the environment's reward for the transition
    terminals     bool    (N,)           the episode ended in a terminal state
    timeouts      bool    (N,)           the episode was cut here (time limit, end of data)

Every episode ends with a terminal or a timeout, so the last row always has one set.
Maze observations are (x, y, vx, vy) in PointMaze's frame; HalfCheetah's are the
17-dim ``HalfCheetah-v4`` observation. Beside each file, a JSON provenance sidecar
records how it was made (:func:`provenance`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from diffirl.io import atomic_outputs, json_text

KEYS = ("observations", "actions", "rewards", "terminals", "timeouts")


class DatasetError(ValueError):
    """A dataset file that is missing, unreadable or not in the documented format."""


@dataclass(frozen=True)
class Dataset:
    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminals: np.ndarray
    timeouts: np.ndarray

    def __post_init__(self) -> None:
        check_arrays(self.__dict__, source="dataset")

    def __len__(self) -> int:
        return len(self.rewards)

    @property
    def episode_ends(self) -> np.ndarray:
        """Index one past the last row of each episode."""
        return np.flatnonzero(self.terminals | self.timeouts) + 1

    def episodes(self) -> list[slice]:
        starts = np.concatenate([[0], self.episode_ends[:-1]])
        return [slice(int(a), int(b)) for a, b in zip(starts, self.episode_ends)]

    def episode_returns(self) -> np.ndarray:
        return np.array([self.rewards[s].sum() for s in self.episodes()], dtype=np.float64)


def check_arrays(arrays: dict[str, np.ndarray], source: str) -> None:
    """Raise :class:`DatasetError` unless ``arrays`` follow the documented format."""
    missing = [key for key in KEYS if key not in arrays]
    if missing:
        raise DatasetError(f"{source}: missing arrays {missing}")
    n = len(arrays["rewards"])
    if n == 0:
        raise DatasetError(f"{source}: holds no transitions")
    for key in KEYS:
        array = arrays[key]
        expected_ndim = 2 if key in ("observations", "actions") else 1
        if array.ndim != expected_ndim:
            raise DatasetError(f"{source}: '{key}' has {array.ndim} dimensions, expected {expected_ndim}")
        if len(array) != n:
            raise DatasetError(f"{source}: '{key}' has {len(array)} rows, 'rewards' has {n}")
        if key in ("terminals", "timeouts"):
            if array.dtype != np.bool_:
                raise DatasetError(f"{source}: '{key}' has dtype {array.dtype}, expected bool")
        elif not np.all(np.isfinite(array)):
            raise DatasetError(f"{source}: '{key}' holds non-finite values")
    if not (arrays["terminals"][-1] or arrays["timeouts"][-1]):
        raise DatasetError(f"{source}: the last transition ends no episode (neither terminal nor timeout)")


def make_dataset(observations, actions, rewards, terminals, timeouts) -> Dataset:
    """Build a :class:`Dataset`, casting to the documented dtypes."""
    return Dataset(
        observations=np.asarray(observations, dtype=np.float32),
        actions=np.asarray(actions, dtype=np.float32),
        rewards=np.asarray(rewards, dtype=np.float32).reshape(-1),
        terminals=np.asarray(terminals, dtype=bool).reshape(-1),
        timeouts=np.asarray(timeouts, dtype=bool).reshape(-1),
    )


def _write_hdf5(path: Path, dataset: Dataset) -> None:
    # track_times=False keeps the bytes, and so the sha256, a function of the data alone
    with h5py.File(path, "w", track_order=True) as file:
        for key in KEYS:
            file.create_dataset(key, data=getattr(dataset, key), track_times=False)


def read_dataset(path: str | Path) -> Dataset:
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"dataset file {path} does not exist")
    try:
        with h5py.File(path, "r") as file:
            arrays = {key: file[key][()] for key in KEYS if key in file}
    except (OSError, KeyError) as error:
        raise DatasetError(f"dataset file {path} cannot be read as HDF5 (corrupt or truncated?): {error}") from None
    check_arrays(arrays, source=str(path))
    check_against_sidecar(path)
    return Dataset(**arrays)


def check_against_sidecar(path: str | Path) -> None:
    """Refuse a dataset whose bytes are not those its provenance sidecar recorded (edited or corrupted)."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return
    try:
        recorded = json.loads(sidecar.read_text()).get("sha256")
    except json.JSONDecodeError as error:
        raise DatasetError(f"provenance sidecar {sidecar} is not valid JSON: {error}") from None
    if recorded and recorded != sha256_of(path):
        raise DatasetError(
            f"dataset file {path} does not match the sha256 its sidecar {sidecar.name} records "
            f"({recorded[:12]}...): it was changed after it was written; rerun its dataset stage"
        )


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def summarise(dataset: Dataset) -> dict:
    returns = dataset.episode_returns()
    return {
        "transitions": len(dataset),
        "episodes": len(returns),
        "observation_dim": int(dataset.observations.shape[1]),
        "action_dim": int(dataset.actions.shape[1]),
        "episode_return_mean": float(returns.mean()),
        "episode_return_std": float(returns.std()),
    }


def provenance(
    source: str, environment: str, split: str, settings: dict, seed: int | None, extra: dict | None = None
) -> dict:
    """The sidecar's fields apart from the file's own hash and counts (added on write)."""
    return {
        "source": source,
        "environment": environment,
        "split": split,
        "parameters": settings,
        "seed": seed,
        **(extra or {}),
    }


def write_datasets(items: list[tuple[Path, Dataset, dict]]) -> None:
    """Write several (path, dataset, provenance) at once, each with its JSON sidecar.

    Either every file and sidecar appears, or none does.
    """
    paths: list[Path] = []
    for path, _, _ in items:
        paths += [Path(path), sidecar_path(path)]
    with atomic_outputs(paths) as temporaries:
        for index, (_, dataset, record) in enumerate(items):
            data_tmp, sidecar_tmp = temporaries[2 * index], temporaries[2 * index + 1]
            _write_hdf5(data_tmp, dataset)
            record = {**record, "sha256": sha256_of(data_tmp), **summarise(dataset)}
            sidecar_tmp.write_text(json_text(record))


def sidecar_path(path: str | Path) -> Path:
    return Path(path).with_suffix(".json")


def read_provenance(path: str | Path) -> dict:
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        raise DatasetError(f"provenance sidecar {sidecar} does not exist")
    return json.loads(sidecar.read_text())
