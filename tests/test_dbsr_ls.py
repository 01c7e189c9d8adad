"""Tests of DBSR-LS (dirty block-sparse regression in latent space)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib.util
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Lasso, MultiTaskLasso
from sklearn.model_selection import KFold

from skvae.metrics import _dbsr_ls
from skvae.metrics._dbsr_ls import (
    DBSRLSResult,
    _choose,
    _fold_statistics,
    _gram,
    _lambda_max,
    _prox_dirty,
    _solve_dirty_gram,
    _standardize,
    dbsr_ls,
    dbsr_ls_from_codes,
    dirty_regression,
)

TOL = dict(max_iter=20000, tol=1e-11)


def _correlated_data(seed=0, n=300, K=5, p=7):
    """Standardised, correlated latents and features with a mixed structure."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, K)) @ (np.eye(K) + 0.4 * rng.normal(size=(K, K)))
    W = np.zeros((K, p))
    W[0] = 0.6  # a latent used by every feature: group part
    W[1, :3] = [0.8, -0.7, 0.5]
    W[2, 4] = 0.9  # a single link: sparse part
    X = Z @ W + rng.normal(size=(n, p))
    return _standardize(Z), _standardize(X)


def _equicorrelated(seed=8, n=1000, K=8, p=12, rho=0.9):
    """Standardised latents with pairwise correlation rho (kappa(G) near 90)."""
    rng = np.random.default_rng(seed)
    Z = np.sqrt(rho) * rng.normal(size=(n, 1)) + np.sqrt(1 - rho) * rng.normal(size=(n, K))
    W = rng.normal(size=(K, p)) * (rng.random((K, p)) < 0.4)
    W[0] = 0.5
    X = Z @ W + rng.normal(size=(n, p))
    return _standardize(Z), _standardize(X)


def _kkt_violation(G, C, B, S, lam_b, lam_s):
    """Largest violation of the subgradient conditions of the dirty problem.

    With ``g = G (B + S) - C``: ``-g_k = lam_b B_k / ||B_k||`` on rows with ``B_k != 0``
    and ``||g_k|| <= lam_b`` on the others; ``-g_kj = lam_s sign(S_kj)`` where
    ``S_kj != 0`` and ``|g_kj| <= lam_s`` elsewhere.
    """
    grad = G @ (B + S) - C
    norm_b = np.linalg.norm(B, axis=-1, keepdims=True)
    rows = norm_b > 0
    unit = B / np.where(rows, norm_b, 1.0)
    row_excess = np.linalg.norm(grad, axis=-1, keepdims=True) - lam_b
    group = np.where(rows, np.abs(grad + lam_b * unit), row_excess)
    nz = S != 0
    sparse = np.where(nz, np.abs(grad + lam_s * np.sign(S)), np.abs(grad) - lam_s)
    return max(group.max(), sparse.max(), 0.0)


def _planted(seed=1, n=4000):
    """Independent latents, 3 disjoint feature blocks, a 4th latent unused."""
    rng = np.random.default_rng(seed)
    K, p = 4, 9
    Z = rng.uniform(-np.sqrt(3), np.sqrt(3), size=(n, K))
    W = np.zeros((K, p))
    for k in range(3):
        W[k, 3 * k : 3 * k + 3] = [0.95, 0.9, 0.85]
    X = Z @ W + np.sqrt(1 - W.max(axis=0) ** 2) * rng.normal(size=(n, p))
    return Z, X, W


# ------------------------------------------------------------------ solver vs sklearn
def test_large_lambda_s_is_multitask_lasso():
    Z, X = _correlated_data()
    alpha = 0.3
    B, S = dirty_regression(Z, X, alpha, 1e6, **TOL)
    ref = MultiTaskLasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100000)
    ref.fit(Z, X)
    assert np.all(S == 0)
    assert np.any(np.all(B == 0, axis=1)) and np.any(B != 0)  # some rows dropped
    np.testing.assert_allclose(B, ref.coef_.T, atol=1e-6)


def test_large_lambda_b_is_lasso():
    Z, X = _correlated_data(seed=1)
    alpha = 0.03
    B, S = dirty_regression(Z, X, 1e6, alpha, **TOL)
    ref = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100000)
    ref.fit(Z, X)
    assert np.all(B == 0)
    assert np.any(S == 0) and np.any(S != 0)
    np.testing.assert_allclose(S, ref.coef_.T, atol=1e-6)


def test_kkt_conditions_dirty_case():
    Z, X = _correlated_data(seed=2)
    lam_b, lam_s = 0.12, 0.06
    B, S = dirty_regression(Z, X, lam_b, lam_s, **TOL)
    G, C = _gram(Z, X)
    grad = G @ (B + S) - C
    # genuinely dirty: both parts active, with zero rows and zero entries
    rows = np.linalg.norm(B, axis=1) > 0
    assert rows.any() and not rows.all()
    assert np.any(S != 0) and np.any(S == 0)
    assert np.any(rows[:, None] & (S != 0))  # a latent in B with an extra S link
    atol = 1e-7
    unit = B[rows] / np.linalg.norm(B[rows], axis=1, keepdims=True)
    np.testing.assert_allclose(grad[rows], -lam_b * unit, atol=atol)
    assert np.all(np.linalg.norm(grad[~rows], axis=1) <= lam_b + atol)
    nz = S != 0
    np.testing.assert_allclose(grad[nz], -lam_s * np.sign(S[nz]), atol=atol)
    assert np.all(np.abs(grad[~nz]) <= lam_s + atol)


def test_correlated_latents_known_answers():
    """Equicorrelated latents (rho = 0.9): KKT, sklearn limits, batch, iterations."""
    Z, X = _equicorrelated()
    G, C = _gram(Z, X)
    assert np.linalg.cond(G) > 50
    lam_b_max, lam_s_max = _lambda_max(C)
    lam_b, lam_s = 0.2 * lam_b_max, 0.2 * lam_s_max
    B, S = dirty_regression(Z, X, lam_b, lam_s, **TOL)
    rows = np.linalg.norm(B, axis=1) > 0
    assert rows.any() and not rows.all() and np.any(rows[:, None] & (S != 0))
    assert _kkt_violation(G, C, B, S, lam_b, lam_s) < 1e-8
    # the check is sharp: a few iterations are far from optimal
    with pytest.warns(ConvergenceWarning):
        B5, S5 = dirty_regression(Z, X, lam_b, lam_s, max_iter=5, tol=1e-11)
    assert _kkt_violation(G, C, B5, S5, lam_b, lam_s) > 1e-3

    # the limits: MultiTaskLasso (lambda_s large) and Lasso (lambda_b large)
    alpha = 0.3 * lam_b_max
    B, S = dirty_regression(Z, X, alpha, 1e6, **TOL)
    ref = MultiTaskLasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100000)
    ref.fit(Z, X)
    assert np.all(S == 0) and np.any(np.all(B == 0, axis=1))
    np.testing.assert_allclose(B, ref.coef_.T, atol=1e-8)
    alpha = 0.05 * lam_s_max
    B, S = dirty_regression(Z, X, 1e6, alpha, **TOL)
    ref = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100000).fit(Z, X)
    assert np.all(B == 0) and np.any(S == 0) and np.any(S != 0)
    np.testing.assert_allclose(S, ref.coef_.T, atol=1e-8)

    # batched over folds and pairs, including the all-zero and the unpenalised ends
    folds = list(KFold(3, shuffle=True, random_state=0).split(Z))
    G_tr, C_tr, *_ = _fold_statistics(Z, X, folds)
    lam_b = lam_b_max * np.array([1.0, 0.3, 0.1, 0.3, 0.03, 0.0])
    lam_s = lam_s_max * np.array([1.0, 0.3, 0.3, 0.05, 0.02, 0.0])
    B, S, _ = _solve_dirty_gram(G_tr, C_tr, lam_b, lam_s, **TOL)
    for f in range(3):
        for ell in range(6):
            viol = _kkt_violation(G_tr[f], C_tr[f], B[f, ell], S[f, ell], lam_b[ell], lam_s[ell])
            assert viol < 1e-8
    # the default 10 x 10 CV grid at the default tol: 61 iterations here (FISTA with
    # adaptive restart, the previous solver, needed 142)
    ratios = np.logspace(0, -3, 10)
    _, _, n_iter = _solve_dirty_gram(
        G_tr,
        C_tr,
        np.repeat(lam_b_max * ratios, 10),
        np.tile(lam_s_max * ratios, 10),
        max_iter=1000,
        tol=1e-6,
    )
    assert n_iter < 100


@pytest.mark.parametrize("seed", range(3))
def test_more_latents_than_features_converge(recwarn, seed):
    """Three latents made from two features (a rank-2 Gram matrix, as for a barely
    trained model in scikit-learn's estimator checks) are solved without warning.

    Such problems take FISTA (the fallback for a singular G) 835, 899 and over 1,000
    iterations for these seeds, Douglas-Rachford more."""
    rng = np.random.default_rng(seed)
    X = _standardize(rng.normal(size=(150, 2)))
    Z = _standardize(X @ rng.normal(size=(2, 3)))
    G, C = _gram(Z, X)
    assert np.linalg.eigvalsh(G)[0] < 1e-12
    lam_b_max, lam_s_max = _lambda_max(C)
    ratios = np.logspace(0, -3, 10)
    lam_b, lam_s = np.repeat(lam_b_max * ratios, 10), np.tile(lam_s_max * ratios, 10)
    B, S, n_iter = _solve_dirty_gram(G[None], C[None], lam_b, lam_s, max_iter=3000, tol=1e-6)
    assert n_iter < 3000 and not [w for w in recwarn if w.category is ConvergenceWarning]
    for ell in range(0, 100, 7):
        assert _kkt_violation(G, C, B[0, ell], S[0, ell], lam_b[ell], lam_s[ell]) < 1e-4


def test_chunked_grid_solves_like_one_batch(monkeypatch, recwarn):
    # chunks of 7 pairs (the last of 4) against the whole grid at once: same
    # problems, each stopped at the same tolerance; a chunk that does not converge
    # gives one warning
    Z, X = _correlated_data(seed=2)
    folds = list(KFold(3, shuffle=True, random_state=0).split(Z))
    G_tr, C_tr, *_ = _fold_statistics(Z, X, folds)
    lam_b_max, lam_s_max = _lambda_max(C_tr[0])
    ratios = np.logspace(0, -3, 5)
    lam_b, lam_s = np.repeat(lam_b_max * ratios, 5), np.tile(lam_s_max * ratios, 5)
    one = _solve_dirty_gram(G_tr, C_tr, lam_b, lam_s, **TOL)
    monkeypatch.setattr(_dbsr_ls, "_CHUNK_ELEMENTS", 7 * G_tr.shape[0] * C_tr[0].size)
    chunked = _solve_dirty_gram(G_tr, C_tr, lam_b, lam_s, **TOL)
    for ours, theirs in zip(chunked[:2], one[:2]):
        assert ours.shape == (3, 25, 5, 7)
        np.testing.assert_allclose(ours, theirs, atol=1e-9)
    assert 1 < chunked[2] <= one[2]
    assert not [w for w in recwarn if w.category is ConvergenceWarning]
    with pytest.warns(ConvergenceWarning, match="did not converge in 3 iterations") as caught:
        _solve_dirty_gram(G_tr, C_tr, lam_b, lam_s, max_iter=3, tol=1e-12)
    assert len(caught) == 1


def test_each_pair_stops_at_its_own_convergence():
    # a pair solved next to a slower one ends where it ends when solved alone (it used to
    # iterate on until the slowest pair of its chunk had converged)
    Z, X = _correlated_data(seed=5)
    G, C = _gram(Z, X)
    lam_b_max, lam_s_max = _lambda_max(C)
    lam_b, lam_s = lam_b_max * np.array([0.5, 0.01]), lam_s_max * np.array([0.5, 0.01])
    both = _solve_dirty_gram(G[None], C[None], lam_b, lam_s, max_iter=1000, tol=1e-6)
    alone = [_solve_dirty_gram(G[None], C[None], lam_b[[i]], lam_s[[i]], max_iter=1000,
                               tol=1e-6) for i in range(2)]
    assert alone[0][2] < alone[1][2] == both[2]  # the first pair is the faster one
    for i in range(2):
        np.testing.assert_allclose(both[0][:, i], alone[i][0][:, 0], rtol=0, atol=1e-13)
        np.testing.assert_allclose(both[1][:, i], alone[i][1][:, 0], rtol=0, atol=1e-13)
    # ... which is a tol-accurate solution, not the exact one
    exact = _solve_dirty_gram(G[None], C[None], lam_b[:1], lam_s[:1], **TOL)
    assert 0 < np.abs(both[0][:, 0] - exact[0][:, 0]).max() < 1e-4


def test_warm_starts_come_from_the_grid_neighbour_of_an_earlier_chunk():
    # 3 x 3 grid, row-major (lambda_b outer, largest first); lambda_s is relatively
    # smaller above the diagonal (pairs 1, 2, 5)
    lam_b = np.repeat([3.0, 2.0, 1.0], 3)
    lam_s = np.tile([30.0, 20.0, 10.0], 3)
    source = _dbsr_ls._warm_sources(lam_b, lam_s)
    # above the diagonal: the pair above (same lambda_s), else the one to the left (the
    # first row); on and below it: the pair to the left (same lambda_b), else the one
    # above (the first column)
    np.testing.assert_array_equal(source, [-1, 0, 1, 0, 3, 2, 3, 6, 7])
    # levels by anti-diagonal, each after its sources; a level longer than the chunk
    # size is split
    chunks = _dbsr_ls._chunks(source, 2)
    assert [c.tolist() for c in chunks] == [[0], [1, 3], [2, 4], [6], [5, 7], [8]]
    chunk_of = {pair: i for i, chunk in enumerate(chunks) for pair in chunk}
    assert sorted(chunk_of) == list(range(9))
    assert all(chunk_of[source[pair]] < chunk_of[pair] for pair in range(1, 9))


def test_prox_sums_long_and_short_rows_alike(monkeypatch):
    rng = np.random.RandomState(0)
    V = rng.standard_normal((4, 3, 200))
    a, r = np.full((4, 3, 1), 0.3), np.full((4, 3, 1), 2.0)
    cumsum = _prox_dirty(V, a, r)
    monkeypatch.setattr(_dbsr_ls, "_CUMSUM_BY_MATMUL_MAX_P", 10**6)
    matmul = _prox_dirty(V, a, r)
    for ours, theirs in zip(cumsum, matmul):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    assert np.count_nonzero(cumsum[0]) and np.count_nonzero(cumsum[1])


def test_tiny_solution_is_met_to_the_problem_scale():
    """Penalties just below their lambda_max: the solution is tiny but not zero.

    The changes of Theta are compared with tol times the larger of ||Theta|| and the
    problem's scale ||C|| / lambda_max(G) (0.64 here); compared with tol times ||Theta||
    alone (norm 1.8e-4) this problem took 167 iterations, with the floor 59."""
    Z, X = _equicorrelated(rho=0.99)  # kappa(G) near 960
    G, C = _gram(Z, X)
    scale = np.linalg.norm(C) / np.linalg.eigvalsh(G)[-1]
    lam_b, lam_s = (1 - 1e-4) * np.array(_lambda_max(C))
    ref = np.add(*dirty_regression(Z, X, lam_b, lam_s, **TOL))
    assert 0 < np.linalg.norm(ref) < 1e-3 * scale
    tol = 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        theta = np.add(*dirty_regression(Z, X, lam_b, lam_s, max_iter=100, tol=tol))
    np.testing.assert_array_equal(theta != 0, ref != 0)
    assert np.linalg.norm(theta - ref) <= 10 * tol * scale


def test_zero_penalties_give_least_squares():
    Z, X = _correlated_data(seed=3)
    B, S = dirty_regression(Z, X, 0.0, 0.0, **TOL)
    ols = np.linalg.lstsq(Z, X, rcond=None)[0]
    np.testing.assert_allclose(B + S, ols, atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(
    # 6 and 60 entries: both ways of summing the sorted squares (BLAS on short rows)
    v=arrays(np.float64, st.sampled_from([6, 60]), elements=st.floats(-5, 5)),
    a=st.floats(0, 3),
    r=st.floats(0, 6),
)
# rounding put ||clip(v, -a, a)|| exactly at r (once returned B = v, S = 0) ...
@example(v=np.array([1.0, 2.0**-126, 0.0, 0.0, 0.0, 0.0]), a=1.0, r=1.0)
# ... and an underflowing tiny entry was taken for a clipped one
@example(v=np.array([2.63345332e-162, 1.0, 0.0, 0.0, 0.0, 0.0]), a=0.5, r=0.0)
def test_prox_is_the_row_minimiser(v, a, r):
    """Optimality of min 0.5||B + S - v||^2 + r||B|| + a|S|_1 for one row."""
    B, S = _prox_dirty(v[None], np.array([[a]]), np.array([[r]]))
    B, S = B[0], S[0]
    w = v - B - S  # must be a common subgradient of both penalties
    atol = 1e-9 * (1 + np.abs(v).max())
    assert np.all(np.abs(w) <= a + atol)
    assert np.linalg.norm(w) <= r + atol
    np.testing.assert_allclose(w[S != 0], a * np.sign(S[S != 0]), atol=atol)
    if np.any(B != 0):
        np.testing.assert_allclose(w, r * B / np.linalg.norm(B), atol=atol)


def test_batch_equals_one_at_a_time():
    rng = np.random.default_rng(4)
    data = [_correlated_data(seed=s, n=200 + 50 * s) for s in range(3)]
    G, C = map(np.asarray, zip(*(_gram(Z, X) for Z, X in data)))
    lam_b = np.array([0.0, 0.05, 0.1, 0.2, 0.4, 5.0])
    lam_s = rng.permutation([0.0, 0.02, 0.05, 0.1, 0.3, 5.0])
    B, S, _ = _solve_dirty_gram(G, C, lam_b, lam_s, **TOL)
    assert B.shape == S.shape == (3, 6, 5, 7)
    for f, (Z, X) in enumerate(data):
        for ell in range(6):
            b, s = dirty_regression(Z, X, lam_b[ell], lam_s[ell], **TOL)
            np.testing.assert_allclose(B[f, ell] + S[f, ell], b + s, atol=1e-9)
            np.testing.assert_allclose(B[f, ell], b, atol=1e-9)


def test_not_converged_warns():
    Z, X = _correlated_data()
    with pytest.warns(Warning, match="did not converge"):
        dirty_regression(Z, X, 0.01, 0.01, max_iter=1, tol=0.0)


# ------------------------------------------------------------------ grid, CV, 1-SE
def test_lambda_max_zeroes_everything_and_not_below():
    Z, X = _correlated_data(seed=5)
    C = Z.T @ X / len(Z)
    lam_b, lam_s = np.linalg.norm(C, axis=1).max(), np.abs(C).max()
    assert _lambda_max(C) == pytest.approx((lam_b, lam_s))
    res = dbsr_ls_from_codes(Z, X, n_lambdas=4, cv=3, random_state=0)
    assert res.cv_lambdas_b[0] == pytest.approx(lam_b)
    assert res.cv_lambdas_s[0] == pytest.approx(lam_s)
    np.testing.assert_allclose(res.cv_lambdas_b / lam_b, [1, 0.1, 0.01, 0.001])
    np.testing.assert_allclose(res.cv_lambdas_s / lam_s, [1, 0.1, 0.01, 0.001])
    # exactly zero at the maxima of the data as standardised inside (here lam_b is one ulp
    # below them, where the exact solution is a row of norm 1e-16)
    maxima = (res.cv_lambdas_b[0], res.cv_lambdas_s[0])
    assert not dbsr_ls_from_codes(Z, X, lambdas=maxima).support.any()
    below_b = dbsr_ls_from_codes(Z, X, lambdas=(0.99 * lam_b, lam_s))
    below_s = dbsr_ls_from_codes(Z, X, lambdas=(lam_b, 0.99 * lam_s))
    assert below_b.group_coef.any() and not below_b.sparse_coef.any()
    assert below_s.sparse_coef.any() and not below_s.group_coef.any()


def test_cv_error_matches_direct_refits():
    from sklearn.model_selection import KFold

    Z, X = _correlated_data(seed=6, n=120)
    res = dbsr_ls_from_codes(Z, X, n_lambdas=3, cv=4, random_state=0, **TOL)
    folds = list(KFold(4, shuffle=True, random_state=0).split(X))
    for i, j in [(0, 0), (1, 2), (2, 1), (2, 2)]:
        errs = []
        for tr, te in folds:
            mz, mx = Z[tr].mean(axis=0), X[tr].mean(axis=0)
            lam = res.cv_lambdas_b[i], res.cv_lambdas_s[j]
            B, S = dirty_regression(Z[tr] - mz, X[tr] - mx, *lam, **TOL)
            errs.append(np.mean((X[te] - mx - (Z[te] - mz) @ (B + S)) ** 2))
        assert res.cv_mse_mean[i, j] == pytest.approx(np.mean(errs), rel=1e-8)
        assert res.cv_mse_std[i, j] == pytest.approx(np.std(errs, ddof=1), rel=1e-6)
    assert res.cv_mse_mean.shape == res.cv_mse_std.shape == (3, 3)


def test_one_se_rule_picks_sparsest_within_one_se():
    mse = np.array([[1.0, 0.9, 0.8], [0.95, 0.55, 0.52], [0.9, 0.51, 0.50]])
    std = np.full((3, 3), 0.1)  # SE = 0.1 / sqrt(4) = 0.05: cells <= 0.55 eligible
    nnz = np.array([[0, 3, 6], [4, 8, 10], [9, 10, 12]], dtype=float)
    assert _choose(mse, std, nnz, 4, one_se=False) == (2, 2)
    assert _choose(mse, std, nnz, 4, one_se=True) == (1, 1)
    # equal sparsity: the larger penalties (smaller i + j) win, then lower error
    nnz[1, 2] = nnz[1, 1] = nnz[2, 1] = 5
    assert _choose(mse, std, nnz, 4, one_se=True) == (1, 1)
    nnz[1, 1] = 7
    assert _choose(mse, std, nnz, 4, one_se=True) == (2, 1)


def test_planted_blocks_recovered():
    Z, X, W = _planted(n=20000)
    res = dbsr_ls_from_codes(Z, X, random_state=0)
    np.testing.assert_array_equal(res.support, W != 0)
    np.testing.assert_array_equal(res.active_latents, [True, True, True, False])
    blocks = [["x0", "x1", "x2"], ["x3", "x4", "x5"], ["x6", "x7", "x8"], []]
    assert res.feature_sets == blocks
    # standardised loadings, shrunk by the (small) chosen lasso penalty
    W_std = W * Z.std(axis=0)[:, None] / X.std(axis=0)[None, :]
    assert res.lambda_s < 0.03
    np.testing.assert_allclose(res.coef, W_std, atol=res.lambda_s + 0.01)
    np.testing.assert_allclose(res.importance, W_std**2, atol=0.05)


def test_cv_is_reproducible_and_one_se_sparser():
    Z, X, _ = _planted(seed=2, n=500)
    a = dbsr_ls_from_codes(Z, X, random_state=3)
    b = dbsr_ls_from_codes(Z, X, random_state=3)
    np.testing.assert_array_equal(a.coef, b.coef)
    c = dbsr_ls_from_codes(Z, X, random_state=3, one_se=False)
    assert a.support.sum() <= c.support.sum()
    assert c.cv_mse_mean.min() == pytest.approx(
        c.cv_mse_mean[
            np.searchsorted(-c.cv_lambdas_b, -c.lambda_b),
            np.searchsorted(-c.cv_lambdas_s, -c.lambda_s),
        ]
    )


# ------------------------------------------------------------------ masks, constants
def test_constant_and_excluded_latents_have_zero_rows():
    Z, X, W = _planted(n=1000)
    Z = np.c_[Z, np.full(len(Z), 3.0)]  # constant latent
    Z_before = Z.copy()
    mask = np.array([True, True, False, True, True])
    res = dbsr_ls_from_codes(Z, X, lambdas=(0.05, 0.02), informative=mask)
    np.testing.assert_array_equal(Z, Z_before)  # input untouched
    assert np.all(np.isfinite(res.coef))
    assert not res.coef[2].any() and not res.coef[4].any()
    sub = dbsr_ls_from_codes(Z[:, [0, 1, 3]], X, lambdas=(0.05, 0.02))
    np.testing.assert_allclose(res.coef[[0, 1, 3]], sub.coef, atol=1e-10)
    np.testing.assert_array_equal(res.informative, mask)


def test_constant_features_get_zero_columns_and_leave_the_rest_unchanged():
    # constant features are left out of the solves: the other columns, the chosen
    # pair and the CV curve (an error per feature, so scaled by p / p_varying) are
    # those of the fit without them
    Z, X = _correlated_data(seed=3)
    wide = np.insert(X, [0, 4, 7], [2.5, 0.0, -1.0], axis=1)  # 3 constant columns
    constant = np.zeros(wide.shape[1], dtype=bool)
    constant[[0, 5, 9]] = True
    wide_before = wide.copy()
    res = dbsr_ls_from_codes(Z, wide, n_lambdas=5, random_state=0)
    ref = dbsr_ls_from_codes(Z, X, n_lambdas=5, random_state=0)
    np.testing.assert_array_equal(wide, wide_before)
    assert not res.coef[:, constant].any()
    np.testing.assert_allclose(res.coef[:, ~constant], ref.coef, rtol=1e-9, atol=1e-12)
    assert (res.lambda_b, res.lambda_s) == pytest.approx((ref.lambda_b, ref.lambda_s))
    np.testing.assert_allclose(res.cv_mse_mean * 10 / 7, ref.cv_mse_mean, rtol=1e-9)
    assert list(res.feature_names) == [f"x{j}" for j in range(10)]


def test_all_features_constant_give_zero_result():
    Z, _ = _correlated_data(seed=3)
    res = dbsr_ls_from_codes(Z, np.tile([1.0, 0.0, -2.0], (len(Z), 1)), random_state=0)
    assert res.coef.shape == (5, 3) and not res.coef.any()
    np.testing.assert_array_equal(res.cv_mse_mean, 0.0)


def test_all_informative_latents_constant_give_zero_result():
    _, X, _ = _planted(n=200)
    Z = np.c_[np.ones(200), np.full(200, 2.0)]  # standardised: G = 0 and C = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = dbsr_ls_from_codes(Z, X, random_state=0)
    assert res.coef.shape == (2, 9) and not res.coef.any()


def test_no_informative_latent_gives_zero_result():
    Z, X, _ = _planted(n=200)
    res = dbsr_ls_from_codes(Z, X, informative=np.zeros(4, dtype=bool))
    assert res.coef.shape == (4, 9) and not res.coef.any()
    assert np.isnan(res.lambda_b) and res.cv_mse_mean is None


# ------------------------------------------------------------------ estimator wrapper
def test_pca_dataframe_names_and_closed_form():
    rng = np.random.default_rng(7)
    X = pd.DataFrame(
        rng.normal(size=(400, 4)) @ rng.normal(size=(4, 4)),
        columns=["a", "b", "c", "d"],
    )
    pca = PCA(3).fit(X)
    res = dbsr_ls(pca, X, random_state=0)
    assert isinstance(res, DBSRLSResult)
    assert list(res.feature_names) == ["a", "b", "c", "d"]
    assert list(res.latent_names) == ["pca0", "pca1", "pca2"]
    frame = res.to_frame("importance")
    assert frame.shape == (3, 4) and list(frame.columns) == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(frame.to_numpy(), res.coef**2)
    assert res.to_frame("support").to_numpy().dtype == bool
    # PCA scores are uncorrelated: with no penalty Theta is the correlation matrix
    ls = dbsr_ls(pca, X, lambdas=(0.0, 0.0))
    corr = np.corrcoef(pca.transform(X).T, X.to_numpy().T)[:3, 3:]
    np.testing.assert_allclose(ls.coef, corr, atol=1e-10)
    assert ls.cv_lambdas_b is None


def test_default_names_and_result_properties():
    Z, X, W = _planted(n=300)
    res = dbsr_ls_from_codes(Z, X, lambdas=(10.0, 0.1))
    assert list(res.latent_names) == ["z0", "z1", "z2", "z3"]
    assert list(res.feature_names) == [f"x{j}" for j in range(9)]
    np.testing.assert_array_equal(res.coef, res.group_coef + res.sparse_coef)
    np.testing.assert_array_equal(res.active_latents, res.coef.any(axis=1))
    with pytest.raises(ValueError, match="which"):
        res.to_frame("nonsense")


@pytest.mark.skipif(
    importlib.util.find_spec("skvae.plotting._heatmap") is None,
    reason="skvae.plotting._heatmap not written yet",
)
def test_plot_returns_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    Z, X, _ = _planted(n=300)
    res = dbsr_ls_from_codes(Z, X, lambdas=(10.0, 0.1))
    fig, ax = plt.subplots()
    assert res.plot(ax=ax) is ax
    plt.close(fig)


# ------------------------------------------------------------------ bad input
class _NoTransform:
    def fit(self, X):
        self.fitted_ = True
        return self


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        (dict(lambdas=(-0.1, 0.1)), ValueError, "lambdas"),
        (dict(lambdas=(0.1,)), ValueError, "lambdas"),
        (dict(lambdas="bic"), ValueError, "lambdas"),
        (dict(n_lambdas=0), ValueError, "n_lambdas"),
        (dict(n_lambdas=1), ValueError, "n_lambdas"),  # lambda_max alone: always zero
        (dict(cv=1), ValueError, "cv"),
        (dict(tol=-1.0), ValueError, "tol"),
        (dict(lambda_min_ratio=0.0), ValueError, "lambda_min_ratio"),
        (dict(informative=[True, False]), ValueError, "informative"),
        (dict(informative=[0, 1, 1, 1]), ValueError, "informative"),
        (dict(latent_names=["a"]), ValueError, "latent_names"),
    ],
)
def test_bad_parameters(kwargs, err, match):
    Z, X, _ = _planted(n=100)
    with pytest.raises(err, match=match):
        dbsr_ls_from_codes(Z, X, **kwargs)


def test_bad_arrays():
    Z, X, _ = _planted(n=100)
    with pytest.raises(ValueError, match="same number of rows"):
        dbsr_ls_from_codes(Z[:50], X)
    X_nan = X.copy()
    X_nan[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        dbsr_ls_from_codes(Z, X_nan)
    with pytest.raises(ValueError, match="same number of rows"):
        dirty_regression(Z, X[:10], 0.1, 0.1)
    with pytest.raises(ValueError, match="lambda_b"):
        dirty_regression(Z, X, -1.0, 0.1)
    with pytest.raises(ValueError, match="2D"):
        dbsr_ls_from_codes(Z[:, 0], X)
    fixed = dbsr_ls_from_codes(Z, X, lambdas=np.array([0.1, 0.1]))
    assert fixed.lambda_b == fixed.lambda_s == 0.1
    with pytest.raises(ValueError, match="lambdas"):
        dbsr_ls_from_codes(Z, X, lambdas=(0.1, np.inf))


def test_bad_estimators():
    _, X, _ = _planted(n=100)
    with pytest.raises(NotFittedError):
        dbsr_ls(PCA(2), X)
    with pytest.raises(TypeError, match="transform"):
        dbsr_ls(_NoTransform().fit(X), X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = dbsr_ls(PCA(2).fit(X), X, n_lambdas=3, random_state=0)
    assert res.coef.shape == (2, 9)
