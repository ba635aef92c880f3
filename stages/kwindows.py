"""Stage "kwindows": cut one environment's expert trajectories into K-step windows (Algorithm 5)."""

import json

import numpy as np

from _common import fail, parse, run_stage
from diffirl import paths
from diffirl.experts.trajectories import Experts
from diffirl.io import atomic_path
from diffirl.methods.thesis.k_windows import k_windows


def main() -> None:
    spec, params = parse(__doc__)
    settings = getattr(params.kwindows, spec.name)
    try:
        experts = Experts.load(paths.experts_file(spec.name))
        windows = k_windows(experts.trajectories, settings.k, settings.stride)
    except (FileNotFoundError, ValueError) as error:
        fail(error)
    per_trajectory = len(windows) // len(experts.trajectories)
    with atomic_path(paths.expert_windows_file(spec.name)) as tmp, open(tmp, "wb") as file:
        np.savez(file, windows=windows, trajectory=np.repeat(np.arange(len(experts.trajectories)), per_trajectory))
    print(json.dumps({"trajectories": len(experts.trajectories), "windows": len(windows), "k": settings.k}))


if __name__ == "__main__":
    run_stage(main)
