"""Known-answer and property tests of the ground-truth metrics (MIG, DCI, SAP, UDR, FDR)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import time
from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ortho_group, spearmanr
from sklearn.decomposition import PCA, FastICA
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import Lasso
from sklearn.metrics import mutual_info_score
from sklearn.model_selection import cross_validate
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvae.datasets import make_factor_analysis
from skvae.metrics._ground_truth import (
    _histogram_discretize,
    _spearman_matrix,
    _top_two_gap,
    dci_completeness,
    dci_disentanglement,
    dci_importance,
    dci_scorer,
    dci_scores,
    gaussian_total_correlation,
    gaussian_wasserstein_correlation,
    informative_fdr,
    mig_score,
    mig_scorer,
    modularity,
    modularity_score,
    mutual_info_matrix,
    sap_score,
    sap_score_matrix,
    sap_scorer,
    udr_relative_strength,
    udr_score,
)


# --------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_factors():
    """Two 4-level factors, 400 balanced points (25 per combination), anchors.md (d)."""
    y0, y1 = np.indices((4, 4)).reshape(2, -1)
    y0, y1 = np.repeat(y0, 25), np.repeat(y1, 25)
    return y0.astype(float), y1.astype(float)


def _factor_codes(two_factors):
    y0, y1 = two_factors
    zero = np.zeros_like(y0)
    return {
        "perfect": np.c_[y0, y1, zero],
        "duplicated": np.c_[y0, y0, y1],
        "rotated": np.c_[y0 + y1, y0 - y1, zero],
    }


@pytest.fixture(scope="module")
def continuous_data():
    rng = np.random.RandomState(0)
    factors = rng.uniform(-1.7, 1.7, size=(3000, 3))
    noise = 0.1 * rng.normal(size=(3000, 3))
    dead = 0.01 * rng.normal(size=(3000, 2))
    aligned = np.c_[np.tanh(factors) + noise, dead]
    mixed = np.c_[factors @ ortho_group.rvs(3, random_state=1) + noise, dead]
    return factors, aligned, mixed


# --------------------------------------------------------------------------------------
# discretiser and mutual information
# --------------------------------------------------------------------------------------
def test_histogram_discretize_matches_dlib_loop():
    rng = np.random.RandomState(1)
    values = np.c_[rng.normal(size=500), rng.uniform(size=500), np.full(500, 3.0)]
    expected = np.column_stack(
        [np.digitize(v, np.histogram(v, 20)[1][:-1]) for v in values.T]
    )
    np.testing.assert_array_equal(_histogram_discretize(values, 20), expected)


def test_mutual_info_matrix_matches_sklearn():
    rng = np.random.RandomState(2)
    codes = rng.normal(size=(600, 3))
    factors = np.c_[codes[:, 0] + 0.3 * rng.normal(size=600), rng.randint(0, 5, size=600)]
    mi, entropy = mutual_info_matrix(codes, factors, n_bins=10)
    zd, yd = _histogram_discretize(codes, 10), _histogram_discretize(factors, 10)
    expected = np.array(
        [[mutual_info_score(yd[:, j], zd[:, i]) for j in range(2)] for i in range(3)]
    )
    np.testing.assert_allclose(mi, expected, atol=1e-12)
    np.testing.assert_allclose(
        entropy, [mutual_info_score(yd[:, j], yd[:, j]) for j in range(2)], atol=1e-12
    )


# --------------------------------------------------------------------------------------
# MIG
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case, expected", [("perfect", 1.0), ("duplicated", 0.5), ("rotated", 0.0)]
)
def test_mig_oracles(two_factors, case, expected):
    codes = _factor_codes(two_factors)[case]
    factors = np.c_[two_factors]
    assert mig_score(codes, factors) == pytest.approx(expected, abs=1e-10)
    assert mig_score(codes, factors, discrete_factors=True) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("seed", [0, 1])
def test_mig_invariant_to_latent_permutation_and_affine_maps(seed):
    rng = np.random.RandomState(seed)
    factors = rng.uniform(size=(500, 2))
    codes = np.c_[factors + 0.2 * rng.normal(size=(500, 2)), rng.normal(size=500)]
    base = mig_score(codes, factors)
    assert 0 < base < 1
    assert mig_score(codes[:, [2, 0, 1]], factors) == pytest.approx(base)
    assert mig_score(3.0 * codes + 5.0, factors) == pytest.approx(base)


def test_mig_keeps_unevenly_spaced_integer_levels():
    """At most n_bins levels are kept as they are: equal-width bins would merge 0, 1 and 2
    (the audit's case: MIG 0.993 with entropy 0.569 nats instead of ln 4)."""
    rng = np.random.RandomState(0)
    factor = rng.choice([0, 1, 2, 100], size=2000)
    codes = np.c_[factor + 0.01 * rng.normal(size=2000), rng.normal(size=2000)]
    expected = mig_score(codes, factor, discrete_factors=True)
    assert mig_score(codes, factor) == pytest.approx(expected, abs=1e-12)
    assert expected < 0.5  # the codes' 20 bins cannot separate 0, 1 and 2


def test_mig_single_latent_counts_missing_second_as_zero(two_factors):
    y0, _ = two_factors
    assert mig_score(y0[:, None], y0) == pytest.approx(1.0)


def test_mig_bad_input(two_factors):
    y0, _ = two_factors
    with pytest.raises(ValueError, match="constant"):
        mig_score(np.c_[y0, y0], np.c_[y0, np.ones_like(y0)])
    with pytest.raises(ValueError, match="n_bins"):
        mig_score(np.c_[y0, y0], y0, n_bins=1)
    with pytest.raises(ValueError):
        mig_score(np.c_[y0, y0], y0[:-1])


@pytest.mark.parametrize("score", [
    sap_score, partial(sap_score, continuous_factors=False, random_state=0),
    partial(dci_scores, random_state=0),
])
def test_constant_factors_are_refused_as_by_mig(two_factors, score):
    # SAP counted a constant factor as 0 (halving the score), DCI let it drag completeness
    y0, y1 = two_factors
    with pytest.raises(ValueError, match=r"factors \[1\] are constant: (SAP|DCI) is undefined"):
        score(np.c_[y0, y1], np.c_[y0, np.ones_like(y0)])
    with pytest.raises(ValueError, match="minimum of 2 is required"):
        score(np.c_[y0, y1][:1], np.c_[y0, y1][:1])


# --------------------------------------------------------------------------------------
# modularity
# --------------------------------------------------------------------------------------
def test_modularity_oracle():
    assert modularity([[1, 0], [0.5, 0.5], [0, 0]]) == pytest.approx(1 / 3)


def test_modularity_score_on_factor_codes(two_factors):
    codes = _factor_codes(two_factors)
    factors = np.c_[two_factors]
    assert modularity_score(codes["perfect"][:, :2], factors) == pytest.approx(1.0)
    # the dead third latent scores 0 and is averaged in
    assert modularity_score(codes["perfect"], factors) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="2 factors"):
        modularity([[1.0], [0.5]])


# --------------------------------------------------------------------------------------
# DCI
# --------------------------------------------------------------------------------------
ONE_MINUS_LN2_LN10 = 1 - np.log(2) / np.log(10)


@pytest.mark.parametrize(
    "importance, d, c",
    [
        (np.diag(5.0 * np.ones(5)), 1.0, 1.0),
        ([[1, 0], [0, 1], [0, 0]], 1.0, 1.0),
        (np.zeros((10, 10)), 0.0, 0.0),
        (np.hstack([np.eye(5), np.eye(5)]), ONE_MINUS_LN2_LN10, 1.0),
        (np.vstack([np.eye(5), np.eye(5)]), 1.0, ONE_MINUS_LN2_LN10),
        ([[0.8, 0.2], [0.1, 0.9], [0, 0]], 0.404538, 0.619747),
    ],
)
def test_dci_importance_oracles(importance, d, c):
    assert dci_disentanglement(importance) == pytest.approx(d, abs=1e-6)
    assert dci_completeness(importance) == pytest.approx(c, abs=1e-6)


def test_dci_oracle_value_of_identity_pair():
    assert ONE_MINUS_LN2_LN10 == pytest.approx(0.69897, abs=1e-5)


def test_dci_importance_matrix_invariances():
    rng = np.random.RandomState(3)
    importance = rng.uniform(size=(6, 3))
    d, c = dci_disentanglement(importance), dci_completeness(importance)
    permuted = importance[rng.permutation(6)][:, rng.permutation(3)]
    assert dci_disentanglement(7 * permuted) == pytest.approx(d)
    assert dci_completeness(7 * permuted) == pytest.approx(c)
    assert 0 <= d <= 1 and 0 <= c <= 1
    with pytest.raises(ValueError, match="non-negative"):
        dci_disentanglement(-importance)


def test_dci_scores_aligned_beats_mixed(continuous_data):
    factors, aligned, mixed = continuous_data
    d, c, i = dci_scores(aligned, factors, random_state=0)
    assert d > 0.9 and c > 0.9 and i > 0.9
    d_mix, c_mix, i_mix = dci_scores(mixed, factors, random_state=0)
    assert d_mix < d - 0.3 and c_mix < c - 0.2
    assert i_mix > 0.8  # a rotation loses no information
    assert dci_scores(aligned, factors, random_state=0) == (d, c, i)


def test_dci_importance_shape_and_custom_estimators(continuous_data):
    factors, aligned, _ = continuous_data
    importance, info = dci_importance(aligned, factors, estimator=Lasso(alpha=0.01))
    assert importance.shape == (5, 3) and info.shape == (3,)
    np.testing.assert_array_equal(importance.argmax(axis=0), [0, 1, 2])
    with pytest.raises(TypeError, match="feature_importances_"):
        dci_importance(aligned, factors, estimator=KNeighborsRegressor())
    with pytest.raises(ValueError, match="classifier"):
        dci_importance(aligned, factors, discrete_factors=True, estimator=Lasso())


def test_dci_discrete_factors(two_factors):
    codes = _factor_codes(two_factors)["perfect"]
    codes = codes + 0.05 * np.random.RandomState(0).normal(size=codes.shape)
    factors = np.c_[two_factors].astype(int)
    d, c, i = dci_scores(codes, factors, discrete_factors=True, random_state=0)
    assert d > 0.9 and c > 0.9 and i == pytest.approx(1.0)
    d_gbt, _, _ = dci_scores(
        codes,
        factors,
        discrete_factors=True,
        estimator=GradientBoostingClassifier(n_estimators=10),
        random_state=0,
    )
    assert d_gbt > 0.9


def test_dci_runtime_5000_by_10():
    rng = np.random.RandomState(0)
    factors = rng.uniform(size=(5000, 5))
    codes = np.c_[factors, rng.normal(size=(5000, 5))]
    start = time.perf_counter()
    dci_scores(codes, factors, random_state=0)
    # about 1 s alone on 2 cores; the bound leaves room for a loaded machine
    assert time.perf_counter() - start < 10


# --------------------------------------------------------------------------------------
# SAP
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case, expected", [("perfect", 1.0), ("duplicated", 0.5), ("rotated", 0.0)]
)
def test_sap_oracles(two_factors, case, expected):
    codes = _factor_codes(two_factors)[case]
    assert sap_score(codes, np.c_[two_factors]) == pytest.approx(expected, abs=1e-10)


def test_sap_aggregation_oracle():
    score = np.array([[0.9, 0.1], [0.2, 0.7], [0.1, 0.3]])
    assert np.mean(_top_two_gap(score)) == pytest.approx(0.55)


def test_sap_score_matrix_is_squared_correlation():
    rng = np.random.RandomState(4)
    codes = np.c_[rng.normal(size=(200, 3)), np.full(200, 2.0)]
    factors = codes[:, :2] @ rng.normal(size=(2, 2)) + rng.normal(size=(200, 2))
    score = sap_score_matrix(codes, factors)
    expected = np.corrcoef(codes[:, :3].T, factors.T)[:3, 3:] ** 2
    np.testing.assert_allclose(score[:3], expected)
    np.testing.assert_array_equal(score[3], 0.0)  # constant latent


def test_sap_discrete_factors(two_factors):
    codes = _factor_codes(two_factors)
    factors = np.c_[two_factors].astype(int)
    perfect = sap_score(codes["perfect"], factors, continuous_factors=False, random_state=0)
    rotated = sap_score(codes["rotated"], factors, continuous_factors=False, random_state=0)
    assert perfect > 0.4 and perfect > rotated + 0.3


# --------------------------------------------------------------------------------------
# UDR
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "similarity, expected",
    [
        (np.eye(3), 1.0),
        ([[1, 1, 0], [1, 1, 0], [0, 0, 1]], 2 / 3),
        (np.ones((3, 3)), 1 / 3),
        (np.zeros((3, 3)), 0.0),
        ([[0.9, 0.1], [0.2, 0.8]], 0.724369),
        ([[1, 0, 0], [0, 1, 0]], 5 / 6),
    ],
)
def test_udr_relative_strength_oracles(similarity, expected):
    assert udr_relative_strength(similarity) == pytest.approx(expected, abs=1e-6)


@pytest.fixture(scope="module")
def udr_models():
    rng = np.random.RandomState(5)
    z = rng.uniform(-1, 1, size=(1000, 4))
    copy = -z[:, [2, 0, 3, 1]] + 0.05 * rng.normal(size=z.shape)
    other = -z[:, [1, 3, 0, 2]] * [1, -1, 1, -1] + 0.05 * rng.normal(size=z.shape)
    return z, copy, other


@pytest.mark.parametrize("method", ["lasso", "spearman"])
def test_udr_permuted_sign_flipped_copy(udr_models, method):
    scores, pairwise = udr_score(list(udr_models), method=method)
    assert scores.shape == (3,) and pairwise.shape == (3, 3)
    assert np.all((scores >= 0.8) & (scores <= 1.0))
    assert np.isnan(np.diag(pairwise)).all()


def test_udr_median_aggregation(udr_models):
    z = udr_models[0]
    rotation = np.linalg.qr(np.random.RandomState(6).normal(size=(4, 4)))[0]
    models = [*udr_models, z @ rotation]
    scores, pairwise = udr_score(models)
    assert not np.allclose(pairwise[3, :3], pairwise[:3, 3])  # the Lasso is asymmetric
    for i in range(4):  # model i's score: median over pairs (j, i)
        np.testing.assert_allclose(scores[i], np.median(np.delete(pairwise[:, i], i)))
    assert scores[3] < 0.6 < scores[:3].min()


def test_udr_independent_models_score_zero_under_lasso():
    rng = np.random.RandomState(7)
    scores, _ = udr_score([rng.normal(size=(1000, 3)) for _ in range(3)])
    np.testing.assert_allclose(scores, 0.0)


def test_udr_kl_filtering(udr_models):
    z, copy, _ = udr_models
    rng = np.random.RandomState(8)
    # a fifth latent of pure noise, marked uninformative by its KL, is filtered out
    models = [np.c_[z, rng.normal(size=1000)], np.c_[copy, rng.normal(size=1000)]]
    kls = [np.r_[np.ones(4), 0.001], np.r_[np.ones(4), 0.001]]
    filtered, _ = udr_score(models, kls, method="spearman")
    unfiltered, _ = udr_score(models, method="spearman")
    assert filtered.min() > unfiltered.max()
    np.testing.assert_allclose(filtered, udr_score([z, copy], method="spearman")[0])
    # a model without informative latents scores 0 against the others
    scores, _ = udr_score(models, [kls[0], np.zeros(5)], method="spearman")
    np.testing.assert_allclose(scores, 0.0)


def test_udr_spearman_matrix_matches_scipy():
    rng = np.random.RandomState(9)
    a, b = rng.normal(size=(100, 3)), rng.normal(size=(100, 2))
    b[:, 0] = a[:, 1] ** 3
    expected = np.abs(spearmanr(a, b)[0][:3, 3:])
    np.testing.assert_allclose(_spearman_matrix(a, b), expected, atol=1e-12)


def test_udr_bad_input(udr_models):
    z, copy, _ = udr_models
    with pytest.raises(ValueError, match="at least 2"):
        udr_score([z])
    with pytest.raises(ValueError, match="method"):
        udr_score([z, copy], method="pearson")
    with pytest.raises(ValueError, match="kl_list"):
        udr_score([z, copy], [np.ones(4)])
    with pytest.raises(ValueError, match="latents"):
        udr_score([z, copy], [np.ones(4), np.ones(3)])
    # a NaN KL counted as uninformative, silently
    with pytest.raises(ValueError, match=r"Input kl_list\[1\] contains NaN"):
        udr_score([z, copy], [np.ones(4), np.r_[np.nan, np.ones(3)]])


# Flags and numbers were used as they came: "no" is a true flag, a negative threshold keeps
# every latent, a mask of the wrong length passed as discrete_factors (truthy).
@pytest.mark.parametrize(
    "metric, params, match",
    [
        (mig_score, {"discrete_factors": "no"}, "'discrete_factors' parameter of mig_score"),
        (mutual_info_matrix, {"discrete_factors": [True]}, "'discrete_factors' parameter"),
        (modularity_score, {"discrete_factors": 1}, "'discrete_factors' parameter"),
        (sap_score, {"continuous_factors": "no"}, "'continuous_factors' parameter"),
        (sap_score_matrix, {"test_size": 1.5}, "'test_size' parameter"),
        (dci_scores, {"estimator": "lasso"}, "'estimator' parameter of dci_scores"),
        (dci_importance, {"test_size": True}, "'test_size' parameter"),
        (lambda z, f, **p: udr_score([z, f], **p), {"kl_threshold": -1.0},
         "'kl_threshold' parameter"),
        (lambda z, f, **p: udr_score([z, f], **p), {"filter_low_kl": "no"},
         "'filter_low_kl' parameter"),
        (lambda z, f, **p: udr_score([z, f], **p), {"alpha": True}, "'alpha' parameter"),
        (lambda z, f, **p: gaussian_wasserstein_correlation(z, **p), {"normalize": "yes"},
         "'normalize' parameter"),
    ],
)
def test_ground_truth_metrics_check_their_parameters(metric, params, match):
    rng = np.random.RandomState(0)
    codes, factors = rng.normal(size=(60, 2)), rng.uniform(size=(60, 2))
    with pytest.raises(ValueError, match=match):
        metric(codes, factors, **params)


def test_ground_truth_metrics_name_sparse_and_complex_input():
    import scipy.sparse as sp

    codes = np.random.RandomState(0).normal(size=(30, 2))
    # a sparse factor matrix was "setting an array element with a sequence"
    with pytest.raises(TypeError, match="Sparse data was passed for factors"):
        mig_score(codes, sp.csr_matrix(codes))
    with pytest.raises(TypeError, match="Sparse data was passed for similarity"):
        udr_relative_strength(sp.csr_matrix(np.eye(2)))
    # complex similarities lost their imaginary part with a ComplexWarning
    with pytest.raises(ValueError, match="Complex data not supported"):
        udr_relative_strength(np.eye(2) + 1j)
    assert udr_relative_strength(np.zeros((0, 3))) == 0.0


# --------------------------------------------------------------------------------------
# Gaussian total / Wasserstein correlation
# --------------------------------------------------------------------------------------
def _codes_with_covariance(cov, n=500, seed=0):
    """Codes whose sample covariance (ddof=1) is exactly ``cov``."""
    z = np.random.RandomState(seed).normal(size=(n, len(cov)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    return z @ np.linalg.cholesky(cov).T


def test_gaussian_correlation_oracles():
    codes = _codes_with_covariance(np.array([[1.0, 0.9], [0.9, 1.0]]))
    assert gaussian_total_correlation(codes) == pytest.approx(0.830366, abs=1e-6)
    assert gaussian_total_correlation(codes) == pytest.approx(-0.5 * np.log(0.19))
    assert gaussian_wasserstein_correlation(codes) == pytest.approx(0.610735, abs=1e-6)
    assert gaussian_wasserstein_correlation(codes, normalize=True) == pytest.approx(
        0.305367, abs=1e-6
    )


def test_gaussian_correlation_properties():
    diagonal = _codes_with_covariance(np.diag([1.0, 4.0, 9.0]))
    assert gaussian_total_correlation(diagonal) == pytest.approx(0.0, abs=1e-10)
    assert gaussian_wasserstein_correlation(diagonal) == pytest.approx(0.0, abs=1e-10)
    cov = np.array([[2.0, 0.5, 0.1], [0.5, 1.0, -0.3], [0.1, -0.3, 3.0]])
    codes = _codes_with_covariance(cov)
    tc = gaussian_total_correlation(codes)
    assert tc > 0
    assert gaussian_total_correlation(codes * [3.0, 0.5, 2.0]) == pytest.approx(tc)
    # tr sqrt(D Sigma) through scipy's matrix square root
    from scipy.linalg import sqrtm

    d = np.diag(cov)[:, None] * cov
    expected = 2 * np.trace(cov) - 2 * np.trace(sqrtm(d)).real
    assert gaussian_wasserstein_correlation(codes) == pytest.approx(expected)
    z = np.random.RandomState(0).normal(size=100)
    assert gaussian_total_correlation(np.c_[z, 2 * z]) == np.inf


# --------------------------------------------------------------------------------------
# FDR of informative latents
# --------------------------------------------------------------------------------------
BLOCKS = np.array([0, 0, 1, 1, 2, 2])


def test_fdr_perfect_is_zero():
    importance = np.kron(np.eye(3), np.ones((1, 2)))
    fdr, assignment = informative_fdr(
        importance, np.ones(3, bool), BLOCKS, return_assignment=True
    )
    assert fdr == 0.0
    np.testing.assert_array_equal(assignment, [0, 1, 2])


def test_fdr_duplicate_keeps_largest_mass():
    importance = [
        [0.9, 0.8, 0, 0, 0, 0.1],  # block 0, mass 1.7
        [1.0, 1.0, 0, 0, 0, 0.0],  # block 0, mass 2.0: kept
        [0, 0, 1, 1, 0, 0],  # block 1
        [0, 0, 0, 0, 0, 0],  # non-informative
    ]
    fdr, assignment = informative_fdr(
        importance, [True, True, True, False], BLOCKS, return_assignment=True
    )
    assert fdr == pytest.approx(1 / 3)
    np.testing.assert_array_equal(assignment, [-1, 0, 1, -1])


def test_fdr_unmatched_and_ties():
    importance = [
        [1, 1, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0],  # tie with latent 0: latent 0 kept
        [0, 0, 0, 0, 0, 0],  # informative with zero mass: matched to nothing
        [0, 0, 0, 0, 1, 1],
    ]
    fdr, assignment = informative_fdr(importance, np.ones(4, bool), BLOCKS, return_assignment=True)
    assert fdr == pytest.approx(2 / 4)
    np.testing.assert_array_equal(assignment, [0, -1, -1, 2])


def test_fdr_features_of_no_factor():
    blocks = np.array([0, 0, 1, 1, -1, -1])
    importance = [
        [1, 1, 0, 0, 0, 0],
        [0, 0, 0.2, 0.1, 1, 1],  # most mass on noise features: a false discovery
        [0, 0, 0.5, 0.5, 0.5, 0.5],  # tie between block 1 and noise: block 1
    ]
    fdr, assignment = informative_fdr(importance, np.ones(3, bool), blocks, return_assignment=True)
    assert fdr == pytest.approx(1 / 3)
    np.testing.assert_array_equal(assignment, [0, -1, 1])


def test_fdr_ignores_non_informative_and_handles_none():
    importance = np.kron(np.eye(3), np.ones((1, 2)))
    importance = np.vstack([importance, importance])  # duplicates, but not informative
    informative = np.r_[np.ones(3, bool), np.zeros(3, bool)]
    assert informative_fdr(importance, informative, BLOCKS) == 0.0
    assert informative_fdr(importance, np.zeros(6, bool), BLOCKS) == 0.0
    assert informative_fdr(importance, np.ones(6, bool), BLOCKS) == 0.5


def test_fdr_bad_input():
    importance = np.ones((2, 6))
    with pytest.raises(ValueError, match="informative"):
        informative_fdr(importance, [True], BLOCKS)
    with pytest.raises(ValueError, match="feature_blocks"):
        informative_fdr(importance, [True, True], BLOCKS[:-1])
    with pytest.raises(TypeError, match="boolean"):
        informative_fdr(importance, [1, 1], BLOCKS)
    with pytest.raises(TypeError, match="integers"):
        informative_fdr(importance, [True, True], BLOCKS.astype(float))
    with pytest.raises(ValueError, match="non-negative"):
        informative_fdr(-importance, [True, True], BLOCKS)


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n_latents=st.integers(1, 8),
    n_blocks=st.integers(1, 4),
)
def test_fdr_properties(seed, n_latents, n_blocks):
    rng = np.random.RandomState(seed)
    blocks = rng.randint(-1, n_blocks, size=10)
    importance = rng.exponential(size=(n_latents, 10)) * (rng.uniform(size=(n_latents, 10)) > 0.4)
    informative = rng.uniform(size=n_latents) > 0.3
    fdr = informative_fdr(importance, informative, blocks)
    assert 0.0 <= fdr <= 1.0
    # reformulation: kept latents = distinct blocks among matched informative latents
    labels = np.unique(blocks[blocks >= 0])
    mass = np.column_stack(
        [importance[:, blocks == b].sum(axis=1) for b in labels]
        + [importance[:, blocks < 0].sum(axis=1)]
    )
    best = mass.argmax(axis=1)
    matched = informative & (best < len(labels)) & (mass.max(axis=1) > 0)
    n_kept = len(np.unique(best[matched]))
    assert fdr == pytest.approx((informative.sum() - n_kept) / max(1, informative.sum()))
    # invariances: permuting latents or features, scaling
    perm_l, perm_f = rng.permutation(n_latents), rng.permutation(10)
    assert informative_fdr(
        3.0 * importance[perm_l][:, perm_f], informative[perm_l], blocks[perm_f]
    ) == pytest.approx(fdr)


# --------------------------------------------------------------------------------------
# scorers in a Pipeline
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fa_data():
    X, factors, _ = make_factor_analysis(2000, preset="FA15", random_state=0)
    return X, factors


@pytest.mark.parametrize(
    "scorer, metric",
    [
        (mig_scorer, mig_score),
        (sap_scorer, sap_score),
        (dci_scorer, lambda codes, f: dci_scores(codes, f, random_state=0)[0]),
    ],
)
def test_scorer_unwraps_pipeline(fa_data, scorer, metric):
    X, factors = fa_data
    pipe = make_pipeline(StandardScaler(), PCA(n_components=3)).fit(X)
    value = scorer(pipe, X, factors)
    assert value == pytest.approx(metric(pipe.transform(X), factors))
    assert 0.0 <= value <= 1.0
    with pytest.raises(ValueError, match="y=None"):
        scorer(pipe, X, None)


def test_scorers_rank_ica_above_pca_in_cross_validate(fa_data):
    X, factors = fa_data
    scoring = {"mig": mig_scorer, "dci": dci_scorer, "sap": sap_scorer}
    results = {}
    for name, est in [("pca", PCA(3)), ("ica", FastICA(3, random_state=0))]:
        cv = cross_validate(make_pipeline(StandardScaler(), est), X, factors, scoring=scoring, cv=2)
        results[name] = {k: cv[f"test_{k}"].mean() for k in scoring}
    for key in scoring:
        assert results["ica"][key] > results["pca"][key]


def test_dci_single_factor_or_latent_edge_cases():
    assert dci_disentanglement([[1.0], [2.0]]) == 1.0
    assert dci_completeness([[1.0, 2.0]]) == 1.0
    assert dci_disentanglement([[0.0], [0.0]]) == 0.0


def test_mig_refuses_continuous_factors_as_discrete():
    rng = np.random.RandomState(0)
    factors = rng.normal(size=(2000, 1))
    with pytest.raises(ValueError, match="discrete_factors=False"):
        mig_score(np.c_[factors, factors], factors, discrete_factors=True)
