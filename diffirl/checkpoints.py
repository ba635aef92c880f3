"""Resumable training state on disk, tied to the settings and data that produced it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from tqdm import tqdm

from diffirl.io import atomic_path


def fingerprint(*parts: object) -> str:
    """A hash of JSON-able settings and data identities: a checkpoint resumes only under the same one."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def save_checkpoint(path: Path, state: dict) -> None:
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: Path, expected_fingerprint: str, device: torch.device | str = "cpu") -> dict | None:
    """The saved state, or None if there is none or it was written under another fingerprint."""
    path = Path(path)
    if not path.is_file():
        return None
    state = torch.load(path, map_location=device, weights_only=False)
    if state.get("fingerprint") != expected_fingerprint:
        tqdm.write(f"ignoring {path}: written under other settings or data")
        return None
    return state
