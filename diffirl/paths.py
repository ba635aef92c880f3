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

#: the thesis's figure number for each maze's early/late diffuser samples
DIFFUSER_SAMPLE_FIGURE_NUMBERS = {"umaze": 22, "large": 24}
METRICS = REPORTS / "metrics"
PLOTS = REPORTS / "plots"
CHECKPOINTS = DATA / "checkpoints"


def diffuser_model(environment: str) -> Path:
    return DATA / "diffusers" / environment / "diffuser.pt"


def diffuser_checkpoint(environment: str) -> Path:
    """Resumable training state; outside the DAG, reused only under identical settings and data."""
    return CHECKPOINTS / f"diffuser_{environment}.pt"


def diffuser_training_log(environment: str) -> Path:
    return PLOTS / f"diffuser_{environment}_training.csv"


def diffuser_training_metrics(environment: str) -> Path:
    return METRICS / f"diffuser_{environment}_training.json"


def diffuser_loss_figure(environment: str) -> Path:
    return FIGURES / f"diffuser_{environment}_loss.png"


def diffuser_samples_figure(environment: str) -> Path:
    number = DIFFUSER_SAMPLE_FIGURE_NUMBERS[environment]
    return FIGURES / f"fig{number}_{environment}_diffuser_samples.png"


def diffuser_quality_metrics(environment: str) -> Path:
    return METRICS / f"diffuser_{environment}_quality.json"
