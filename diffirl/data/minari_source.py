"""The ``minari`` source: the matching Minari dataset, loaded through the ``minari`` API.

A dataset already under ``MINARI_DATASETS_PATH`` is used as it is; otherwise it is
downloaded from the Minari hub, which needs network access.
"""

from __future__ import annotations

import numpy as np

from diffirl.data.format import Dataset, make_dataset
from diffirl.envs.registry import EnvironmentSpec


class MinariError(RuntimeError):
    pass


def _open(dataset_id: str):
    import minari

    try:
        return minari.load_dataset(dataset_id)
    except FileNotFoundError:
        pass
    try:
        minari.download_dataset(dataset_id)
        return minari.load_dataset(dataset_id)
    except Exception as error:  # minari raises assorted network and lookup errors
        raise MinariError(
            f"Minari dataset {dataset_id!r} is not stored locally and could not be downloaded: {error}"
        ) from None


def _state(observations) -> np.ndarray:
    # PointMaze datasets store dict observations; the state is the "observation" entry
    return np.asarray(observations["observation"] if isinstance(observations, dict) else observations)


def episodes_to_dataset(episodes) -> Dataset:
    columns = {k: [] for k in ("observations", "actions", "rewards", "terminals", "timeouts")}
    for episode in episodes:
        terminals = np.asarray(episode.terminations, dtype=bool)
        timeouts = np.asarray(episode.truncations, dtype=bool) & ~terminals
        timeouts[-1] |= not terminals[-1]
        columns["observations"].append(_state(episode.observations)[:-1])  # n+1 observations for n actions
        columns["actions"].append(np.asarray(episode.actions))
        columns["rewards"].append(np.asarray(episode.rewards))
        columns["terminals"].append(terminals)
        columns["timeouts"].append(timeouts)
    if not columns["rewards"]:
        raise MinariError("the Minari dataset holds no episodes")
    return make_dataset(**{k: np.concatenate(v) for k, v in columns.items()})


def load_from_minari(spec: EnvironmentSpec, dataset_ids: dict[str, str | None]) -> tuple[dict, dict]:
    datasets, extras = {}, {}
    for split in spec.splits:
        dataset_id = dataset_ids[split]
        if dataset_id is None:
            raise MinariError(
                f"no Minari dataset is set for {spec.name} split {split!r} "
                f"(datasets.{spec.name}.minari.{split} is null): choose another source"
            )
        datasets[split] = episodes_to_dataset(_open(dataset_id).iterate_episodes())
        extras[split] = {"minari_dataset_id": dataset_id}
    return datasets, extras
