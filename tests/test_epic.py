"""EPIC (diffirl/rewards/epic.py): the controls the theory fixes, and a brute-force computation on a
small discrete MDP."""

import numpy as np
import pytest

from diffirl.rewards import epic
from diffirl.rewards.epic import CanonicalSamples, Transitions, canonical_reward, epic_distance

GAMMA = 0.99


def maze_like(n: int, seed: int) -> Transitions:
    """Transitions of a point mass: (x, y, vx, vy) states, 2-d actions."""
    rng = np.random.default_rng(seed)
    states = np.column_stack([rng.uniform(1, 8, (n, 2)), rng.normal(0, 1, (n, 2))])
    actions = rng.uniform(-1, 1, (n, 2))
    next_states = states + np.column_stack([0.1 * states[:, 2:], 0.1 * actions])
    return Transitions(states, actions, next_states)


def thesis_reward(states, actions, next_states):
    """5i + 5j at the next position."""
    return 5.0 * next_states[:, 0] + 5.0 * next_states[:, 1]


def potential(states):
    """Large enough that the shaping term rivals the reward itself."""
    return 50.0 * (np.sin(2.0 * states[:, 0]) * states[:, 1] + states[:, 2] ** 2)


def shaped(states, actions, next_states):
    return thesis_reward(states, actions, next_states) + GAMMA * potential(next_states) - potential(states)


@pytest.fixture(scope="module")
def coverage_and_samples():
    coverage = maze_like(500, seed=0)
    draw = maze_like(256, seed=1)
    independent_next = maze_like(256, seed=2).states  # S' is a second draw of D_S, not S's successor
    return coverage, CanonicalSamples(draw.states, draw.actions, independent_next, GAMMA)


def test_the_controls_score_as_the_theory_says(coverage_and_samples):
    coverage, samples = coverage_and_samples
    rescaled = lambda s, a, t: 3.0 * thesis_reward(s, a, t)  # noqa: E731
    flipped = lambda s, a, t: -thesis_reward(s, a, t)  # noqa: E731
    assert epic_distance(thesis_reward, rescaled, coverage, samples) < 1e-6
    assert epic_distance(thesis_reward, shaped, coverage, samples) < 1e-6
    assert epic_distance(thesis_reward, flipped, coverage, samples) == pytest.approx(1.0, abs=1e-6)
    # without canonicalisation the shaping would show: the raw rewards are far from equivalent
    transitions = (coverage.states, coverage.actions, coverage.next_states)
    assert np.corrcoef(thesis_reward(*transitions), shaped(*transitions))[0, 1] < 0.9
    # a reward of something else is far from the thesis's, and the distance is symmetric
    effort = lambda s, a, t: -np.square(a).sum(axis=1)  # noqa: E731
    assert epic_distance(thesis_reward, effort, coverage, samples) > 0.5
    assert epic_distance(effort, thesis_reward, coverage, samples) == pytest.approx(
        epic_distance(thesis_reward, effort, coverage, samples)
    )


def test_shaping_changes_the_canonical_reward_by_a_constant_only(coverage_and_samples):
    coverage, samples = coverage_and_samples
    difference = canonical_reward(shaped, coverage, samples) - canonical_reward(thesis_reward, coverage, samples)
    assert np.ptp(difference) < 1e-9


def enumerated(multiplicities: list[np.ndarray]) -> list[np.ndarray]:
    """Every combination of the indices, each repeated as often as the product of its multiplicities:
    samples whose empirical distribution is exactly the product of the given ones."""
    grids = np.meshgrid(*(np.arange(len(m)) for m in multiplicities), indexing="ij")
    counts = np.ones(grids[0].shape, dtype=int)
    for axis, m in enumerate(multiplicities):
        counts = counts * m.reshape([-1 if i == axis else 1 for i in range(len(multiplicities))])
    return [np.repeat(grid.ravel(), counts.ravel()) for grid in grids]


def brute_force_epic(ra, rb, p_state, p_action, p_coverage, gamma):
    """EPIC from its definition on a discrete MDP, every expectation a full sum."""

    def canonical(r):
        inner = np.einsum("b,c,abc->a", p_action, p_state, r)  # E[R(x, A, S')] for each x
        constant = np.einsum("a,b,c,abc->", p_state, p_action, p_state, r)
        return r + gamma * inner[None, None, :] - inner[:, None, None] - gamma * constant

    a, b, w = canonical(ra).ravel(), canonical(rb).ravel(), p_coverage.ravel()
    mean_a, mean_b = w @ a, w @ b
    covariance = w @ ((a - mean_a) * (b - mean_b))
    rho = covariance / np.sqrt((w @ (a - mean_a) ** 2) * (w @ (b - mean_b) ** 2))
    return np.sqrt((1 - rho) / 2)


def test_epic_matches_a_brute_force_computation_on_a_small_discrete_mdp():
    rng = np.random.default_rng(3)
    n_states, n_actions, gamma = 4, 3, 0.9
    ra = rng.normal(size=(n_states, n_actions, n_states))
    rb = 0.5 * ra + rng.normal(size=ra.shape)  # related, not equivalent
    state_counts, action_counts = np.array([4, 2, 1, 1]), np.array([1, 2, 3])
    coverage_counts = rng.integers(1, 4, size=ra.shape)  # a non-uniform coverage distribution

    s, a, t = enumerated([state_counts, action_counts, state_counts])
    samples = CanonicalSamples(s, a, t, gamma)
    covered = np.repeat(np.arange(ra.size), coverage_counts.ravel())
    cs, ca, ct = np.unravel_index(covered, ra.shape)
    coverage = Transitions(cs, ca, ct)

    def table(r):
        return lambda states, actions, next_states: r[states, actions, next_states]

    ours = epic_distance(table(ra), table(rb), coverage, samples)
    expected = brute_force_epic(
        ra,
        rb,
        state_counts / state_counts.sum(),
        action_counts / action_counts.sum(),
        coverage_counts / coverage_counts.sum(),
        gamma,
    )
    assert 0.1 < expected < 0.9
    assert ours == pytest.approx(expected, abs=1e-9)
    # a random potential's shaping leaves it where it was
    phi = rng.normal(size=n_states)
    shaped_b = rb + gamma * phi[None, None, :] - phi[:, None, None]
    assert epic_distance(table(ra), table(shaped_b), coverage, samples) == pytest.approx(expected, abs=1e-9)


def test_bad_inputs_are_refused_with_what_is_wrong(coverage_and_samples):
    coverage, samples = coverage_and_samples
    with pytest.raises(ValueError, match=r"different lengths: \[3, 4\]"):
        Transitions(np.zeros((4, 2)), np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="gamma must lie in"):
        CanonicalSamples(samples.states, samples.actions, samples.next_states, 1.5)
    constant = lambda s, a, t: np.ones(len(s))  # noqa: E731
    with pytest.raises(ValueError, match="the second reward is constant"):
        epic_distance(thesis_reward, constant, coverage, samples)


def test_the_canonicalisation_in_chunks_gives_the_same_values(coverage_and_samples, monkeypatch):
    coverage, samples = coverage_and_samples
    whole = canonical_reward(shaped, coverage, samples)
    monkeypatch.setattr(epic, "EVALUATIONS_PER_CALL", 1000)  # 3 origins per call, the last chunk shorter
    assert np.array_equal(canonical_reward(shaped, coverage, samples), whole)
