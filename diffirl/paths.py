"""Every file the DAG produces, named once. Both front ends (DVC, Snakemake) take paths from here."""

from __future__ import annotations

from pathlib import Path

DATA = Path("data")
REPORTS = Path("reports")
FIGURES = REPORTS / "figures"

TABLE3 = REPORTS / "table3.csv"

#: the thesis's figure number for each maze's dataset samples
DATASET_FIGURE_NUMBERS = {"umaze": 21, "large": 23}


def dataset_file(environment: str, split: str) -> Path:
    return DATA / "datasets" / environment / f"{split}.hdf5"


def provenance_file(environment: str, split: str) -> Path:
    return dataset_file(environment, split).with_suffix(".json")


def dataset_figure(environment: str) -> Path:
    return FIGURES / f"fig{DATASET_FIGURE_NUMBERS[environment]}_{environment}_dataset.png"
