"""The dataset stage: produce every split of one environment from the configured source."""

from __future__ import annotations

import functools
import time

from diffirl import paths
from diffirl.data.d4rl_source import load_from_d4rl
from diffirl.data.expert_run import generate_expert_run_datasets
from diffirl.data.format import provenance, write_datasets
from diffirl.data.maze_generation import generate_maze_dataset
from diffirl.data.minari_source import load_from_minari
from diffirl.envs.kinds import EnvironmentKind, Locomotion, PointMaze
from diffirl.envs.registry import EnvironmentSpec
from diffirl.params.schema import CheetahDataset, MazeDataset


@functools.singledispatch
def generate_datasets(
    kind: EnvironmentKind, spec: EnvironmentSpec, settings, progress: bool
) -> tuple[dict, dict, dict]:
    """The datasets, per-split provenance extras, and facts about this run (not part of any output),
    generated as the environment's kind does it (registered per kind)."""
    raise NotImplementedError(f"no dataset generator is registered for {type(kind).__name__} ({spec.name})")


@generate_datasets.register
def _(kind: PointMaze, spec: EnvironmentSpec, settings: MazeDataset, progress: bool) -> tuple[dict, dict, dict]:
    dataset = generate_maze_dataset(spec, settings.generate, settings.seed, progress)
    return {spec.base_split: dataset}, {}, {}


@generate_datasets.register
def _(kind: Locomotion, spec: EnvironmentSpec, settings: CheetahDataset, progress: bool) -> tuple[dict, dict, dict]:
    checkpoint = paths.expert_run_checkpoint(spec.name)
    datasets, record, resumed_from = generate_expert_run_datasets(
        spec, settings.generate, settings.seed, progress, checkpoint
    )
    return datasets, {split: {"expert_run": record} for split in datasets}, {"resumed_from_step": resumed_from}


def build_datasets(spec: EnvironmentSpec, settings: MazeDataset | CheetahDataset, progress: bool = True) -> dict:
    """Produce, validate and write every split of ``spec``; return a summary of the run."""
    started = time.perf_counter()
    run_facts = {}
    if settings.source == "generate":
        datasets, extras, run_facts = generate_datasets(spec.kind, spec, settings, progress)
    elif settings.source == "d4rl":
        datasets, extras = load_from_d4rl(spec, settings.d4rl, paths.dataset_file(spec.name, spec.base_split).parent)
    else:
        datasets, extras = load_from_minari(spec, settings.minari)
    parameters = settings.model_dump(mode="json", include={"source", "seed", settings.source})
    items = [
        (
            paths.dataset_file(spec.name, split),
            datasets[split],
            provenance(settings.source, spec.name, split, parameters, settings.seed, extras.get(split)),
        )
        for split in spec.splits
    ]
    write_datasets(items)
    return {
        "environment": spec.name,
        "source": settings.source,
        "seconds": time.perf_counter() - started,
        "transitions": {split: len(d) for split, d in datasets.items()},
        **run_facts,
    }
