"""Atomic file output: every file the pipeline writes appears whole or not at all.

Stages write into temporary names beside the final paths and rename them only once
everything succeeded, so an interrupted or failing stage leaves no half-written output
behind (and no stale output from an earlier run at a path it was rewriting).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _temporary_sibling(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def _default_mode() -> int:
    """The mode a plain new file gets under the process's umask (mkstemp's own is 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path; on success rename it onto ``path``, on failure delete it."""
    with atomic_outputs([path]) as (temporary,):
        yield temporary


@contextlib.contextmanager
def atomic_outputs(paths: list[str | os.PathLike]) -> Iterator[list[Path]]:
    """Like :func:`atomic_path` for several files that must appear together.

    Any existing file at a final path is removed first, so that a failure never
    leaves an old output next to new ones.
    """
    finals = [Path(p) for p in paths]
    for final in finals:
        final.unlink(missing_ok=True)
    temporaries = [_temporary_sibling(final) for final in finals]
    try:
        yield temporaries
        mode = _default_mode()
        for temporary in temporaries:
            os.chmod(temporary, mode)  # readable by the group, as any other file the user writes
        for temporary, final in zip(temporaries, finals):
            os.replace(temporary, final)
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


def json_text(payload: object) -> str:
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def write_json(path: str | os.PathLike, payload: object) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json_text(payload))


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_csv(path: str | os.PathLike, rows: list[dict], fieldnames: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames)
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buffer.getvalue())


def torch_bytes(payload: object) -> bytes:
    """``torch.save`` of ``payload`` into memory: the same payload gives the same bytes.

    (Saved to a file, torch names the archive's folder after the file, here a random
    temporary name, so every rerun would change the model file's hash.)
    """
    import torch

    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def write_torch(path: str | os.PathLike, payload: object) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(torch_bytes(payload))


def write_csv_frame(path: str | os.PathLike, frame) -> None:
    """A pandas DataFrame as CSV (4 decimals), atomically."""
    write_text(path, frame.to_csv(index=False, float_format="%.4f"))
