"""The ``d4rl`` source: download D4RL's HDF5 files, verify them, convert to our format.

No part of the ``d4rl`` package is used (it cannot be imported without mujoco-py);
the files are plain HDF5 read with h5py.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.request
from pathlib import Path

import h5py
import numpy as np

from diffirl.data.format import Dataset, DatasetError, make_dataset
from diffirl.envs.registry import EnvironmentSpec
from diffirl.io import atomic_path
from diffirl.params.schema import RemoteFile


class DownloadError(RuntimeError):
    """The file could not be fetched whole, or is not the file that was asked for."""


def download(remote: RemoteFile, destination: Path) -> str:
    """Fetch ``remote`` to ``destination`` (atomically) and return its sha256.

    Raises :class:`DownloadError` for an unreachable host, an HTTP error, a body
    shorter than the announced length, or a sha256 other than ``remote.sha256``.
    """
    url = str(remote.url)
    digest = hashlib.sha256()
    try:
        with (
            atomic_path(destination, commit_now=True) as tmp,
            urllib.request.urlopen(url, timeout=remote.timeout_s) as response,
        ):
            announced = response.headers.get("Content-Length")
            received = 0
            with open(tmp, "wb") as file:
                for block in iter(lambda: response.read(1 << 20), b""):
                    file.write(block)
                    digest.update(block)
                    received += len(block)
            if announced is not None and received != int(announced):
                raise DownloadError(f"download of {url} is truncated: got {received} of {announced} bytes")
            actual = digest.hexdigest()
            if remote.sha256 is not None and actual != remote.sha256:
                raise DownloadError(f"sha256 of {url} is {actual}, expected {remote.sha256}")
    except urllib.error.HTTPError as error:
        raise DownloadError(f"{url}: the server answered HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise DownloadError(f"cannot reach the host of {url}: {error.reason}") from None
    except TimeoutError:
        raise DownloadError(f"{url}: no answer within {remote.timeout_s} s") from None
    except (ConnectionError, http.client.HTTPException) as error:  # e.g. IncompleteRead
        raise DownloadError(f"download of {url} broke off (truncated): {error!r}") from None
    return actual


def _goal_change_boundaries(goals: np.ndarray) -> np.ndarray:
    """D4RL's maze2d files are one stream; like the Diffuser, end an episode where the goal changes."""
    changed = np.any(goals[1:] != goals[:-1], axis=1)
    return np.concatenate([changed, [True]])


def read_d4rl_file(path: Path, spec: EnvironmentSpec, origin: str | None = None) -> Dataset:
    """Read a D4RL file; errors name ``origin`` (the URL it came from) rather than a scratch path."""
    origin = origin or str(path)
    try:
        with h5py.File(path, "r") as file:
            arrays = {key: file[key][()] for key in ("observations", "actions", "rewards", "terminals") if key in file}
            timeouts = file["timeouts"][()] if "timeouts" in file else None
            goals = file["infos/goal"][()] if "infos/goal" in file else None
    except OSError as error:
        raise DatasetError(f"{origin} is not a readable HDF5 file (corrupt or truncated?): {error}") from None
    missing = {"observations", "actions", "rewards", "terminals"} - set(arrays)
    if missing:
        raise DatasetError(f"{origin} lacks D4RL arrays {sorted(missing)}")
    n = len(arrays["rewards"])
    terminals = arrays["terminals"].astype(bool)
    timeouts = np.zeros(n, dtype=bool) if timeouts is None else timeouts.astype(bool)
    observations, actions = arrays["observations"], arrays["actions"]
    if spec.kind.d4rl_terminals_are_goals:
        # the agent carries on after a "terminal"
        timeouts = _goal_change_boundaries(goals) if goals is not None else timeouts
        terminals = np.zeros(n, dtype=bool)
    observations, actions = spec.kind.from_d4rl_frame(spec, observations, actions)
    timeouts[-1] |= not terminals[-1]
    return make_dataset(observations, actions, arrays["rewards"], terminals, timeouts)


def load_from_d4rl(spec: EnvironmentSpec, remotes: dict[str, RemoteFile], scratch: Path) -> tuple[dict, dict]:
    """Download and convert every split; return ``({split: Dataset}, {split: provenance extras})``."""
    datasets, extras = {}, {}
    for split in spec.splits:
        raw = scratch / f".{split}.d4rl.hdf5"
        try:
            sha = download(remotes[split], raw)
            datasets[split] = read_d4rl_file(raw, spec, origin=str(remotes[split].url))
        finally:
            raw.unlink(missing_ok=True)
        extras[split] = {
            "url": str(remotes[split].url),
            "download_sha256": sha,
            "sha256_verified": remotes[split].sha256 is not None,
        }
    return datasets, extras
