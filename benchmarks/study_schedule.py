"""Benchmark: the study's wall time on N cores, replayed from the stage times of a finished run.

Usage: python benchmarks/study_schedule.py [PROJECT] [--cores 2] [--target study|remedies|all]
       [--scale STAGE=FACTOR ...] [--assume STAGE=SECONDS ...] [--write workflow/stage_seconds.yaml]

PROJECT holds Snakemake's per-stage `benchmarks/STAGE.tsv` from a finished run (default: the
current directory) and the params.yaml it ran with. The DAG of diffirl/dag.py is replayed
with those stage times: a stage starts as soon as its inputs exist and enough cores are free
(each stage takes its torch thread count in cores), longest remaining path first. `--scale`
multiplies a stage's time (a glob: `learn_reward_umaze_*=0.5`) to try a cut before running it;
`--assume` gives a time to stages the run did not reach (a glob too), to plan from a partial run.
`--write` saves the stage times (after `--assume`, before `--scale`) into the file Snakemake
orders its jobs by (diffirl/schedule.py), keeping the entries of stages the run did not time
(a study run leaves the variants' times as they were).
`--target remedies` replays the variants' stages alone, as `make remedies` runs them after
the study. Prints the replayed wall time, each core's busy share and the critical path.
"""

from __future__ import annotations

import argparse
import fnmatch
import heapq
import subprocess
from pathlib import Path

import yaml

from diffirl import dag, paths, schedule
from diffirl.io import write_text


def stage_seconds(project: Path) -> dict[str, float]:
    seconds = {}
    for stage in dag.pipeline_stages():
        file = project / paths.benchmark_file(stage.name)
        if file.is_file():
            rows = file.read_text().splitlines()
            seconds[stage.name] = float(rows[-1].split("\t")[0])
    return seconds


def replay(stages, seconds, threads, cores: int) -> tuple[float, dict[str, tuple[float, float]]]:
    needs, after = schedule.dependencies(stages), schedule.users(stages)
    path = schedule.remaining_path(stages, seconds)
    waiting = {name: set(inputs) for name, inputs in needs.items()}
    ready = [(-path[name], name) for name, inputs in waiting.items() if not inputs]
    heapq.heapify(ready)
    running: list[tuple[float, str]] = []
    clock, free, spans = 0.0, cores, {}
    while ready or running:
        held = []
        while ready:
            priority, name = heapq.heappop(ready)
            need = min(threads[name], cores)
            if need <= free:
                free -= need
                spans[name] = (clock, clock + seconds[name])
                heapq.heappush(running, (clock + seconds[name], name))
            else:
                held.append((priority, name))
        for item in held:
            heapq.heappush(ready, item)
        clock, finished = heapq.heappop(running)
        free += min(threads[finished], cores)
        for user in after[finished]:
            waiting[user].discard(finished)
            if not waiting[user]:
                heapq.heappush(ready, (-path[user], user))
    return clock, spans


def critical_path(stages, seconds) -> list[str]:
    needs = schedule.dependencies(stages)
    finish: dict[str, float] = {}

    def earliest_finish(name: str) -> float:
        if name not in finish:
            finish[name] = seconds[name] + max((earliest_finish(n) for n in needs[name]), default=0.0)
        return finish[name]

    path = [max(needs, key=earliest_finish)]
    while needs[path[-1]]:
        path.append(max(needs[path[-1]], key=earliest_finish))
    return path[::-1]


def write_stage_seconds(path: Path, seconds: dict[str, float], source: str) -> None:
    """Save ``seconds`` for Snakemake's job order; stages this run did not time keep their old entries."""
    kept = (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}
    merged = kept | {name: round(value, 1) for name, value in seconds.items()}
    header = f"# wall seconds per stage {source}"
    if set(kept) - set(seconds):
        header += " (stages that run did not time: from the file before)"
    lines = [header + "; they only order jobs"] + [f"{name}: {merged[name]}" for name in sorted(merged)]
    write_text(path, "\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", nargs="?", default=".")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--target", choices=dag.TARGETS, default="study")
    parser.add_argument("--scale", nargs="*", default=[], metavar="STAGE=FACTOR")
    parser.add_argument("--assume", nargs="*", default=[], metavar="STAGE=SECONDS")
    parser.add_argument("--write", type=Path, help="save the stage times for Snakemake's job order")
    args = parser.parse_args()
    project = Path(args.project).resolve()
    params = yaml.safe_load((project / "params.yaml").read_text())
    stages = dag.target_stages(args.target)
    if args.target == "remedies":  # after the study: its outputs are there
        study = {stage.name for stage in dag.study_stages()}
        stages = [stage for stage in stages if stage.name not in study]
    seconds = stage_seconds(project)
    for item in args.assume:
        pattern, value = item.split("=")
        for name in fnmatch.filter([stage.name for stage in stages], pattern):
            seconds.setdefault(name, float(value))
    missing = [stage.name for stage in stages if stage.name not in seconds]
    if missing:
        raise SystemExit(f"no benchmark file for {len(missing)} stages in {project}/benchmarks: {', '.join(missing)}")
    if args.write:
        commit = subprocess.run(
            ["git", "-C", str(project), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        )
        run = f"{project.name} at {commit.stdout.strip()}" if commit.returncode == 0 else project.name
        write_stage_seconds(args.write, seconds, f"at scale {params['scale']}, from {run}")
    seconds = {name: value for name, value in seconds.items() if name in {stage.name for stage in stages}}
    for item in args.scale:
        pattern, factor = item.split("=")
        for name in fnmatch.filter(seconds, pattern):
            seconds[name] *= float(factor)
    threads = {stage.name: stage.threads(params) for stage in stages}
    wall, spans = replay(stages, seconds, threads, args.cores)
    work = sum(seconds[name] * threads[name] for name in seconds)
    print(f"{len(stages)} stages, {work / 60:.1f} core-minutes of work")
    print(f"replayed wall time on {args.cores} cores: {wall / 60:.1f} min (busy {work / (wall * args.cores):.0%})")
    path = critical_path(stages, seconds)
    print(f"critical path ({sum(seconds[n] for n in path) / 60:.1f} min): " + " -> ".join(path))
    for name in sorted(seconds, key=seconds.get, reverse=True)[:12]:
        print(f"  {name:40s} {seconds[name]:8.0f} s  starts {spans[name][0] / 60:6.1f} min")


if __name__ == "__main__":
    main()
