"""Tests for GAS alignment and aggregation (method.md section 6)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skvae.metrics._gas import GASAggregate, GASAlignment, gas_aggregate, gas_align

METHODS = ["greedy", "hungarian"]


def _planted_runs(n_runs=4, n=500, k=5, noise=0.0, seed=0):
    """Runs whose latents are permuted, sign-flipped (noisy) copies of one set of codes.

    Run r stores reference latent a in column perms[r, a] with sign signs[r, a].
    """
    rng = np.random.RandomState(seed)
    z = rng.uniform(-1, 1, size=(n, k))
    perms = np.vstack([np.arange(k)] + [rng.permutation(k) for _ in range(n_runs - 1)])
    signs = np.vstack([np.ones(k)] + [rng.choice([-1.0, 1.0], k) for _ in range(n_runs - 1)])
    codes = []
    for r in range(n_runs):
        run = np.empty_like(z)
        run[:, perms[r]] = z * signs[r]
        codes.append(run + noise * rng.normal(size=z.shape))
    return codes, perms, signs


@pytest.mark.parametrize("method", METHODS)
def test_planted_permutation_and_signs_recovered_exactly(method):
    codes, perms, signs = _planted_runs()
    alignment = gas_align(codes, method=method)
    assert isinstance(alignment, GASAlignment)
    np.testing.assert_array_equal(alignment.permutations, perms)
    np.testing.assert_array_equal(alignment.signs, signs)
    np.testing.assert_allclose(alignment.correlations, 1.0)
    np.testing.assert_allclose(alignment.stability, 1.0)
    for r in range(len(codes)):
        np.testing.assert_allclose(alignment.align(codes[r], r), codes[0], atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_noisy_runs_recovered_with_high_correlation(method):
    codes, perms, signs = _planted_runs(n_runs=5, noise=0.1, seed=3)
    alignment = gas_align(codes, method=method)
    np.testing.assert_array_equal(alignment.permutations, perms)
    np.testing.assert_array_equal(alignment.signs, signs)
    assert np.all(alignment.correlations > 0.9)
    assert np.all(alignment.stability > 0.9)


@pytest.mark.parametrize("method", METHODS)
def test_other_reference(method):
    codes, perms, signs = _planted_runs(n_runs=3, seed=5)
    alignment = gas_align(codes, reference=2, method=method)
    assert alignment.reference == 2
    np.testing.assert_array_equal(alignment.permutations[2], np.arange(5))
    for r in range(3):
        np.testing.assert_allclose(alignment.align(codes[r], r), codes[2], atol=1e-12)


def _centered_orthonormal(n, m, seed):
    """m centred, orthonormal vectors of length n (rows of the result)."""
    x = np.random.RandomState(seed).normal(size=(n, m))
    return np.linalg.qr(x - x.mean(axis=0))[0].T


def _informative_case():
    """Ref latent 0 and run latent 0 are informative; ref 1 and run 1 are not.

    |corr| is proportional to [[0.5, 0.1], [0.7, 0.05]]: the largest entry pairs the
    non-informative reference latent 1 with the informative run latent 0.
    """
    e1, e2, e3 = _centered_orthonormal(400, 3, seed=0)
    ref = np.column_stack([e1, e2])
    run = np.column_stack([0.5 * e1 + 0.7 * e2, 0.1 * e1 + 0.05 * e2 + e3])
    masks = [np.array([True, False]), np.array([True, False])]
    return [ref, run], masks


@pytest.mark.parametrize("method", METHODS)
def test_informative_latents_are_matched_first(method):
    codes, masks = _informative_case()
    plain = gas_align(codes, method="greedy")
    np.testing.assert_array_equal(plain.permutations[1], [1, 0])  # greedy, no priority
    aligned = gas_align(codes, informative=masks, method=method)
    np.testing.assert_array_equal(aligned.permutations[1], [0, 1])
    assert aligned.correlations[1, 0] == pytest.approx(0.5 / np.hypot(0.5, 0.7), rel=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_pairs_with_one_informative_latent_come_before_pairs_with_none(method):
    # Latent 0 is informative in both runs; reference latent 1 only in the reference.
    # By |corr| alone, non-informative reference latent 2 would take run latent 1.
    e = _centered_orthonormal(300, 4, seed=1)
    ref = np.column_stack([e[0], e[1], e[2]])
    run = np.column_stack([e[0], 0.6 * e[1] + 0.8 * e[2], e[3]])
    masks = [np.array([True, True, False]), np.array([True, False, False])]
    plain = gas_align([ref, run], method=method)
    np.testing.assert_array_equal(plain.permutations[1], [0, 2, 1])
    aligned = gas_align([ref, run], informative=masks, method=method)
    np.testing.assert_array_equal(aligned.permutations[1], [0, 1, 2])
    np.testing.assert_allclose(aligned.correlations[1], [1.0, 0.6, 0.0], atol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_a_small_loss_for_an_informative_latent_is_not_traded_for_others(method):
    # Only reference latent 0 is informative. Giving it run latent 1 (0.339 instead of
    # 0.373) would let the non-informative latents pair at 0.627: a larger total, but the
    # informative latent's partner comes first (a single weighted assignment traded it).
    similarity = np.array([[0.373, 0.339, 0.003], [0.627, 0.013, 0.003], [0.018, 0.0, 0.627]])
    e = _centered_orthonormal(500, 6, seed=2)
    ref = e[:3].T
    rest = np.sqrt(1.0 - (similarity**2).sum(axis=0))
    run = similarity.T @ e[:3] + rest[:, None] * e[3:]
    masks = [np.array([True, False, False]), np.zeros(3, dtype=bool)]
    aligned = gas_align([ref, run.T], informative=masks, method=method)
    np.testing.assert_array_equal(aligned.permutations[1], [0, 1, 2])
    np.testing.assert_allclose(aligned.correlations[1], [0.373, 0.013, 0.627], atol=1e-12)


def test_constant_columns_have_zero_correlation():
    codes, _, _ = _planted_runs(n_runs=2, k=3)
    codes = [c.copy() for c in codes]
    codes[0][:, 1] = 4.2
    alignment = gas_align(codes)
    assert alignment.correlations[0, 1] == 0.0
    assert alignment.correlations[1, 1] == 0.0
    assert alignment.signs[1, 1] == 1.0


def test_bad_input():
    codes, _, _ = _planted_runs(n_runs=2, k=3)
    with pytest.raises(ValueError, match="at least 2 runs"):
        gas_align(codes[:1])
    with pytest.raises(ValueError, match=r"codes of several runs.*one array of shape \(\d+, 3\)"):
        gas_align(codes[0])  # one run's codes: its rows were taken for runs
    with pytest.raises(ValueError, match="same shape"):
        gas_align([codes[0], codes[1][:, :2]])
    with pytest.raises(ValueError, match="same shape"):
        gas_align([codes[0], codes[1][:-1]])
    with pytest.raises(ValueError, match="reference"):
        gas_align(codes, reference=2)
    with pytest.raises(ValueError, match="method"):
        gas_align(codes, method="optimal")
    with pytest.raises(ValueError, match="one mask per run"):
        gas_align(codes, informative=[np.ones(3, dtype=bool)])
    with pytest.raises(ValueError, match="NaN"):
        gas_align([codes[0], np.full_like(codes[1], np.nan)])
    alignment = gas_align(codes)
    # -1 aligned with the last run and 2 was numpy's IndexError
    for run in [2, -1, True, 1.0]:
        with pytest.raises(ValueError, match=r"run must be a run index in \[0, 2\)"):
            alignment.align(codes[1], run)


def test_aggregate_identical_aligned_matrices():
    codes, perms, _ = _planted_runs(n_runs=4, k=5)
    alignment = gas_align(codes)
    matrix = np.random.RandomState(0).uniform(size=(5, 7))
    per_run = []
    for r in range(4):
        m = np.empty_like(matrix)
        m[perms[r]] = matrix  # run r's latent perms[r, a] plays reference latent a
        per_run.append(m)
    aggregate = gas_aggregate(alignment, per_run)
    assert isinstance(aggregate, GASAggregate)
    np.testing.assert_allclose(aggregate.mean, matrix)
    np.testing.assert_array_equal(aggregate.std, 0.0)
    np.testing.assert_allclose(aggregate.stability, 1.0)
    assert aggregate.selection_frequency is None and aggregate.n_runs == 4


def test_aggregate_mean_std_and_selection_frequency_small_case():
    z = np.random.RandomState(0).uniform(size=(50, 2))
    alignment = gas_align([z, z[:, ::-1], z])  # run 1 has its latents swapped
    matrices = [[[1.0, 0.0], [0.0, 2.0]], [[0.0, 4.0], [3.0, 0.0]], [[2.0, 0.0], [0.0, 0.0]]]
    aggregate = gas_aggregate(alignment, matrices)
    np.testing.assert_allclose(aggregate.mean, [[2.0, 0.0], [0.0, 2.0]])
    np.testing.assert_allclose(aggregate.std, [[np.sqrt(2 / 3), 0.0], [0.0, np.sqrt(8 / 3)]])
    support = [
        [[True, False], [False, True]],
        [[False, True], [True, True]],  # aligned: [[True, True], [False, True]]
        [[True, True], [False, False]],
    ]
    frequency = gas_aggregate(alignment, None, support=support).selection_frequency
    np.testing.assert_allclose(frequency, [[1.0, 2 / 3], [0.0, 2 / 3]])
    assert np.all((frequency >= 0) & (frequency <= 1))
    with pytest.raises(TypeError, match="boolean"):
        gas_aggregate(alignment, None, support=[np.ones((2, 2))] * 3)
    with pytest.raises(ValueError, match="one matrix per run"):
        gas_aggregate(alignment, matrices[:2])
    with pytest.raises(ValueError, match="same shape"):
        gas_aggregate(alignment, [np.ones((2, 2)), np.ones((2, 3)), np.ones((2, 2))])


def test_apply_signed_flips_rows():
    z = np.random.RandomState(0).uniform(size=(50, 2))
    alignment = gas_align([z, -z[:, ::-1]])
    theta = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[-3.0, -4.0], [-1.0, -2.0]])]
    aligned = alignment.apply(theta, signed=True)
    np.testing.assert_allclose(aligned[1], theta[0])
    np.testing.assert_allclose(alignment.apply(theta)[1], -theta[0])


def test_inputs_not_modified():
    codes, _, _ = _planted_runs(n_runs=3, k=4)
    copies = [c.copy() for c in codes]
    alignment = gas_align(codes)
    alignment.align(codes[1], 1)
    for c, copy in zip(codes, copies):
        np.testing.assert_array_equal(c, copy)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(2, 4),
    st.integers(1, 6),
    st.sampled_from(METHODS),
    st.integers(0, 2**31 - 1),
)
def test_alignment_is_a_signed_permutation(n_runs, k, method, seed):
    rng = np.random.RandomState(seed)
    codes = [rng.normal(size=(40, k)) for _ in range(n_runs)]
    masks = [rng.uniform(size=k) < 0.5 for _ in range(n_runs)]
    reference = int(rng.randint(n_runs))
    alignment = gas_align(codes, reference=reference, informative=masks, method=method)
    for r in range(n_runs):
        np.testing.assert_array_equal(np.sort(alignment.permutations[r]), np.arange(k))
        aligned = alignment.align(codes[r], r)
        corr = np.corrcoef(codes[reference].T, aligned.T)[:k, k:].reshape(k, k).diagonal()
        np.testing.assert_allclose(corr, alignment.correlations[r], atol=1e-10)
    assert set(np.unique(alignment.signs)) <= {-1.0, 1.0}
    assert np.all((alignment.correlations >= 0) & (alignment.correlations <= 1 + 1e-12))
    others = np.arange(n_runs) != reference
    np.testing.assert_allclose(alignment.stability, alignment.correlations[others].mean(axis=0))
