"""Which stage to start first when cores are scarce: the one with the longest work still behind it.

Snakemake starts ready jobs by its own order, which knows nothing of how long a stage runs;
on 2 cores it ran the U-Maze chain last in a default study and ended 10 minutes later than
longest-path-first. `workflow/stage_seconds.yaml` holds each stage's measured wall time at
the default scale (rewritten by `benchmarks/study_schedule.py PROJECT --write`); a stage's
priority is the length, in seconds, of the longest path from it to the end of the DAG. The
times only order jobs: outputs never depend on them, and a missing or stale file only makes
the order worse.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from diffirl import dag

STAGE_SECONDS = Path(__file__).resolve().parent.parent / "workflow" / "stage_seconds.yaml"


def dependencies(stages: list[dag.Stage]) -> dict[str, set[str]]:
    """Stage name -> the stages producing its inputs."""
    producer = {out: stage.name for stage in stages for out in stage.all_outputs}
    return {stage.name: {producer[d] for d in stage.deps if d in producer} for stage in stages}


def users(stages: list[dag.Stage]) -> dict[str, set[str]]:
    """Stage name -> the stages reading its outputs."""
    result: dict[str, set[str]] = {stage.name: set() for stage in stages}
    for name, inputs in dependencies(stages).items():
        for upstream in inputs:
            result[upstream].add(name)
    return result


def remaining_path(stages: list[dag.Stage], seconds: dict[str, float]) -> dict[str, float]:
    """Stage name -> its own time plus the longest chain of times after it."""
    after = users(stages)
    memo: dict[str, float] = {}

    def longest(name: str) -> float:
        if name not in memo:
            memo[name] = seconds.get(name, 0.0) + max((longest(u) for u in after[name]), default=0.0)
        return memo[name]

    return {stage.name: longest(stage.name) for stage in stages}


def load_seconds(path: Path = STAGE_SECONDS) -> dict[str, float]:
    if not path.is_file():
        return {}
    return {str(name): float(value) for name, value in (yaml.safe_load(path.read_text()) or {}).items()}


def priorities(stages: list[dag.Stage] | None = None, seconds: dict[str, float] | None = None) -> dict[str, int]:
    """Stage name -> Snakemake priority (higher starts first): its remaining path in seconds."""
    stages = dag.pipeline_stages() if stages is None else stages
    seconds = load_seconds() if seconds is None else seconds
    return {name: int(round(value)) for name, value in remaining_path(stages, seconds).items()}
