"""Tests for the full label-free evaluation (skvae.metrics.evaluate)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA, FactorAnalysis, FastICA
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvae import BFVAE
from skvae.metrics import (
    DisentanglementEvaluation,
    dbsr_ls,
    evaluate,
    fvh_lt,
    informative_latents,
    lsdi_components,
    lsdi_scorer,
)

matplotlib.use("Agg")


class LinearCoder(TransformerMixin, BaseEstimator):
    """Fake VAE: encoder pinv(W), linear decoder x = z @ W, fixed KL per latent."""

    def __init__(self, weights=None, kl=None):
        self.weights = weights
        self.kl = kl

    def fit(self, X, y=None):
        self.weights_ = np.asarray(self.weights, dtype=float)
        self.n_features_in_ = self.weights_.shape[1]
        kl = np.ones(len(self.weights_)) if self.kl is None else self.kl
        self.kl_per_latent_ = np.asarray(kl, dtype=float)
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float) @ np.linalg.pinv(self.weights_)

    def inverse_transform(self, Z):
        return np.asarray(Z, dtype=float) @ self.weights_


def _blocks(n_latents=3, size=3):
    return np.kron(np.eye(n_latents), np.ones((1, size)))


def _data(weights, n=400, noise=0.05, seed=0):
    rng = np.random.RandomState(seed)
    latents = rng.uniform(-np.sqrt(3), np.sqrt(3), size=(n, weights.shape[0]))
    return latents @ weights + noise * rng.normal(size=(n, weights.shape[1]))


@pytest.fixture(scope="module")
def fa15():
    from skvae.datasets import make_factor_analysis

    return make_factor_analysis(600, preset="FA15", random_state=0)[0]


@pytest.fixture(scope="module")
def tiny_vae(fa15):
    return BFVAE(n_components=4, hidden_layer_sizes=(16,), max_iter=10, batch_size=64,
                 learning_rate=1e-2, random_state=0).fit(fa15)


def test_evaluate_matches_its_parts():
    W = _blocks()
    X = _data(W)
    model = LinearCoder(W, kl=[2.0, 1.0, 0.01]).fit(X)
    ev = evaluate(model, X, random_state=0)
    assert isinstance(ev, DisentanglementEvaluation)
    mask = informative_latents(model)
    assert_array_equal(ev.informative, [True, True, False])
    assert_array_equal(ev.informative, mask)
    # FVH-LT and DBSR-LS are exactly the library functions with the informative mask.
    assert_allclose(ev.fvh_lt.variances,
                    fvh_lt(model, X, informative=mask, random_state=0).variances)
    assert_allclose(ev.dbsr_ls.coef, dbsr_ls(model, X, informative=mask, random_state=0).coef)
    # The collapsed latent is excluded from DBSR-LS and from both LSDIs.
    assert np.all(ev.dbsr_ls.coef[2] == 0)
    assert ev.lsdi_fvh_lt == lsdi_components(ev.fvh_lt.variances, informative=mask)
    assert ev.lsdi_dbsr_ls == lsdi_components(ev.dbsr_ls.importance, informative=mask)
    assert ev.lsdi == pytest.approx(0.5 * (ev.lsdi_fvh_lt.lsdi + ev.lsdi_dbsr_ls.lsdi))
    # Two clean blocks of three features out of the informative pair: balance 1, LSDI ~ 1.
    assert ev.lsdi > 0.95
    assert_allclose(ev.kl, [2.0, 1.0, 0.01])
    assert ev.n_informative == 2


def test_threshold_and_explicit_mask():
    W = _blocks()
    X = _data(W)
    model = LinearCoder(W, kl=[2.0, 1.0, 0.5]).fit(X)
    assert evaluate(model, X, threshold=1.5, random_state=0).n_informative == 1
    assert evaluate(model, X, threshold=1.5, random_state=0).lsdi == 0.0  # one latent
    ev = evaluate(model, X, informative=np.array([True, False, True]), random_state=0)
    assert_array_equal(ev.informative, [True, False, True])
    assert np.all(ev.dbsr_ls.coef[1] == 0)


def test_params_are_routed():
    W = _blocks(2, 2)
    X = _data(W)
    model = LinearCoder(W).fit(X)
    ev = evaluate(model, X, fvh_lt_params={"n_grid": 5, "anchors": "prior"},
                  dbsr_ls_params={"lambdas": (0.01, 0.01)})
    assert ev.fvh_lt.grid.shape == (2, 5)
    assert ev.fvh_lt.anchors.shape == (1, 2)
    assert ev.dbsr_ls.lambda_b == 0.01 and ev.dbsr_ls.cv_lambdas_b is None
    with pytest.raises(ValueError, match="fvh_lt_params may not set"):
        evaluate(model, X, fvh_lt_params={"random_state": 0})
    with pytest.raises(ValueError, match="dbsr_ls_params may not set"):
        evaluate(model, X, dbsr_ls_params={"informative": None})


def test_random_state_makes_it_reproducible(tiny_vae, fa15):
    a = evaluate(tiny_vae, fa15, random_state=3)
    b = evaluate(tiny_vae, fa15, random_state=3)
    assert a.lsdi == b.lsdi
    assert_array_equal(a.fvh_lt.variances, b.fvh_lt.variances)


def test_vae(tiny_vae, fa15):
    ev = evaluate(tiny_vae, fa15, random_state=0)
    assert_allclose(ev.kl, tiny_vae.kl_per_latent_)
    assert ev.latent_names == ["bfvae0", "bfvae1", "bfvae2", "bfvae3"]
    assert ev.feature_names == [f"x{j}" for j in range(15)]
    assert 0 <= ev.lsdi <= 1 and ev.n_informative >= 1


def test_pipeline_is_unwrapped_and_keeps_feature_names():
    W = _blocks()
    X = pd.DataFrame(_data(W) * 3 + 1, columns=[f"f{j}" for j in range(9)])
    pipe = make_pipeline(StandardScaler(), PCA(3)).fit(X)
    ev = evaluate(pipe, X, random_state=0)
    inner = evaluate(pipe[-1], pipe[0].transform(X), random_state=0)
    assert ev.lsdi == inner.lsdi
    assert_allclose(ev.fvh_lt.variances, inner.fvh_lt.variances)
    assert ev.feature_names == list(X.columns)
    assert list(ev.dbsr_ls.feature_names) == list(X.columns)
    assert all(f in X.columns for fs in ev.fvh_lt.feature_sets.values() for f in fs)
    assert ev.latent_names == ["pca0", "pca1", "pca2"]
    assert ev.kl is None and ev.informative.all()


def test_searches_and_nested_pipelines_are_unwrapped():
    """A fitted search stands for its best estimator and a nested Pipeline for its last
    step: the model's KL, not "every latent", decides the informative latents."""
    W = _blocks()
    X = pd.DataFrame(_data(W) * 3 + 1, columns=[f"f{j}" for j in range(9)])
    kl = [1.0, 1.0, 0.0]
    pipe = make_pipeline(StandardScaler(), LinearCoder(W, kl)).fit(X)
    expected = evaluate(pipe, X, random_state=0)
    assert_array_equal(expected.informative, [True, True, False])
    search = GridSearchCV(make_pipeline(StandardScaler(), LinearCoder(W)),
                          {"linearcoder__kl": [kl]}, scoring=lsdi_scorer, cv=2).fit(X)
    nested = make_pipeline(StandardScaler(), make_pipeline(StandardScaler(), LinearCoder(W, kl)))
    expected_dbsr = dbsr_ls(pipe[-1], pipe[0].transform(X), random_state=0)
    for wrapped in (search, nested.fit(X), make_pipeline(pipe)):
        dbsr = dbsr_ls(wrapped, X, random_state=0)
        assert_allclose(dbsr.coef, expected_dbsr.coef)
        assert list(dbsr.feature_names) == list(X.columns)
        ev = evaluate(wrapped, X, random_state=0)
        assert_array_equal(ev.informative, expected.informative)
        assert ev.lsdi == pytest.approx(expected.lsdi)
        assert ev.feature_names == list(X.columns)
        assert_array_equal(informative_latents(wrapped), expected.informative)
        fvh = fvh_lt(wrapped, X, random_state=0)
        assert_allclose(fvh.variances, expected.fvh_lt.variances)
        assert fvh.feature_names == list(X.columns)
        assert fvh.grid_scale == "prior"
    assert lsdi_scorer(search, X) == pytest.approx(expected.lsdi)
    assert search.score(X) == pytest.approx(expected.lsdi)


def test_result_views(tiny_vae, fa15):
    ev = evaluate(tiny_vae, fa15, random_state=0)
    # Results compare by identity (element-wise array comparison has no single truth value).
    for result in (ev, ev.fvh_lt, ev.dbsr_ls):
        assert result == result and result != copy.copy(result)
    assert repr(ev.dbsr_ls) == (
        f"DBSRLSResult(n_latents=4, n_features=15, n_active={ev.dbsr_ls.active_latents.sum()}, "
        f"n_nonzero={ev.dbsr_ls.support.sum()}, lambda_b={ev.dbsr_ls.lambda_b:.4g}, "
        f"lambda_s={ev.dbsr_ls.lambda_s:.4g})")
    summary = ev.summary()
    text = json.dumps(summary, allow_nan=False)  # plain, strict JSON
    assert json.loads(text)["lsdi"] == pytest.approx(ev.lsdi)
    assert summary["lsdi_fvh_lt"]["balance"] == pytest.approx(ev.lsdi_fvh_lt.balance)
    assert summary["informative"] == ev.informative.tolist()
    assert set(summary["fvh_lt_feature_sets"]) == set(ev.latent_names)

    frame = ev.to_frame()
    assert list(frame.index) == ev.latent_names
    assert list(frame.columns) == ["kl", "informative", "heterogeneity", "fvh_lt_features",
                                   "dbsr_ls_features"]
    assert_allclose(frame["kl"], tiny_vae.kl_per_latent_)

    fig = ev.plot()
    titles = [ax.get_title() for ax in fig.axes]
    assert {"KL per latent", "FVH-LT variances V", "DBSR-LS Theta^2"} <= set(titles)
    html = ev._repr_html_()
    assert "LSDI" in html and "<table" in html and "data:image/png" in html
    assert "lsdi=" in repr(ev)


def test_an_evaluation_at_threshold_zero_plots(tiny_vae, fa15):
    ev = evaluate(tiny_vae, fa15[:500], threshold=0, random_state=0)
    assert ev.informative.all()  # every latent has a positive KL
    titles = [ax.get_title() for ax in ev.plot().axes]  # its log KL axis has no 0 line
    assert "KL per latent" in titles and "data:image/png" in ev._repr_html_()


def test_linear_model_without_kl_plots_two_heatmaps():
    W = _blocks(2, 3)
    X = _data(W)
    ev = evaluate(FastICA(2, random_state=0).fit(X), X, random_state=0)
    assert ev.lsdi > 0.95
    titles = [ax.get_title() for ax in ev.plot().axes]
    assert "KL per latent" not in titles and "FVH-LT variances V" in titles
    assert json.dumps(ev.summary(), allow_nan=False)
    assert ev.to_frame()["kl"].isna().all()


def test_bad_input(fa15):
    with pytest.raises(NotFittedError):
        evaluate(BFVAE(n_components=2), fa15)
    with pytest.raises(NotFittedError):
        evaluate(make_pipeline(StandardScaler(), PCA(2)), fa15)
    pca = PCA(2).fit(fa15)
    with pytest.raises(ValueError, match="features"):
        evaluate(pca, fa15[:, :5])
    with pytest.raises(ValueError, match="features"):
        evaluate(make_pipeline(StandardScaler(), PCA(2)).fit(fa15), fa15[:, :5])
    with pytest.raises(TypeError, match="inverse_transform"):
        evaluate(FactorAnalysis(2).fit(fa15), fa15)
    with pytest.raises(TypeError, match="inverse_transform"):
        evaluate(make_pipeline(StandardScaler(), FactorAnalysis(2)).fit(fa15), fa15)
    with pytest.raises(ValueError, match="informative"):
        evaluate(pca, fa15, informative=np.array([True, True, True]))


def test_feature_lists_rank_the_largest_first():
    # Latent 0 loads 2.5, 3, 2.8 on features x0, x1, x2: both feature columns rank them
    # x1, x2, x0 (column order would give x0 first).
    W = np.array([[2.5, 3.0, 2.8, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]])
    X = _data(W)
    model = LinearCoder(W).fit(X)
    frame = evaluate(model, X, random_state=0).to_frame()
    assert frame.loc["z0", "fvh_lt_features"] == "x1, x2, x0"
    assert frame.loc["z0", "dbsr_ls_features"] == "x1, x2, x0"
