"""The dataset stage: produce every split of one environment from the configured source."""

from __future__ import annotations

import time

from diffirl import paths
from diffirl.data.d4rl_source import load_from_d4rl
from diffirl.data.format import provenance, write_datasets
from diffirl.data.maze_generation import generate_maze_dataset
from diffirl.data.minari_source import load_from_minari
from diffirl.data.sac_generation import generate_sac_datasets
from diffirl.envs.registry import EnvironmentSpec
from diffirl.params.schema import CheetahDataset, MazeDataset


def _generate(spec: EnvironmentSpec, settings: MazeDataset | CheetahDataset, progress: bool) -> tuple[dict, dict, dict]:
    """The datasets, per-split provenance extras, and facts about this run (not part of any output)."""
    if spec.is_maze:
        dataset = generate_maze_dataset(spec, settings.generate, settings.seed, progress)
        return {spec.base_split: dataset}, {}, {}
    checkpoint = paths.sac_checkpoint(spec.name)
    datasets, record, resumed_from = generate_sac_datasets(spec, settings.generate, settings.seed, progress, checkpoint)
    return datasets, {split: {"sac": record} for split in datasets}, {"resumed_from_step": resumed_from}


def build_datasets(spec: EnvironmentSpec, settings: MazeDataset | CheetahDataset, progress: bool = True) -> dict:
    """Produce, validate and write every split of ``spec``; return a summary of the run."""
    started = time.perf_counter()
    run_facts = {}
    if settings.source == "generate":
        datasets, extras, run_facts = _generate(spec, settings, progress)
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
