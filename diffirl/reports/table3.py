"""Table 3: return and action L2 norm of 1000-step trajectories in each HalfCheetah dataset.

The return is discounted (gamma 0.99), as the thesis's numbers are (docs/thesis.md §2);
the undiscounted return stands beside it. The action norm is the L2 norm of each
step's action, averaged over all steps of the segments (mean and std over steps).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffirl.data.format import Dataset
from diffirl.metrics import action_norms, discounted_return, fixed_length_segments, mean_std
from diffirl.reports import thesis


def dataset_row(name: str, dataset: Dataset, gamma: float, segment_length: int) -> dict:
    segments = fixed_length_segments(dataset, segment_length)
    if not segments:
        raise ValueError(f"dataset {name!r} has no episode of {segment_length} steps or more")
    rewards = [dataset.rewards[s] for s in segments]
    norms = [action_norms(dataset.actions[s]) for s in segments]
    discounted = mean_std([discounted_return(r, gamma) for r in rewards])
    undiscounted = mean_std([r.sum() for r in rewards])
    norm = mean_std(np.concatenate(norms))
    reference = thesis.TABLE3.get(name, {})
    return {
        "dataset": name,
        "segments": len(segments),
        "discounted_return_mean": discounted[0],
        "discounted_return_std": discounted[1],
        "thesis_discounted_return_mean": reference.get("return", (None, None))[0],
        "thesis_discounted_return_std": reference.get("return", (None, None))[1],
        "return_mean": undiscounted[0],
        "return_std": undiscounted[1],
        "action_norm_mean": norm[0],
        "action_norm_std": norm[1],
        "thesis_action_norm_mean": reference.get("action_norm", (None, None))[0],
        "thesis_action_norm_std": reference.get("action_norm", (None, None))[1],
    }


def build_table3(datasets: dict[str, Dataset], gamma: float, segment_length: int) -> pd.DataFrame:
    return pd.DataFrame([dataset_row(name, d, gamma, segment_length) for name, d in datasets.items()])
