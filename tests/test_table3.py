import numpy as np
import pytest

from diffirl.data.format import make_dataset
from diffirl.metrics import discounted_return, fixed_length_segments
from diffirl.reports.table3 import build_table3


def constant_dataset(n_steps, episode, reward, action):
    timeouts = (np.arange(n_steps) % episode) == episode - 1
    timeouts[-1] = True
    return make_dataset(
        np.zeros((n_steps, 3)), np.tile(action, (n_steps, 1)), np.full(n_steps, reward), np.zeros(n_steps), timeouts
    )


def test_discounted_return_matches_the_geometric_sum():
    assert discounted_return(np.ones(1000), 0.99) == pytest.approx((1 - 0.99**1000) / 0.01)
    assert discounted_return(np.array([1.0, 2.0, 3.0]), 0.5) == pytest.approx(1 + 1 + 0.75)


def test_segments_stay_inside_episodes():
    dataset = constant_dataset(2500 + 700, 2500, 1.0, [0.0])
    assert [(s.start, s.stop) for s in fixed_length_segments(dataset, 1000)] == [(0, 1000), (1000, 2000)]


def test_table3_reports_our_numbers_beside_the_thesis():
    datasets = {
        "medium-replay": constant_dataset(2000, 1000, 1.0, [0.6, 0.8]),
        "medium": constant_dataset(3000, 1000, 2.0, [0.0, 1.0]),
        "expert": constant_dataset(1000, 1000, -1.0, [1.0, 1.0]),
    }
    table = build_table3(datasets, gamma=0.99, segment_length=1000).set_index("dataset")
    geometric = (1 - 0.99**1000) / 0.01
    assert table.loc["medium", "discounted_return_mean"] == pytest.approx(2 * geometric, rel=1e-6)
    assert table.loc["medium", "return_mean"] == pytest.approx(2000)
    assert table.loc["medium", "segments"] == 3
    assert table.loc["expert", "action_norm_mean"] == pytest.approx(np.sqrt(2), rel=1e-6)
    assert table.loc["medium-replay", "action_norm_std"] == pytest.approx(0.0, abs=1e-6)
    assert table.loc["expert", "thesis_discounted_return_mean"] == 1001.77
    assert table.loc["medium", "thesis_action_norm_std"] == 0.69


def test_table3_refuses_a_dataset_without_a_full_segment():
    with pytest.raises(ValueError, match="no episode of 1000 steps"):
        build_table3({"medium": constant_dataset(500, 500, 1.0, [0.0])}, 0.99, 1000)
