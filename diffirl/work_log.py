"""The time a stage's long loops spend, for the probe (:mod:`diffirl.probe`) to price a scale by.

A stage does its work in a few long loops (training steps, planning steps, environment steps),
each behind a progress bar or a :func:`timed_work` block. When the probe runs a stage it sets
``DIFFIRL_WORK_LOG`` to a file; every loop then appends one JSON line per iteration done:
the loop's name, how many iterations it has done, how many units of work each one is (the
rollouts planned side by side, the timesteps of an adversarial round), the seconds since
the loop began, and how many loops it runs inside (the plans a closed-loop rollout makes are a
loop inside its steps). A stage the probe stops part-way has still written what it finished.
Without the variable nothing is written and nothing is timed.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

#: the environment variable naming the file the probe reads
WORK_LOG_VARIABLE = "DIFFIRL_WORK_LOG"

_loop_ids = itertools.count()
#: the loops running now, outermost first
_running: list[WorkLoop] = []


def work_log_path() -> Path | None:
    value = os.environ.get(WORK_LOG_VARIABLE)
    return Path(value) if value else None


def _append(record: dict) -> None:
    path = work_log_path()
    if path is not None:
        with path.open("a") as file:
            file.write(json.dumps(record) + "\n")


class WorkLoop:
    """One long loop of a stage, as the probe sees it (nothing is written unless it is watching)."""

    def __init__(self, name: str, batch: int = 1):
        self.name = name
        self.batch = int(batch)
        self.id = next(_loop_ids)
        self.started = time.perf_counter()
        self.watched = work_log_path() is not None
        self.depth = len(_running)
        self.parent = _running[-1].id if _running else None
        _running.append(self)

    def done(self, iterations: int) -> None:
        """``iterations`` done since the loop began (a resumed loop counts only this run's)."""
        if self.watched:
            seconds = time.perf_counter() - self.started
            _append(
                {
                    "loop": self.name,
                    "id": self.id,
                    "depth": self.depth,
                    "parent": self.parent,
                    "iterations": iterations,
                    "batch": self.batch,
                    "seconds": seconds,
                }
            )

    def finish(self) -> None:
        if self in _running:
            _running.remove(self)


@contextmanager
def timed_work(name: str, units: int):
    """A block that does ``units`` units of work at once (a batch of plans), as one iteration."""
    loop = WorkLoop(name, batch=units)
    try:
        yield
        loop.done(1)
    finally:
        loop.finish()


def record_device_at_exit() -> None:
    """When the probe watches, log at exit where the stage ran its networks and the most CUDA memory it held."""
    if work_log_path() is not None:
        atexit.register(_record_device)


def _record_device() -> None:
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available() or not torch.cuda.is_initialized():
        _append({"device": "cpu"})
        return
    _append({"device": torch.cuda.get_device_name(), "cuda_peak_bytes": int(torch.cuda.max_memory_allocated())})
