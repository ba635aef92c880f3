"""Run the study's stages one at a time in a scratch copy of the project, each in its own
process, and record what each took: wall time, peak resident memory, the device, the CUDA
memory it held, and the time its long loops spent (:mod:`diffirl.work_log`).

Stages run exactly as the DAG declares them (their commands, on a ``params.yaml`` of the
probe's settings), one after another so that no two share the machine. A stage that fails is
an error of the code or of a setting: the probe stops there with one line naming the stage,
what it said last and the settings it reads. A stage stopped at the memory or time limit is a
measurement: what depends on it is skipped, everything else runs.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import yaml

from diffirl.dag import Stage
from diffirl.envs.registry import ENVIRONMENTS
from diffirl.probe.work_model import StageCall
from diffirl.work_log import WORK_LOG_VARIABLE

#: how often a running stage's memory and time are checked
POLL_SECONDS = 0.05

COMPLETED, MEMORY_LIMIT, TIME_LIMIT, SKIPPED = "completed", "memory limit", "time limit", "skipped"

#: per stage script, a setting that trades compute for memory and leaves the results as they are
#: (recomputing the chain's activations in the backward pass gives the same gradients): a stage
#: that passes the memory limit is run again with it on, so that the stages after it can run
MEMORY_SAVERS = {"learn_reward": "reward_learning.{environment}.gradient_checkpointing"}


class StageFailed(RuntimeError):
    """A stage exited with an error: the probe stops (one line: the stage, its last words, its settings)."""


@dataclass
class StageRun:
    stage: str
    status: str
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    device: str = ""
    cuda_peak_mb: float | None = None
    note: str = ""
    records: list[dict] = field(default_factory=list)
    #: CPU the machine's other processes used while the stage ran, in cores on average
    other_cpu_cores: float = 0.0


#: cores that other processes may use beyond those the stage leaves idle before its times are
#: flagged: a stage's OpenMP threads slow down many times over when another process takes a
#: core they spin on (a 2-thread diffuser step on 2 cores beside a 1-core job: 18x)
BUSY_MARGIN_CORES = 0.25


def busy_cpu_seconds() -> float:
    """CPU seconds all the machine's cores have spent running processes since boot (steal excluded)."""
    times = psutil.cpu_times()
    return sum(getattr(times, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq"))


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


#: the end of the note on a stage whose times other processes inflated
NOT_QUIET = "its times are not a quiet machine's"


def busy_note(other_cores: float, threads: int) -> str:
    """A warning where other processes took cores the stage's threads needed, else ""."""
    idle = len(os.sched_getaffinity(0)) - threads
    if other_cores <= max(idle, 0) + BUSY_MARGIN_CORES:
        return ""
    return f"other processes used {other_cores:.1f} cores on average while it ran: {NOT_QUIET}"


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a process may end between the listing and the reading
            total += member.memory_info().rss
    return total


def _last_words(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _read_records(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def memory_saver(stage: Stage, settings: dict) -> str | None:
    """The dotted key of the stage's memory-saving setting, if it has one and it is off."""
    call = StageCall.parse(stage.cmd)
    template = MEMORY_SAVERS.get(call.script)
    if template is None:
        return None
    key = template.format(environment=call.arguments[0])
    section = settings
    for part in key.split("."):
        section = section[part] if isinstance(section, dict) else False
    return None if section else key


def with_setting(settings: dict, key: str, value) -> dict:
    changed = copy.deepcopy(settings)
    section = changed
    *parents, last = key.split(".")
    for part in parents:
        section = section[part]
    section[last] = value
    return changed


def run_one(stage: Stage, workdir: Path, threads: int, memory_limit_mb: int, time_limit_s: float) -> StageRun:
    """Run ``stage`` in ``workdir``; raise :class:`StageFailed` if it exits with an error."""
    work_log = workdir / "work" / f"{stage.name}.jsonl"
    log = workdir / "logs" / f"{stage.name}.log"
    for path in (work_log, log):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    environment = os.environ | {WORK_LOG_VARIABLE: str(work_log.resolve()), "OMP_NUM_THREADS": str(threads)}
    started, busy_before, own_before = time.perf_counter(), busy_cpu_seconds(), own_cpu_seconds()
    with log.open("w") as output:
        child = subprocess.Popen(
            shlex.split(stage.cmd),
            cwd=workdir,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        watched = psutil.Process(child.pid)
        peak, stopped = 0, None
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                child.returncode = os.waitstatus_to_exitcode(status)
                break
            peak = max(peak, _tree_rss(watched))
            elapsed = time.perf_counter() - started
            if stopped is None and peak > memory_limit_mb * 2**20:
                stopped = MEMORY_LIMIT
            elif stopped is None and elapsed > time_limit_s:
                stopped = TIME_LIMIT
            if stopped is not None:
                os.killpg(child.pid, signal.SIGKILL)
            time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    stage_cpu = usage.ru_utime + usage.ru_stime + own_cpu_seconds() - own_before
    other_cores = max(0.0, busy_cpu_seconds() - busy_before - stage_cpu) / seconds
    peak_mb = max(peak, usage.ru_maxrss * 1024) / 2**20
    records = _read_records(work_log)
    devices = [r for r in records if "device" in r]
    run = StageRun(
        stage.name,
        stopped or COMPLETED,
        seconds,
        peak_mb,
        devices[-1]["device"] if devices else "",
        devices[-1]["cuda_peak_bytes"] / 2**20 if devices and "cuda_peak_bytes" in devices[-1] else None,
        records=[r for r in records if "loop" in r],
        other_cpu_cores=other_cores,
    )
    if stopped == MEMORY_LIMIT:
        run.note = f"stopped after {seconds:.0f} s: resident memory passed the limit of {memory_limit_mb} MB"
    elif stopped == TIME_LIMIT:
        run.note = f"stopped at the time limit of {time_limit_s:.0f} s; priced from the loop iterations it finished"
    elif child.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise StageFailed(
            "\n".join(tail) + f"\nprobe: stage {stage.name} failed after {seconds:.1f} s: {_last_words(log)} "
            f"(its settings: {', '.join(stage.params)})"
        )
    run.note = "; ".join(filter(None, (run.note, busy_note(other_cores, threads))))
    return run


def topological(stages: list[Stage]) -> list[Stage]:
    """``stages`` in an order where every stage comes after those whose outputs it reads."""
    producer = {out: stage.name for stage in stages for out in stage.all_outputs}
    needs = {stage.name: {producer[d] for d in stage.deps if d in producer} for stage in stages}
    ordered, done = [], set()
    while len(ordered) < len(stages):
        ready = [s for s in stages if s.name not in done and needs[s.name] <= done]
        if not ready:
            raise ValueError("the stages' dependencies form a cycle")
        ordered.append(ready[0])
        done.add(ready[0].name)
    return ordered


#: what the stages read of the project besides params.yaml (the claims read the paper scale's settings)
PROJECT_FOLDERS = ("stages", "scales")


def prepare_workdir(workdir: Path, root: Path, settings: dict) -> None:
    """A scratch project: the probe's settings as params.yaml beside the project's stage scripts and scales."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "params.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    for folder in PROJECT_FOLDERS:
        if not (workdir / folder).exists():
            (workdir / folder).symlink_to((root / folder).resolve(), target_is_directory=True)


def probed_stages(study: list[Stage], environments: list[str]) -> list[Stage]:
    """The study's stages that read only the data of ``environments`` (all of them: every stage)."""
    producer = {out: stage for stage in study for out in stage.all_outputs}
    reads: dict[str, set[str]] = {}
    for stage in topological(study):
        call = StageCall.parse(stage.cmd)
        own = {call.arguments[0]} if call.arguments and call.arguments[0] in ENVIRONMENTS else set()
        reads[stage.name] = own.union(*(reads[producer[d].name] for d in stage.deps if d in producer))
    return [stage for stage in study if reads[stage.name] <= set(environments)]


def run_stages(
    stages: list[Stage],
    workdir: Path,
    root: Path,
    settings: dict,
    threads: dict[str, int],
    memory_limit_mb: int,
    time_limit_s: float,
    report=print,
) -> list[StageRun]:
    """Run ``stages`` in ``workdir`` (a scratch project on ``settings`` with ``root``'s stage scripts), in
    dependency order; a stage whose inputs a stopped stage did not make is skipped."""
    prepare_workdir(workdir, root, settings)
    limits = (memory_limit_mb, time_limit_s)
    #: memory-saving settings a stage needed, by key, with the run that passed the limit
    needed_saver: dict[str, StageRun] = {}
    producer = {out: stage.name for stage in stages for out in stage.all_outputs}
    runs: dict[str, StageRun] = {}
    for stage in topological(stages):
        missing = sorted({producer[d] for d in stage.deps if d in producer and runs[producer[d]].status != COMPLETED})
        if missing:
            runs[stage.name] = StageRun(stage.name, SKIPPED, note=f"needs {', '.join(missing)}, which did not finish")
        elif memory_saver(stage, settings) in needed_saver:  # a sibling of the same sizes did not fit
            key = memory_saver(stage, settings)
            runs[stage.name] = _with_memory_saver(stage, needed_saver[key], key, workdir, settings, threads, limits)
        else:
            runs[stage.name] = run_one(stage, workdir, threads[stage.name], memory_limit_mb, time_limit_s)
            key = memory_saver(stage, settings) if runs[stage.name].status == MEMORY_LIMIT else None
            if key is not None:
                needed_saver[key] = runs[stage.name]
                runs[stage.name] = _with_memory_saver(stage, runs[stage.name], key, workdir, settings, threads, limits)
        done = runs[stage.name]
        report(
            f"probe: {stage.name}: {done.status}, {done.seconds:.1f} s, {done.peak_rss_mb:.0f} MB {done.note}".rstrip()
        )
    return list(runs.values())


def _with_memory_saver(
    stage: Stage, first: StageRun, key: str, workdir: Path, settings: dict, threads: dict, limits: tuple
) -> StageRun:
    """``stage`` run again with the memory-saving ``key`` on; its run, noting the first one's stop."""
    saver = workdir / "params_memory_saver.yaml"
    saver.write_text(yaml.safe_dump(with_setting(settings, key, True), sort_keys=False))
    again = Stage(stage.name, f"{stage.cmd} --params {saver.name}", stage.deps, stage.outs, stage.params)
    run = run_one(again, workdir, threads[stage.name], *limits)
    stopped = f"{first.stage}, as set," if first.stage != stage.name else "as set,"
    run.note = (
        f"{stopped} passed {limits[0]} MB after {first.seconds:.0f} s; priced with {key}: true, which gives the "
        f"same gradients for more compute" + (f" ({run.note})" if run.note else "")
    )
    return run
