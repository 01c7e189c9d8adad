"""Tests for FVH-LT (method.md section 3)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA, FactorAnalysis
from sklearn.exceptions import NotFittedError

from skvae.metrics._fvh_lt import FVHLTResult, fvh_lt
from skvae.metrics._lsdi import lsdi_components

GRID_VAR = np.var(np.linspace(-3.0, 3.0, 21))  # variance of the default grid


class LinearVAE(BaseEstimator):
    """Fake VAE with a linear decoder x = z @ W; counts decoder calls."""

    def __init__(self, weights=None, kl=None):
        self.weights = weights
        self.kl = kl

    def fit(self, X=None, y=None):
        self.weights_ = np.asarray(self.weights, dtype=float)
        k, p = self.weights_.shape
        self.kl_per_latent_ = np.ones(k) if self.kl is None else np.asarray(self.kl, float)
        self.n_features_in_ = p
        self.n_decode_calls_ = 0
        self.n_decoded_rows_ = 0
        return self

    def transform(self, X):
        return np.asarray(X) @ np.linalg.pinv(self.weights_)

    def decode(self, Z):
        return Z @ self.weights_

    def inverse_transform(self, Z):
        self.n_decode_calls_ += 1
        self.n_decoded_rows_ += len(Z)
        return self.decode(np.asarray(Z))


class TanhVAE(LinearVAE):
    """Fake VAE with a nonlinear decoder x = tanh(z @ W)."""

    def decode(self, Z):
        return np.tanh(Z @ self.weights_)


def _weights(k=3, p=6, seed=0):
    return np.random.RandomState(seed).normal(size=(k, p))


def _data(weights, n=300, seed=1):
    rng = np.random.RandomState(seed)
    return rng.uniform(-1, 1, size=(n, weights.shape[0])) @ weights


@pytest.mark.parametrize("anchors", ["data", "prior"])
@pytest.mark.parametrize("n_grid, grid_range", [(21, (-3.0, 3.0)), (5, (-1.0, 2.0))])
def test_linear_decoder_known_answer(anchors, n_grid, grid_range):
    w = _weights()
    model = LinearVAE(w).fit()
    result = fvh_lt(
        model, _data(w), anchors=anchors, n_grid=n_grid, grid_range=grid_range, random_state=0
    )
    grid_var = np.var(np.linspace(*grid_range, n_grid))
    np.testing.assert_allclose(result.variances, w**2 * grid_var, rtol=1e-10)
    assert result.importance is result.variances
    assert result.grid_scale == "prior"  # the fake has kl_per_latent_
    np.testing.assert_allclose(result.grid, np.tile(np.linspace(*grid_range, n_grid), (3, 1)))


def test_pca_data_scale_is_eigenvalue_times_squared_loadings():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 5)) * [4.0, 3.0, 2.0, 1.0, 0.5]
    pca = PCA(n_components=3).fit(X)
    result = fvh_lt(pca, X, random_state=0)
    assert result.grid_scale == "data"
    n = X.shape[0]
    expected = pca.explained_variance_[:, None] * (n - 1) / n * pca.components_**2 * GRID_VAR
    np.testing.assert_allclose(result.variances, expected, rtol=1e-8)
    # The grid of latent k is the base grid times the SD of its codes.
    sd = pca.transform(X).std(axis=0)
    np.testing.assert_allclose(result.grid, sd[:, None] * np.linspace(-3, 3, 21))
    # grid_scale='prior' uses the raw grid: V is then the squared loadings.
    raw = fvh_lt(pca, X, grid_scale="prior", random_state=0)
    np.testing.assert_allclose(raw.variances, pca.components_**2 * GRID_VAR, rtol=1e-8)


def test_ignored_latent_gets_a_zero_row():
    w = _weights(k=4, p=5)
    w[2] = 0.0
    result = fvh_lt(TanhVAE(w).fit(), _data(w), random_state=0)
    np.testing.assert_array_equal(result.variances[2], 0.0)
    assert np.all(result.variances[[0, 1, 3]].max(axis=1) > 0)
    assert result.heterogeneity[2] == 0.0
    assert result.feature_sets["z2"] == []


def test_heterogeneity_and_feature_sets():
    w = np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [1.0, 0.8, 0.5, 0.0]])
    result = fvh_lt(LinearVAE(w).fit(), _data(w), random_state=0)
    assert result.heterogeneity[0] == pytest.approx(1.0)
    assert result.heterogeneity[1] == pytest.approx(0.0, abs=1e-12)
    # Row 2 is proportional to (1, .64, .25, 0).
    share = np.array([1.0, 0.64, 0.25]) / 1.89
    expected = 1 - (-np.sum(share * np.log(share))) / np.log(4)
    assert result.heterogeneity[2] == pytest.approx(expected)
    assert result.feature_sets == {
        "z0": ["x0"],
        "z1": ["x0", "x1", "x2", "x3"],
        "z2": ["x0", "x1"],
    }
    strict = fvh_lt(LinearVAE(w).fit(), _data(w), feature_threshold=1.0, random_state=0)
    assert strict.feature_sets["z2"] == ["x0"]
    loose = fvh_lt(LinearVAE(w).fit(), _data(w), feature_threshold=0.2, random_state=0)
    assert loose.feature_sets["z2"] == ["x0", "x1", "x2"]


def test_one_decoder_call_for_default_sizes():
    w = _weights(k=10, p=24)
    model = LinearVAE(w).fit()
    result = fvh_lt(model, _data(w, n=500), random_state=0)
    assert model.n_decode_calls_ == 1
    # 100 data anchors plus the anchors' mean (the plotted curves), 10 latents, 21 points.
    assert model.n_decoded_rows_ == 101 * 10 * 21
    # Chunked decoding gives the same result, in whole traversals per call.
    chunked_model = LinearVAE(w).fit()
    chunked = fvh_lt(chunked_model, _data(w, n=500), batch_size=7 * 21 + 3, random_state=0)
    assert chunked_model.n_decode_calls_ == int(np.ceil(101 * 10 / 7))
    np.testing.assert_allclose(chunked.variances, result.variances, rtol=1e-12)
    np.testing.assert_allclose(chunked.curves, result.curves, rtol=1e-12)
    # A batch smaller than one traversal still decodes whole traversals.
    tiny_model = LinearVAE(w).fit()
    fvh_lt(tiny_model, _data(w, n=500), batch_size=1, n_anchors=2, random_state=0)
    assert tiny_model.n_decode_calls_ == 3 * 10


def test_anchors_reproducible_and_sampled_without_replacement():
    w = _weights()
    X = _data(w, n=300)
    model = TanhVAE(w).fit()
    first = fvh_lt(model, X, n_anchors=20, random_state=0)
    again = fvh_lt(model, X, n_anchors=20, random_state=0)
    other = fvh_lt(model, X, n_anchors=20, random_state=1)
    np.testing.assert_array_equal(first.variances, again.variances)
    assert not np.allclose(first.variances, other.variances)
    # Anchors are the codes of 20 distinct rows of X.
    codes = model.transform(X)
    hits = np.isclose(first.anchors[:, None, :], codes[None]).all(axis=2)
    assert first.anchors.shape == (20, 3)
    assert np.all(hits.sum(axis=1) == 1) and len(set(hits.argmax(axis=1))) == 20
    # More anchors than rows: every row once.
    every = fvh_lt(model, X[:7], n_anchors=100, random_state=0)
    assert every.anchors.shape == (7, 3)


def test_curves_follow_the_mean_anchor_or_the_prior():
    w = _weights(k=3, p=4)
    model = TanhVAE(w).fit()
    X = _data(w)
    result = fvh_lt(model, X, n_anchors=30, random_state=0)
    center = result.anchors.mean(axis=0)
    k = 1
    z = np.tile(center, (21, 1))
    z[:, k] = result.grid[k]
    np.testing.assert_allclose(result.curves[k], np.tanh(z @ w), rtol=1e-12)
    assert result.curves.shape == (3, 21, 4)

    prior = fvh_lt(model, X, anchors="prior")
    np.testing.assert_array_equal(prior.anchors, np.zeros((1, 3)))
    z = np.zeros((21, 3))
    z[:, k] = np.linspace(-3, 3, 21)
    np.testing.assert_allclose(prior.curves[k], np.tanh(z @ w), rtol=1e-12)
    # With one anchor at 0, V is the variance of the curves.
    np.testing.assert_allclose(prior.variances, prior.curves.var(axis=1), atol=1e-14)


def test_informative_mask_and_lsdi():
    w = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
    model = LinearVAE(w, kl=[5.0, 2.0, 0.01]).fit()
    result = fvh_lt(model, _data(w), random_state=0)
    np.testing.assert_array_equal(result.informative, [True, True, False])
    assert result.lsdi == lsdi_components(result.variances, informative=[True, True, False])
    assert result.lsdi.lsdi == pytest.approx(1.0)
    # The non-informative third latent would spoil the index.
    everything = fvh_lt(model, _data(w), threshold=0.0, random_state=0)
    assert everything.informative.all() and everything.lsdi.lsdi < 0.5
    given = fvh_lt(model, _data(w), informative=[True, False, True], random_state=0)
    np.testing.assert_array_equal(given.informative, [True, False, True])


def test_names_frame_and_repr():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.normal(size=(100, 4)), columns=["a", "b", "c", "d"])
    pca = PCA(n_components=2).fit(frame)
    result = fvh_lt(pca, frame, random_state=0)
    assert result.latent_names == ["pca0", "pca1"]
    assert result.feature_names == ["a", "b", "c", "d"]
    table = result.to_frame()
    assert list(table.index) == ["pca0", "pca1"] and list(table.columns) == list("abcd")
    np.testing.assert_array_equal(table.to_numpy(), result.variances)
    assert set(result.feature_sets) == {"pca0", "pca1"}
    assert repr(result).startswith("FVHLTResult(n_latents=2, n_features=4")
    page = result._repr_html_()
    assert "<table" in page and "LSDI" in page
    assert isinstance(result, FVHLTResult)


def test_does_not_modify_input():
    w = _weights()
    X = _data(w)
    copy = X.copy()
    fvh_lt(LinearVAE(w).fit(), X, random_state=0)
    np.testing.assert_array_equal(X, copy)


def test_bad_input():
    X = np.random.RandomState(0).normal(size=(50, 4))
    with pytest.raises(NotFittedError):
        fvh_lt(PCA(2), X)
    with pytest.raises(TypeError, match="inverse_transform"):
        fvh_lt(FactorAnalysis(2).fit(X), X)
    pca = PCA(2).fit(X)
    with pytest.raises(ValueError, match="3 features"):
        fvh_lt(pca, X[:, :3])
    with pytest.raises(ValueError, match="n_grid"):
        fvh_lt(pca, X, n_grid=1)
    for bad in [(3.0, -3.0), (1.0, 1.0), (0.0, np.inf), (1.0, 2.0, 3.0), ("a", "b")]:
        with pytest.raises(ValueError, match="grid_range"):
            fvh_lt(pca, X, grid_range=bad)
    with pytest.raises(ValueError, match="anchors"):
        fvh_lt(pca, X, anchors="mean")
    with pytest.raises(ValueError, match="grid_scale"):
        fvh_lt(pca, X, grid_scale="unit")
    with pytest.raises(ValueError, match="2 latents"):
        fvh_lt(pca, X, informative=[True, True, True])
    with pytest.raises(ValueError, match="NaN"):
        fvh_lt(pca, np.where(X > 2, np.nan, X))
    # one row has no spread to scale the grid by (V was all zero, the LSDI 0)
    with pytest.raises(ValueError, match="grid_scale='data' .* at least 2 rows; got 1"):
        fvh_lt(pca, X[:1])


class _NaNDecoder(PCA):
    def inverse_transform(self, X):
        decoded = super().inverse_transform(X)
        decoded[0, 0] = np.nan
        return decoded


def test_a_decoder_returning_nan_is_an_error_not_an_lsdi():
    X = np.random.RandomState(0).normal(size=(50, 4))
    with pytest.raises(ValueError, match="inverse_transform returned non-finite values"):
        fvh_lt(_NaNDecoder(2).fit(X), X)


def _plotting_available():
    try:
        from skvae.plotting import (  # noqa: F401
            plot_heatmap,
            plot_traversal_images,
            plot_traversals,
        )
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _plotting_available(), reason="skvae.plotting not available yet")
def test_plot_methods():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    w = _weights(k=2, p=4)
    result = fvh_lt(LinearVAE(w).fit(), _data(w), random_state=0)
    try:
        assert isinstance(result.plot(), Axes)
        assert isinstance(result.plot_traversals(), Figure)
        assert isinstance(result.plot_traversals(latents=[0], features=[1, 2]), Figure)
        assert isinstance(result.plot_traversal_images((2, 2)), Figure)
        assert "data:image/png;base64," in result._repr_html_()
    finally:
        plt.close("all")
