"""Benchmark: wall time of a no-op `dvc status` in a built project, and what DVC spends it on.

Usage: python benchmarks/dvc_status.py [PROJECT] [--repeat 3]

PROJECT is a directory where `dvc repro` has finished (default: the current one).
Prints the best wall time and the share spent parsing YAML (params.yaml is re-read for every stage).
"""

from __future__ import annotations

import argparse
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", nargs="?", default=".")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    project = Path(args.project).resolve()
    dvc = [sys.executable, "-m", "dvc"]
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        subprocess.run([*dvc, "status", "-q"], cwd=project, check=False)
        times.append(time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as scratch:
        profile = Path(scratch) / "status.prof"
        subprocess.run([*dvc, "status", "-q", "--cprofile-dump", str(profile)], cwd=project, check=False)
        stats = pstats.Stats(str(profile))
        total = stats.total_tt
        yaml = sum(entry[3] for key, entry in stats.stats.items() if key[2] == "parse_yaml")
    from ruamel.yaml import YAML

    print(f"no-op dvc status in {project}: best {min(times):.2f} s of {args.repeat}")
    print(f"YAML parsing: {yaml:.2f} s of {total:.2f} s profiled; parser {YAML(typ='safe').Parser.__module__}")


if __name__ == "__main__":
    main()
