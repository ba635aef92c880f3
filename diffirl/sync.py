"""Hand a finished run from one front end to the other, so that both agree on what is up to date.

Each front end keeps its own record of what it ran: DVC the hashes in ``dvc.lock``,
Snakemake the params, code and input checksums in ``.snakemake/metadata``. Neither reads
the other's. After a DVC run, Snakemake has no record and judges by modification times
alone (a params edit goes unnoticed; a ``git checkout`` of an unchanged file re-runs
everything after it); after a Snakemake run, DVC sees every stage as new.

``python -m diffirl.sync dvc`` after ``dvc repro``: checks that ``dvc status`` is clean,
then records Snakemake's metadata for the outputs as they are (``snakemake --touch``).
``python -m diffirl.sync snakemake`` after a Snakemake run: checks that Snakemake has
nothing left to do, then records the outputs in ``dvc.lock`` (``dvc commit``).
Afterwards a params edit, a code edit or a touched but unchanged file looks the same to both.
"""

from __future__ import annotations

import argparse
import subprocess
import sys


class OutOfDateError(RuntimeError):
    """The front end that ran last still has work to do: its outputs must not be recorded as current."""


def _run(*command: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout + result.stderr


def from_dvc() -> None:
    status = _run("dvc", "status")
    if "up to date" not in status:
        raise OutOfDateError(f"dvc status is not clean; run `dvc repro` first:\n{status[-2000:]}")
    _run("snakemake", "--touch", "--forceall", "--cores", "1", "--quiet")


def from_snakemake() -> None:
    plan = _run("snakemake", "--dry-run", "--quiet")
    if "Nothing to be done" not in plan:
        raise OutOfDateError(f"Snakemake still has jobs to run; run `snakemake` first:\n{plan[-2000:]}")
    _run("dvc", "commit", "--force", "--quiet")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ran", choices=("dvc", "snakemake"), help="the front end that built the outputs")
    args = parser.parse_args(argv)
    try:
        from_dvc() if args.ran == "dvc" else from_snakemake()
    except (OutOfDateError, RuntimeError) as error:
        sys.exit(f"error: {error}")
    print(f"recorded the outputs of the {args.ran} run for the other front end")


if __name__ == "__main__":
    main()
