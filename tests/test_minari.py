"""The minari source, on a dataset made locally with minari's own DataCollector."""

import gymnasium as gym
import gymnasium_robotics  # noqa: F401
import minari
import numpy as np
import pytest
from minari.data_collector import EpisodeBuffer

from diffirl.data.minari_source import MinariError, load_from_minari
from diffirl.envs import get_environment


@pytest.fixture
def local_minari(tmp_path, monkeypatch):
    """Two 30-step PointMaze episodes stored as a local Minari dataset."""
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "minari"))
    env = gym.make("PointMaze_UMaze-v3", continuing_task=True, reset_target=False, max_episode_steps=30)
    buffers, states = [], []
    for episode in range(2):
        observation, _ = env.reset(seed=episode)
        record = {key: [] for key in ("actions", "rewards", "terminations", "truncations")}
        observations = [observation]
        for _ in range(30):
            action = env.action_space.sample()
            observation, reward, terminated, truncated, _ = env.step(action)
            observations.append(observation)
            for key, value in zip(record, (action, reward, terminated, truncated)):
                record[key].append(value)
        record = {key: list(value) for key, value in record.items()}
        record["observations"] = {k: np.array([o[k] for o in observations]) for k in observations[0]}
        buffers.append(EpisodeBuffer(id=episode, seed=episode, **record))
        states.append(record["observations"]["observation"])
    minari.create_dataset_from_buffers(
        "test/pointmaze/umaze-v0",
        buffers,
        env=env,
        algorithm_name="random",
        author="tests",
        author_email="t@example.org",
        code_permalink="https://example.org",
        description="test",
    )
    env.close()
    return np.concatenate(states)


def test_local_minari_dataset_loads_in_our_format(local_minari):
    datasets, extras = load_from_minari(get_environment("umaze"), {"base": "test/pointmaze/umaze-v0"})
    dataset = datasets["base"]
    assert len(dataset) == 60 and [e.stop - e.start for e in dataset.episodes()] == [30, 30]
    # n+1 observations per episode become n rows: the final observation of each episode is dropped
    expected = np.concatenate([local_minari[:30], local_minari[31:61]])
    np.testing.assert_allclose(dataset.observations, expected, rtol=1e-6)
    assert extras["base"]["minari_dataset_id"] == "test/pointmaze/umaze-v0"


def test_split_without_a_minari_dataset_is_named(local_minari):
    with pytest.raises(MinariError, match=r"datasets\.umaze\.minari\.base is null"):
        load_from_minari(get_environment("umaze"), {"base": None})


def test_unavailable_dataset_is_a_clear_error(local_minari):
    with pytest.raises(MinariError, match="'nobody/none/none-v0' is not stored locally and could not be downloaded"):
        load_from_minari(get_environment("umaze"), {"base": "nobody/none/none-v0"})
