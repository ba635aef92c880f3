"""Benchmark: peak memory (RSS) and wall time of each evaluation stage, re-run in a built project.

Usage: python benchmarks/evaluation_memory.py PROJECT [--stages evaluate_umaze ...]
(with the project's environment: PROJECT/.venv/bin/python)

PROJECT is a directory where the study has finished (`make study`, any scale). Each
evaluation stage is run again there, alone, in a child process (its outputs are
rewritten with the same bytes: every stage is deterministic and writes atomically), and
the benchmark prints the child's peak RSS, its wall time, and whether its outputs kept
their bytes. Run it on a quiet machine, one heavy job at a time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from diffirl.data.format import sha256_of
from diffirl.reports.provenance import cpu_model

EVALUATION_STAGES = (
    "evaluate_umaze",
    "evaluate_large",
    "evaluate_halfcheetah",
    "evaluate_baselines_umaze",
    "evaluate_baselines_large",
    "evaluate_baselines_halfcheetah",
)


def digest(path: Path) -> str:
    return sha256_of(path) if path.is_file() else "missing"


def run_stage(project: Path, name: str) -> tuple[float, float, bool]:
    """(peak RSS in MB, wall seconds, outputs unchanged) of one stage run in a fresh process."""
    from diffirl.dag import study_stages

    stage = {s.name: s for s in study_stages()}[name]
    outputs = [project / out for out in stage.all_outputs]
    before = {out: digest(out) for out in outputs}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, *stage.cmd.split()[1:]], cwd=project, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak (ru_maxrss, in KB on Linux)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{name} failed (status {status})")
    return usage.ru_maxrss / 1024, seconds, all(digest(out) == before[out] for out in outputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--stages", nargs="+", default=list(EVALUATION_STAGES))
    args = parser.parse_args()
    project = args.project.resolve()
    print(f"{cpu_model()}, {os.cpu_count()} cores; project {project}")
    print(f"{'stage':34s} {'peak RSS (MB)':>14s} {'wall (s)':>9s}  outputs")
    for name in args.stages:
        peak, seconds, same = run_stage(project, name)
        print(f"{name:34s} {peak:14,.0f} {seconds:9.1f}  {'same bytes' if same else 'CHANGED'}", flush=True)


if __name__ == "__main__":
    main()
