"""Resumable training state on disk, tied to the settings, data and code that produced it."""

from __future__ import annotations

import functools
import hashlib
import json
import random
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from diffirl.io import write_torch

PACKAGE = Path(__file__).resolve().parent


@functools.cache
def code_version() -> str:
    """A hash of the package's source: a checkpoint written by other code is not resumed.

    Coarse on purpose: any edit of ``diffirl`` (a loss multiplied by 100, a new sampler)
    makes training start afresh rather than finish a run the old code began.
    """
    digest = hashlib.sha256()
    for source in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(source.relative_to(PACKAGE)).encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def fingerprint(*parts: object) -> dict[str, str]:
    """Identities of JSON-able settings and data, and of the code: a checkpoint resumes only under the same."""
    inputs = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return {"settings and data": inputs, "code": code_version()}


def save_checkpoint(path: Path, state: dict) -> None:
    write_torch(path, state, commit_now=True)  # resume state outlives a failed run


Fingerprint = dict[str, str] | str


def load_checkpoint(path: Path, expected_fingerprint: Fingerprint, device: torch.device | str = "cpu") -> dict | None:
    """The saved state, or None (saying why) if there is none or it was written under another fingerprint."""
    path = Path(path)
    if not path.is_file():
        return None
    state = torch.load(path, map_location=device, weights_only=False)
    saved = state.get("fingerprint")
    if saved != expected_fingerprint:
        if isinstance(saved, dict) and isinstance(expected_fingerprint, dict):
            changed = [name for name in expected_fingerprint if saved.get(name) != expected_fingerprint[name]]
        else:
            changed = ["settings, data or code"]
        tqdm.write(f"not resuming from {path}: it was written under other {' and '.join(changed)}; starting afresh")
        return None
    return state


def global_rng_state() -> dict:
    """The process-wide generators (torch, NumPy, Python) that library code draws from."""
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}


def set_global_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
