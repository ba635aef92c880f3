"""From the probe's measurements to the cost of the full scale, stage by stage.

A stage's time is taken to be a fixed part plus, per long loop, its units of work times the
time of one unit (:mod:`diffirl.probe.work_model`). The probe measures both: the time of one
unit is a loop's own time (without the loops it runs inside it that are priced on their own)
over the units it did; the fixed part is the stage's wall time less its loops'. The projection
at the full scale is the fixed part plus each loop's time per unit times its units there.

Peak memory is the probe's: the sizes that set it (networks, batches, horizons) are the
scale's, the counts the probe capped do not change it. Where a count does set a size this
is a lower bound: the data a dataset stage holds, and an evaluation batch that grows with the
reward learner's kept snapshots (HalfCheetah keeps one every ``snapshot_every`` epochs).
"""

from __future__ import annotations

from dataclasses import dataclass

from diffirl.probe.runner import COMPLETED, SKIPPED, TIME_LIMIT, StageRun
from diffirl.probe.work_model import LoopWork


@dataclass(frozen=True)
class LoopCost:
    stage: str
    loop: str
    unit: str
    #: the units the model counts at the probe's settings, and those the stage reported doing
    probe_units: float
    recorded_units: float
    #: the loop's own time in the probe
    seconds: float
    scale_units: float
    #: the first iterations' time and units, and the rest's, where they can be told apart (a loop
    #: with no priced loop inside it, run more than once); else zero
    first_seconds: float = 0.0
    first_units: float = 0.0
    steady_seconds: float = 0.0
    steady_units: float = 0.0

    @property
    def seconds_per_unit(self) -> float | None:
        """After the first iteration where the probe saw more, which carries one-off costs (kernel
        selection, allocation, caches); over every iteration otherwise."""
        if self.steady_units:
            return self.steady_seconds / self.steady_units
        return self.seconds / self.recorded_units if self.recorded_units else None

    @property
    def projected_seconds(self) -> float | None:
        per_unit = self.seconds_per_unit
        if per_unit is None:
            return None
        if self.steady_units:
            return self.first_seconds + per_unit * max(self.scale_units - self.first_units, 0.0)
        return per_unit * self.scale_units


def _instances(records: list[dict]) -> tuple[dict[int, dict], dict[int, dict]]:
    """The first and the last record of each loop instance (the last: what it had done when it
    ended or was stopped)."""
    first: dict[int, dict] = {}
    final: dict[int, dict] = {}
    for record in records:
        if record["id"] not in first or record["iterations"] < first[record["id"]]["iterations"]:
            first[record["id"]] = record
        if record["id"] not in final or record["iterations"] >= final[record["id"]]["iterations"]:
            final[record["id"]] = record
    return first, final


def loop_costs(run: StageRun, probe_work: list[LoopWork], scale_work: list[LoopWork]) -> list[LoopCost]:
    """Each priced loop's own time and units in the probe, and its units at the scale."""
    priced = {work.loop for work in probe_work}
    first, records = _instances(run.records)

    def priced_ancestor(record: dict) -> int | None:
        parent = record.get("parent")
        while parent is not None and parent in records and records[parent]["loop"] not in priced:
            parent = records[parent].get("parent")
        return parent if parent in records else None

    own = {key: r["seconds"] for key, r in records.items()}
    has_priced_inside = set()
    for record in records.values():
        ancestor = priced_ancestor(record)
        if record["loop"] in priced and ancestor is not None:
            own[ancestor] -= record["seconds"]
            has_priced_inside.add(ancestor)
    scale_units = {work.loop: work.units for work in scale_work}
    costs = []
    for work in probe_work:
        mine = [key for key, r in records.items() if r["loop"] == work.loop]
        steady = [k for k in mine if k not in has_priced_inside and records[k]["iterations"] > first[k]["iterations"]]
        split = bool(steady) and len(steady) == len(mine)
        costs.append(
            LoopCost(
                stage=run.stage,
                loop=work.loop,
                unit=work.unit,
                probe_units=work.units,
                recorded_units=sum(records[k]["iterations"] * records[k]["batch"] for k in mine),
                seconds=sum(own[k] for k in mine),
                scale_units=scale_units[work.loop],
                first_seconds=sum(first[k]["seconds"] for k in mine) if split else 0.0,
                first_units=sum(first[k]["iterations"] * first[k]["batch"] for k in mine) if split else 0.0,
                steady_seconds=sum(records[k]["seconds"] - first[k]["seconds"] for k in mine) if split else 0.0,
                steady_units=sum(
                    (records[k]["iterations"] - first[k]["iterations"]) * records[k]["batch"] for k in mine
                )
                if split
                else 0.0,
            )
        )
    return costs


@dataclass(frozen=True)
class StageCost:
    run: StageRun
    loops: list[LoopCost]
    threads: int
    gpu: bool

    @property
    def fixed_seconds(self) -> float:
        return max(self.run.seconds - sum(loop.seconds for loop in self.loops), 0.0)

    @property
    def projected_seconds(self) -> float | None:
        if self.run.status == SKIPPED or any(loop.projected_seconds is None for loop in self.loops):
            return None
        return self.fixed_seconds + sum(loop.projected_seconds for loop in self.loops)

    @property
    def model_matches(self) -> bool:
        """The work model counted, at the probe's settings, the units the stage did (a stage
        stopped at the time limit did fewer)."""
        if self.run.status != COMPLETED:
            return True
        return all(abs(loop.probe_units - loop.recorded_units) < 0.5 for loop in self.loops)

    def row(self) -> dict:
        projected = self.projected_seconds
        return {
            "stage": self.run.stage,
            "status": self.run.status,
            "device": self.run.device,
            "threads": self.threads,
            "gpu": self.gpu,
            "probe_seconds": round(self.run.seconds, 2),
            "fixed_seconds": round(self.fixed_seconds, 2) if self.run.status != SKIPPED else None,
            "work": "; ".join(
                f"{loop.loop}: {loop.scale_units:.0f} x {loop.seconds_per_unit:.3g} s/{loop.unit}"
                if loop.seconds_per_unit is not None
                else f"{loop.loop}: {loop.scale_units:.0f} {loop.unit}s, none finished in the probe"
                for loop in self.loops
            ),
            "projected_hours": None if projected is None else round(projected / 3600, 4),
            "peak_rss_mb": round(self.run.peak_rss_mb, 1) if self.run.status != SKIPPED else None,
            "cuda_peak_mb": None if self.run.cuda_peak_mb is None else round(self.run.cuda_peak_mb, 1),
            "other_cpu_cores": round(self.run.other_cpu_cores, 2) if self.run.status != SKIPPED else None,
            "note": self.run.note or ("" if self.model_matches else "the work model miscounted this stage's units"),
        }


def total_row(costs: list[StageCost]) -> dict:
    projected = [c.projected_seconds for c in costs if c.projected_seconds is not None]
    unpriced = [c.run.stage for c in costs if c.projected_seconds is None]
    stopped = [c.run.stage for c in costs if c.run.status == TIME_LIMIT]
    notes = []
    if unpriced:
        notes.append(f"without {', '.join(unpriced)} (not priced)")
    if stopped:
        notes.append(f"{len(stopped)} stage(s) priced from a stopped run")
    return {
        "stage": "total",
        "status": "",
        "device": "",
        "threads": None,
        "gpu": None,
        "probe_seconds": round(sum(c.run.seconds for c in costs), 2),
        "fixed_seconds": None,
        "work": "",
        "projected_hours": round(sum(projected) / 3600, 4),
        "peak_rss_mb": round(max((c.run.peak_rss_mb for c in costs), default=0.0), 1),
        "cuda_peak_mb": max((c.run.cuda_peak_mb for c in costs if c.run.cuda_peak_mb is not None), default=None),
        "other_cpu_cores": None,
        "note": "; ".join(notes),
    }
