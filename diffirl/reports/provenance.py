"""The run's provenance: commit, settings, package versions, machine, datasets, and measured stage costs."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

#: the packages whose versions decide the numbers
PACKAGES = (
    "torch",
    "numpy",
    "gymnasium",
    "mujoco",
    "gymnasium-robotics",
    "stable-baselines3",
    "imitation",
    "dvc",
    "snakemake",
)


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def provenance(params_path: Path, sidecars: list[Path]) -> dict:
    """Commit and tree state, scale, params hash, package versions, machine, datasets."""
    import torch

    status = _git("status", "--porcelain", "--untracked-files=no")
    params_text = params_path.read_text()
    scale = re.search(r"^scale:\s*(\S+)", params_text, re.MULTILINE)
    cpu = cpu_model()
    datasets = []
    for sidecar in sidecars:
        record = json.loads(sidecar.read_text())
        datasets.append(
            {
                "file": str(sidecar.with_suffix(".hdf5")),
                "source": record.get("source"),
                "sha256": record.get("sha256"),
                "transitions": record.get("transitions"),
            }
        )
    return {
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git("rev-parse", "HEAD") or "no commit",
        "tree": "clean" if status == "" else "modified" if status else "unknown",
        "scale": scale.group(1) if scale else "unknown",
        "params_sha256": hashlib.sha256(params_text.encode()).hexdigest(),
        "packages": {name: _version(name) for name in PACKAGES},
        "python": platform.python_version(),
        "machine": {
            "cpu": cpu,
            "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
        },
        "datasets": datasets,
    }


def cpu_model() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo; the platform's processor string elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def stage_benchmarks(folder: Path) -> pd.DataFrame | None:
    """Per-stage wall time and peak memory from Snakemake's ``benchmark:`` files, where a Snakemake run left them."""
    rows = []
    for path in sorted(folder.glob("*.tsv")):
        measured = pd.read_csv(path, sep="\t")
        rows.append(
            {
                "stage": path.stem,
                "seconds": float(measured["s"].iloc[-1]),
                "peak_rss_mb": float(measured["max_rss"].iloc[-1]) if "max_rss" in measured else np.nan,
            }
        )
    return pd.DataFrame(rows) if rows else None
