"""Atomic file output: every file the pipeline writes appears whole or not at all.

Stages write into temporary names beside the final paths and rename them only once
everything succeeded, so an interrupted or failing stage leaves no half-written output
behind (and no stale output from an earlier run at a path it was rewriting).

A stage runs inside :func:`stage_outputs`, which holds back every rename until the whole
stage succeeded: a stage commits all of its outputs or none. Resume state (checkpoints)
and downloads are written with ``commit_now=True``: they must survive a failed run.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: (temporary, final) renames held back by the stage transaction in progress, if any
_held_back: list[tuple[Path, Path]] | None = None


def _temporary_sibling(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):  # left by a killed run
        if _held_back is None or all(stale != temporary for temporary, _ in _held_back):
            stale.unlink(missing_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(name)


def _commit(renames: list[tuple[Path, Path]]) -> None:
    mode = _default_mode()
    for temporary, _ in renames:
        os.chmod(temporary, mode)  # readable by the group, as any other file the user writes
    for temporary, final in renames:
        os.replace(temporary, final)


@contextlib.contextmanager
def stage_outputs() -> Iterator[None]:
    """Hold back every output written inside the block; rename them all only if it succeeds.

    A stage that fails or is interrupted part-way (an exception, ``sys.exit``, Ctrl-C)
    leaves none of its outputs, rather than some new ones beside missing ones. (A
    ``kill -9`` leaves hidden ``.NAME.*.tmp`` files, removed by the next write of NAME.)
    """
    global _held_back
    if _held_back is not None:
        raise RuntimeError("stage_outputs() does not nest")
    _held_back = []
    try:
        yield
        _commit(_held_back)
    finally:
        for temporary, _ in _held_back:
            temporary.unlink(missing_ok=True)
        _held_back = None


def written(path: str | os.PathLike) -> Path:
    """Where ``path``'s new content is now: its temporary name while the stage's outputs are held back."""
    final = Path(path)
    for temporary, held in reversed(_held_back or []):
        if held == final:
            return temporary
    return final


def _default_mode() -> int:
    """The mode a plain new file gets under the process's umask (mkstemp's own is 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, commit_now: bool = False) -> Iterator[Path]:
    """Yield a temporary path; on success rename it onto ``path``, on failure delete it.

    Inside :func:`stage_outputs` the rename waits for the stage's end, unless ``commit_now``.
    """
    with atomic_outputs([path], commit_now) as (temporary,):
        yield temporary


@contextlib.contextmanager
def atomic_outputs(paths: list[str | os.PathLike], commit_now: bool = False) -> Iterator[list[Path]]:
    """Like :func:`atomic_path` for several files that must appear together.

    Any existing file at a final path is removed first, so that a failure never
    leaves an old output next to new ones.
    """
    finals = [Path(p) for p in paths]
    for final in finals:
        final.unlink(missing_ok=True)
    temporaries = [_temporary_sibling(final) for final in finals]
    renames = list(zip(temporaries, finals))
    held = False
    try:
        yield temporaries
        if _held_back is None or commit_now:
            _commit(renames)
        else:
            _held_back.extend(renames)
            held = True
    finally:
        if not held:
            for temporary in temporaries:
                temporary.unlink(missing_ok=True)


def json_text(payload: object) -> str:
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def read_json(path: str | os.PathLike):
    return json.loads(Path(path).read_text())


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


def write_torch(path: str | os.PathLike, payload: object, commit_now: bool = False) -> None:
    with atomic_path(path, commit_now) as tmp:
        tmp.write_bytes(torch_bytes(payload))


def write_csv_frame(path: str | os.PathLike, frame) -> None:
    """A pandas DataFrame as CSV (4 decimals), atomically."""
    write_text(path, frame.to_csv(index=False, float_format="%.4f"))
