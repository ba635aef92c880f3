"""Hand a finished run from one front end to the other, so that both agree on what is up to date.

Each front end keeps its own record of what it ran: DVC the hashes in ``dvc.lock``,
Snakemake the params, code and input checksums in ``.snakemake/metadata``. Neither reads
the other's. After a DVC run, Snakemake has no record and judges by modification times
alone (a params edit goes unnoticed; a ``git checkout`` of an unchanged file re-runs
everything after it); after a Snakemake run, DVC sees every stage as new.

``python -m diffirl.sync dvc`` after ``dvc repro``: checks that ``dvc status`` is clean,
then records Snakemake's metadata for the outputs as they are (``snakemake --touch``).
``python -m diffirl.sync snakemake`` after a Snakemake run: checks that Snakemake has
nothing left to do, then records the outputs in ``dvc.lock`` (as ``dvc commit`` does).
``--target study``, ``remedies`` or ``conventions`` limits both to the stages that target
needs (``make study``, ``make remedies`` and ``make conventions`` build no more). Afterwards a params edit, a code edit or a touched but unchanged file looks the same to both.

A record ends by noting the size and modification time of every file it covered; when
none has changed since (a second ``make study`` that ran nothing), there is nothing new to
record and the sync returns at once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from diffirl.dag import TARGETS
from diffirl.io import write_text

#: where a finished record notes the files it covered (DVC's own scratch folder, never versioned)
RECORDS = Path(".dvc") / "tmp"


class OutOfDateError(RuntimeError):
    """The front end that ran last still has work to do: its outputs must not be recorded as current."""


def _run(*command: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout + result.stderr


def _stage_names(target: str) -> list[str]:
    from diffirl.dag import target_stages

    return [stage.name for stage in target_stages(target)]


def fingerprint(target: str) -> str:
    """A digest of the size and modification time of every file the target's stages read or
    write, and of both front ends' declarations and DVC's lock: equal digests, nothing to record."""
    from diffirl.dag import target_stages

    files = {"dvc.yaml", "dvc.lock", "params.yaml"}
    for stage in target_stages(target):
        files.update(stage.deps, stage.all_outputs)
    digest = hashlib.sha256()
    for name in sorted(files):
        try:
            status = os.stat(name)
            digest.update(f"{name}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
        except FileNotFoundError:
            digest.update(f"{name}\0missing\n".encode())
    return digest.hexdigest()


def _record_file(ran: str, target: str) -> Path:
    return RECORDS / f"diffirl-sync-{ran}-{target}.json"


def already_recorded(ran: str, target: str) -> bool:
    record = _record_file(ran, target)
    return record.is_file() and json.loads(record.read_text()).get("fingerprint") == fingerprint(target)


def note_recorded(ran: str, target: str) -> None:
    write_text(_record_file(ran, target), json.dumps({"fingerprint": fingerprint(target)}) + "\n")


def from_dvc(target: str = "all") -> None:
    from diffirl.dag import final_stages

    status = _run("dvc", "status", "--with-deps", *final_stages(target))
    if "up to date" not in status:
        raise OutOfDateError(f"dvc status is not clean; run `dvc repro` first:\n{status[-2000:]}")
    # the target first: Snakemake's --quiet takes optional words and would swallow it
    _run("snakemake", target, "--touch", "--forceall", "--cores", "1", "--quiet")


def from_snakemake(target: str = "all") -> None:
    plan = _run("snakemake", target, "--dry-run", "--quiet")
    if "Nothing to be done" not in plan:
        raise OutOfDateError(f"Snakemake still has jobs to run; run `snakemake {target}` first:\n{plan[-2000:]}")
    _commit_to_dvc(_stage_names(target))


def _commit_to_dvc(stage_names: list[str]) -> None:
    """What `dvc commit --force NAME...` does, with dvc.lock written once instead of once per stage
    and the outputs left as they are (same bytes, same modification times).

    DVC rewrites the whole lock (a round-trip YAML parse and dump of some 13,000 lines, about 2 s)
    for every target it is given: 151 s for the 70 smoke stages, against 27 s for the whole sync.
    """
    from dvc.repo import Repo, lock_repo

    logging.getLogger("dvc").setLevel(logging.WARNING)  # as the CLI's --quiet
    with Repo() as repo, lock_repo(repo):
        stages = [stage for name in stage_names for stage in repo.stage.collect(name)]
        for stage in stages:
            stage.save()
            # relink=False: the cache gets a copy and the outputs stay untouched; re-linking
            # rewrote them, and their new modification times made Snakemake re-plan the study
            stage.commit(relink=False)
        stages[0].dvcfile.dump_stages(stages, update_pipeline=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ran", choices=("dvc", "snakemake"), help="the front end that built the outputs")
    parser.add_argument(
        "--target", choices=TARGETS, default="all", help="what it built: everything, the study or a group of variants"
    )
    args = parser.parse_args(argv)
    if already_recorded(args.ran, args.target):
        print(f"nothing new to record: no file of the {args.target} target changed since the last sync")
        return
    try:
        from_dvc(args.target) if args.ran == "dvc" else from_snakemake(args.target)
    except (OutOfDateError, RuntimeError) as error:
        sys.exit(f"error: {error}")
    note_recorded(args.ran, args.target)
    print(f"recorded the outputs of the {args.ran} run for the other front end")


if __name__ == "__main__":
    main()
