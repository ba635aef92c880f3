"""The thesis's claims, each decided from a results table: on our run and on the thesis's own numbers.

A verdict on our run uses the paired intervals where the claim is about a difference
("above", "does not beat"); the thesis published no paired statistics, so its verdict
compares means and stds. A claim whose table or rows are missing is "not built yet".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from diffirl.methods import METHODS
from diffirl.metrics import finite_or_none
from diffirl.reports.budget_cuts import cuts_for
from diffirl.reports.results import RESULTS_TABLES

HOLDS, FAILS, MISSING = "holds", "does not hold", "not built yet"

#: the methods the thesis's claims are about; a method added to the registry is compared in
#: the tables but is not judged by claims the thesis made about others
THESIS_LOSSES = ("mse", "mmd_gauss", "mmd_matern")
THESIS_BASELINES = ("bc", "gail", "airl")


class Row:
    """One method's numbers from a results table, ours or the thesis's."""

    def __init__(self, table: pd.DataFrame, key: str, source: str, column: str):
        found = table[table["method"] == key]
        record = found.iloc[0].to_dict() if len(found) else {}
        prefix = "thesis_" if source == "thesis" else ""
        number = lambda name: finite_or_none(record.get(name))
        self.mean, self.std = number(f"{prefix}{column}_mean"), number(f"{prefix}{column}_std")
        self.erc = number(f"{prefix}erc")
        self.vs = (
            {
                ref: (number(f"vs_{ref}_mean"), number(f"vs_{ref}_low"), number(f"vs_{ref}_high"))
                for ref in ("base", "true")
            }
            if source == "ours"
            else {}
        )


#: (verdict or None for missing numbers, the numbers that decided it)
Decision = tuple[bool | None, str]
Check = Callable[[Callable[[str], Row], str], Decision]


@dataclass(frozen=True)
class Claim:
    table: int
    text: str
    check: Check
    #: the methods whose rows decide it
    methods: tuple[str, ...]


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def within_one_std_of_true(loss: str) -> Check:
    def check(row, source):
        learnt, true = row(loss), row("true")
        if None in (learnt.mean, true.mean, true.std):
            return None, ""
        gap = learnt.mean - true.mean
        return abs(gap) <= true.std, f"{METHODS[loss].short_label} - true = {_fmt(gap)}; true std {_fmt(true.std)}"

    return check


def above(name: str, reference: str) -> Check:
    """``name`` scores higher than ``reference``: the paired interval above zero (ours), the mean (thesis)."""

    def check(row, source):
        mine, ref = row(name), row(reference)
        if source == "ours":
            mean, low, high = mine.vs.get(reference, (None,) * 3)
            if mean is None:
                return None, ""
            if low is None:  # a single rollout has no interval
                return mean > 0, f"paired difference {_fmt(mean)} (one rollout, no interval)"
            return low > 0, f"paired difference {_fmt(mean)} [{_fmt(low)}, {_fmt(high)}]"
        if None in (mine.mean, ref.mean):
            return None, ""
        return mine.mean > ref.mean, f"{_fmt(mine.mean)} vs {_fmt(ref.mean)}"

    return check


def not_above(name: str, reference: str) -> Check:
    """``name`` does not beat ``reference``: ours, the paired interval reaches zero; thesis, within one std.

    Where the table has a best-of-checkpoints row for ``name`` (the thesis's choice), that row is
    judged: the claim then holds even for the most favourable network.
    """

    def check(row, source):
        best = row(f"{name}_best")
        mine, which = (best, " (best checkpoint)") if best.mean is not None else (row(name), "")
        ref = row(reference)
        if source == "ours":
            mean, low, high = mine.vs.get(reference, (None,) * 3)
            if mean is None:
                return None, ""
            if low is None:
                return mean <= 0, f"paired difference{which} {_fmt(mean)} (one rollout, no interval)"
            return low <= 0, f"paired difference{which} {_fmt(mean)} [{_fmt(low)}, {_fmt(high)}]"
        if None in (mine.mean, ref.mean, ref.std):
            return None, ""
        return mine.mean - ref.mean <= ref.std, f"{_fmt(mine.mean)} vs {_fmt(ref.mean)} (std {_fmt(ref.std)})"

    return check


def erc_below(name: str, other: str) -> Check:
    def check(row, source):
        a, b = row(name).erc, row(other).erc
        if None in (a, b):
            return None, ""
        return a < b, f"ERC {_fmt(a)} vs {_fmt(b)}"

    return check


def lowest_erc(name: str) -> Check:
    def check(row, source):
        ercs = {loss: row(loss).erc for loss in THESIS_LOSSES}
        if None in ercs.values():
            return None, ""
        return min(ercs, key=ercs.get) == name, ", ".join(f"{loss} {_fmt(e)}" for loss, e in ercs.items())

    return check


def baselines_beat_method(row, source) -> Decision:
    learnt = {loss: row(loss).mean for loss in THESIS_LOSSES}
    baselines = {name: row(name).mean for name in THESIS_BASELINES}
    if None in (*learnt.values(), *baselines.values()):
        return None, ""
    return (
        min(baselines.values()) > max(learnt.values()),
        f"worst baseline {_fmt(min(baselines.values()))} vs best learnt reward {_fmt(max(learnt.values()))}",
    )


def thesis_claims() -> list[Claim]:
    claims = [Claim(1, "true-reward guidance beats the base diffuser", above("true", "base"), ("true", "base"))]
    for loss in THESIS_LOSSES:
        label = METHODS[loss].short_label
        claims += [
            Claim(
                1,
                f"{label} guides within one std of true-reward guidance",
                within_one_std_of_true(loss),
                (loss, "true"),
            ),
            Claim(1, f"{label} guides above the base diffuser", above(loss, "base"), (loss, "base")),
            Claim(1, f"{label}'s ERC is below AIRL's", erc_below(loss, "airl"), (loss, "airl")),
        ]
    claims.append(
        Claim(1, "MMD-Matern's ERC is the lowest of the learnt rewards", lowest_erc("mmd_matern"), THESIS_LOSSES)
    )
    claims.append(Claim(2, "true-reward guidance beats the base diffuser", above("true", "base"), ("true", "base")))
    for number in (2, 4):
        claims += [
            Claim(
                number,
                f"{METHODS[loss].short_label} does not beat the base diffuser",
                not_above(loss, "base"),
                (loss, "base"),
            )
            for loss in THESIS_LOSSES
        ]
        claims.append(
            Claim(
                number,
                "every baseline beats every learnt reward",
                baselines_beat_method,
                THESIS_LOSSES + THESIS_BASELINES,
            )
        )
    return claims


def verdict(decision: bool | None) -> str:
    return MISSING if decision is None else HOLDS if decision else FAILS


def build_claims(
    tables: dict[int, pd.DataFrame | None], ours: dict | None = None, thesis: dict | None = None
) -> pd.DataFrame:
    """Every claim's verdicts; with ``ours`` and ``thesis`` (the run's params tree and the paper
    scale's) also the settings cut for time that move the rows deciding it (``cut_for_time``)."""
    rows = []
    for claim in thesis_claims():
        spec = RESULTS_TABLES[claim.table]
        table = tables.get(claim.table)
        record = {"table": claim.table, "environment": spec.environment, "claim": claim.text}
        for source in ("ours", "thesis"):
            if table is None:
                decision, evidence = None, ""
            else:
                decision, evidence = claim.check(lambda key: Row(table, key, source, spec.column), source)
            record |= {f"{source}_verdict": verdict(decision), f"{source}_evidence": evidence}
        if ours is not None and thesis is not None:
            record["cut_for_time"] = "; ".join(cuts_for(spec.environment, claim.methods, ours, thesis))
        rows.append(record)
    return pd.DataFrame(rows)
