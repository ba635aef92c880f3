import json

import h5py
import numpy as np
import pytest

from diffirl.data import format as fmt
from diffirl.data.format import DatasetError, make_dataset, read_dataset, sha256_of, write_datasets


def tiny(n=10, episode=5):
    rng = np.random.default_rng(0)
    timeouts = (np.arange(n) % episode) == episode - 1
    return make_dataset(rng.normal(size=(n, 4)), rng.uniform(-1, 1, (n, 2)), rng.normal(size=n), np.zeros(n), timeouts)


def test_round_trip_and_sidecar(tmp_path):
    dataset = tiny()
    path = tmp_path / "env" / "base.hdf5"
    write_datasets([(path, dataset, fmt.provenance("generate", "umaze", "base", {"a": 1}, 7))])
    loaded = read_dataset(path)
    for key in fmt.KEYS:
        np.testing.assert_array_equal(getattr(loaded, key), getattr(dataset, key))
    assert loaded.observations.dtype == np.float32 and loaded.timeouts.dtype == bool
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["sha256"] == sha256_of(path)
    assert sidecar["transitions"] == 10 and sidecar["episodes"] == 2 and sidecar["seed"] == 7
    assert sidecar["source"] == "generate" and sidecar["parameters"] == {"a": 1}


def test_same_data_gives_the_same_bytes(tmp_path):
    a, b = tmp_path / "a.hdf5", tmp_path / "b.hdf5"
    write_datasets([(a, tiny(), {})])
    write_datasets([(b, tiny(), {})])
    assert sha256_of(a) == sha256_of(b)


def test_episodes_split_on_terminals_and_timeouts():
    dataset = make_dataset(np.zeros((6, 1)), np.zeros((6, 1)), np.arange(6), [0, 1, 0, 0, 0, 0], [0, 0, 0, 1, 0, 1])
    assert [(s.start, s.stop) for s in dataset.episodes()] == [(0, 2), (2, 4), (4, 6)]
    np.testing.assert_array_equal(dataset.episode_returns(), [1, 5, 9])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(rewards=d["rewards"][:-1]), "rows"),
        (lambda d: d.update(observations=np.full_like(d["observations"], np.nan)), "non-finite"),
        (lambda d: d.update(timeouts=np.zeros(10, dtype=bool)), "ends no episode"),
        (lambda d: d.pop("actions"), "missing"),
        (lambda d: d.update(terminals=np.zeros(10)), "dtype"),
    ],
)
def test_malformed_arrays_are_refused(change, message):
    arrays = dict(tiny().__dict__)
    change(arrays)
    with pytest.raises(DatasetError, match=message):
        fmt.check_arrays(arrays, "test")


def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "base.hdf5"
    write_datasets([(path, tiny(1000, 100), {})])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DatasetError, match="corrupt or truncated"):
        read_dataset(path)


def test_file_without_a_key_is_a_clear_error(tmp_path):
    path = tmp_path / "base.hdf5"
    with h5py.File(path, "w") as file:
        file["observations"] = np.zeros((3, 2))
    with pytest.raises(DatasetError, match="missing arrays"):
        read_dataset(path)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(DatasetError, match="nothing.hdf5"):
        read_dataset(tmp_path / "nothing.hdf5")


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, monkeypatch):
    first, second = tmp_path / "a.hdf5", tmp_path / "b.hdf5"
    first.write_text("an old output")
    real_write = fmt._write_hdf5
    calls = []

    def failing_write(path, dataset):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        real_write(path, dataset)

    monkeypatch.setattr(fmt, "_write_hdf5", failing_write)
    with pytest.raises(OSError, match="disk full"):
        write_datasets([(first, tiny(), {}), (second, tiny(), {})])
    assert list(tmp_path.iterdir()) == []
