"""Tests for AlignedEnsemble: repeated runs aligned by GAS and evaluated together."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import json
import pickle

import matplotlib
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.decomposition import FactorAnalysis
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from skvae import BFVAE, AlignedEnsemble, evaluate, lsdi_scorer, make_disentanglement_scorer
from skvae.datasets import make_factor_analysis
from skvae.metrics import GASAlignment, GASEvaluation, lsdi_components
from tests.test_evaluation import _blocks, _data

matplotlib.use("Agg")

TINY = dict(n_components=4, hidden_layer_sizes=(16,), max_iter=10, batch_size=64,
            learning_rate=1e-2)


@pytest.fixture(scope="module")
def X():
    return make_factor_analysis(600, preset="FA15", random_state=0)[0]


@pytest.fixture(scope="module")
def ensemble(X):
    return AlignedEnsemble(BFVAE(**TINY), n_runs=3, random_state=0).fit(X)


class PermutedCoder(TransformerMixin, BaseEstimator):
    """One fixed linear model whose latents each seed permutes and sign-flips.

    Every "run" is the same model up to label switching, which GAS must undo.
    """

    def __init__(self, weights=None, kl=None, random_state=None):
        self.weights = weights
        self.kl = kl
        self.random_state = random_state

    def fit(self, X, y=None):
        rng = check_random_state(self.random_state)
        W = np.asarray(self.weights, dtype=float)
        self.perm_ = rng.permutation(len(W))
        self.signs_ = rng.choice([-1.0, 1.0], size=len(W))
        self.weights_ = W[self.perm_] * self.signs_[:, None]  # row k: true latent perm[k]
        self.kl_per_latent_ = np.asarray(self.kl, dtype=float)[self.perm_]
        self.n_features_in_ = W.shape[1]
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float) @ np.linalg.pinv(self.weights_)

    def inverse_transform(self, Z):
        return np.asarray(Z, dtype=float) @ self.weights_

    def score(self, X, y=None):
        return float(self.random_state % 7)  # a deterministic, seed-dependent "ELBO"


def test_planted_label_switching_is_undone():
    W = _blocks(4, 3) * np.array([1.0, 2.0, 3.0, 4.0])[:, None] ** 0.5
    X = _data(W, n=500)
    kl = [4.0, 3.0, 2.0, 0.01]
    ens = AlignedEnsemble(PermutedCoder(W, kl), n_runs=4, random_state=0).fit(X)
    runs = ens.estimators_
    assert len({tuple(run.perm_) for run in runs}) > 1  # the runs really are switched
    ref = runs[ens.reference_]
    assert ens.reference_criterion_ == "score"
    assert ens.reference_ == int(np.argmax([run.score(X) for run in runs]))
    # Aligned codes of every run agree with the reference's codes.
    codes_ref = ref.transform(X)
    for r, run in enumerate(runs):
        assert_allclose(ens.alignment_.align(run.transform(X), r), codes_ref, atol=1e-8)
    assert_allclose(ens.transform(X), codes_ref, atol=1e-8)
    assert_allclose(ens.inverse_transform(codes_ref), ref.inverse_transform(codes_ref))
    assert_allclose(ens.stability_, 1.0)
    assert_allclose(ens.kl_per_latent_, ref.kl_per_latent_)
    # Identical models: the aggregated matrices equal each run's, with zero spread.
    ev = ens.evaluation_
    assert isinstance(ev, GASEvaluation)
    assert_allclose(ev.fvh_lt.std, 0.0, atol=1e-10)
    assert_allclose(ev.dbsr_ls.std, 0.0, atol=1e-10)
    assert_allclose(ev.run_lsdi, ev.run_lsdi[0])
    assert ev.lsdi == pytest.approx(ev.run_lsdi[0])
    assert ev.lsdi > 0.95
    assert_array_equal(ev.informative, ref.kl_per_latent_ > 0.1)
    assert_allclose(ev.informative_frequency, ev.informative.astype(float))
    # Runs without names of their own: the ensemble names the latents.
    assert list(ens.get_feature_names_out()) == [f"alignedensemble{k}" for k in range(4)]
    assert ev.lsdi_fvh_lt == lsdi_components(ev.fvh_lt.mean, informative=ev.informative)


def test_fit_attributes(ensemble, X):
    ens = ensemble
    assert len(ens.estimators_) == 3 and len(set(ens.seeds_)) == 3
    assert [run.random_state for run in ens.estimators_] == list(ens.seeds_)
    assert ens.estimators_[0] is not ens.estimator
    assert not hasattr(ens.estimator, "module_")  # the template stays unfitted
    assert ens.n_features_in_ == 15 and ens.n_components_ == 4
    assert isinstance(ens.alignment_, GASAlignment)
    assert ens.alignment_.reference == ens.reference_
    assert ens.reference_criterion_ == "score"
    assert_allclose(ens.reference_scores_, [run.score(X) for run in ens.estimators_])
    assert ens.reference_ == int(np.argmax(ens.reference_scores_))
    kls = np.stack([run.kl_per_latent_[p] for run, p in
                    zip(ens.estimators_, ens.alignment_.permutations)])
    assert_allclose(ens.kl_per_latent_, kls.mean(axis=0), rtol=1e-6)
    assert_allclose(ens.stability_, ens.alignment_.stability)
    assert list(ens.get_feature_names_out()) == [f"bfvae{k}" for k in range(4)]
    # transform: the mean of the aligned codes of the runs.
    codes = [ens.alignment_.align(run.transform(X), r) for r, run in enumerate(ens.estimators_)]
    assert_allclose(ens.transform(X), np.mean(codes, axis=0), rtol=1e-6, atol=1e-7)
    Z = ens.transform(X[:5])
    assert_allclose(ens.inverse_transform(Z),
                    ens.estimators_[ens.reference_].inverse_transform(Z))


def test_evaluation_views(ensemble, X):
    ev = ensemble.evaluation_
    assert 0 <= ev.lsdi <= 1
    assert ev.lsdi == pytest.approx(0.5 * (ev.lsdi_fvh_lt.lsdi + ev.lsdi_dbsr_ls.lsdi))
    assert ev.n_runs == 3 and ev.run_lsdi.shape == (3,)
    assert ev.dbsr_ls.selection_frequency.shape == (4, 15)
    again = ensemble.evaluate(X, random_state=1)
    assert again.alignment is ensemble.alignment_  # the fitted alignment is reused
    summary = json.loads(json.dumps(ev.summary(), allow_nan=False))
    assert summary["n_runs"] == 3 and summary["reference"] == ensemble.reference_
    assert len(summary["stability"]) == 4
    frame = ev.to_frame()
    assert {"kl", "informative", "stability", "informative_frequency"} <= set(frame.columns)
    assert_allclose(frame["stability"], ensemble.stability_)
    titles = [ax.get_title() for ax in ev.plot().axes]
    assert any("stability" in t for t in titles) and any("mean" in t for t in titles)
    assert any("SD" in t for t in (ax.get_title() for ax in ev.plot("std").axes))
    assert "data:image/png" in ev._repr_html_()
    # evaluate() and the scorers go through the ensemble's aggregated evaluation.
    assert evaluate(ensemble, X, random_state=0).lsdi == ensemble.evaluate(
        X, random_state=0).lsdi
    assert lsdi_scorer(ensemble, X) == ensemble.evaluate(X, random_state=0).lsdi
    stability = make_disentanglement_scorer("stability")(ensemble, X)
    mask = ensemble.evaluate(X, random_state=0).informative
    assert stability == pytest.approx(ensemble.stability_[mask].mean() if mask.any() else 0)
    mask = np.array([True, True, False, False])
    assert_array_equal(ensemble.evaluate(X, informative=mask).informative, mask)


def test_pickle_clone_params(ensemble, X):
    restored = pickle.loads(pickle.dumps(ensemble))
    assert_array_equal(restored.transform(X), ensemble.transform(X))
    fresh = clone(ensemble)
    assert not hasattr(fresh, "estimators_")
    assert fresh.get_params()["n_runs"] == 3
    params = ensemble.get_params(deep=True)
    assert params["estimator__gamma"] == BFVAE().gamma
    assert params["estimator__max_iter"] == 10


def test_same_random_state_same_result(X):
    X = X[:300]
    a = AlignedEnsemble(BFVAE(**TINY), n_runs=2, random_state=0).fit(X)
    b = AlignedEnsemble(BFVAE(**TINY), n_runs=2, random_state=0, n_jobs=2).fit(X)
    assert_array_equal(a.seeds_, b.seeds_)
    assert_allclose(a.transform(X), b.transform(X), rtol=1e-5, atol=1e-6)
    assert a.evaluation_.lsdi == pytest.approx(b.evaluation_.lsdi, abs=1e-6)


def test_pipeline_base_estimator_and_dataframe(X):
    frame = pd.DataFrame(X[:300], columns=[f"f{j}" for j in range(15)])
    base = make_pipeline(StandardScaler(), BFVAE(**TINY))
    ens = AlignedEnsemble(base, n_runs=2, n_eval_samples=200, random_state=0).fit(frame)
    assert [run[-1].random_state for run in ens.estimators_] == list(ens.seeds_)
    assert list(ens.feature_names_in_) == list(frame.columns)
    assert ens.evaluation_.feature_names == list(frame.columns)
    out = clone(ens).set_output(transform="pandas").fit(frame).transform(frame)
    assert list(out.columns) == [f"bfvae{k}" for k in range(4)]  # the runs' names
    with pytest.raises(ValueError, match="feature names"):
        ens.transform(frame.rename(columns={"f0": "other"}))


def test_grid_search_over_base_parameters(X):
    search = GridSearchCV(AlignedEnsemble(BFVAE(**TINY), n_runs=2, random_state=0),
                          {"estimator__gamma": [0.0, 5.0]}, scoring=lsdi_scorer,
                          cv=KFold(2, shuffle=True, random_state=0))
    search.fit(X[:400])
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all((0 <= scores) & (scores <= 1))
    assert search.best_estimator_.estimators_[0].gamma == search.best_params_["estimator__gamma"]


def test_score_score_samples_and_sample(ensemble, X):
    runs = ensemble.estimators_
    assert_allclose(ensemble.score_samples(X), np.mean([r.score_samples(X) for r in runs], axis=0))
    assert ensemble.score(X) == pytest.approx(np.mean([r.score(X) for r in runs]))
    reference = runs[ensemble.reference_]
    for got, expected in zip(ensemble.sample(3, random_state=0),
                             reference.sample(3, random_state=0)):
        assert_array_equal(got, expected)
    # Only what the runs offer: a linear model has none of the three.
    linear = AlignedEnsemble(PermutedCoder(_blocks(), kl=[1.0, 1.0, 1.0]), n_runs=2)
    assert hasattr(linear, "score") and not hasattr(linear, "score_samples")
    assert not hasattr(linear, "sample")
    assert not hasattr(AlignedEnsemble(FactorAnalysis(2)), "sample")


def test_early_stopping_reference_is_lowest_validation_loss(X):
    base = BFVAE(**{**TINY, "max_iter": 3}, early_stopping=True)
    ens = AlignedEnsemble(base, n_runs=3, random_state=0).fit(X[:300])
    final = [run.validation_scores_[-1] for run in ens.estimators_]
    assert ens.reference_criterion_ == "validation_loss"
    assert ens.reference_ == int(np.argmin(final))
    assert_allclose(ens.reference_scores_, final)


def test_bad_parameters_and_input(X):
    with pytest.raises(ValueError, match="n_runs"):
        AlignedEnsemble(BFVAE(**TINY), n_runs=1).fit(X)
    with pytest.raises(ValueError, match="method"):
        AlignedEnsemble(BFVAE(**TINY), method="best").fit(X)
    with pytest.raises(ValueError, match="estimator"):
        AlignedEnsemble(FactorAnalysis(2)).fit(X)  # no inverse_transform
    assert isinstance(AlignedEnsemble()._base_estimator(), BFVAE)


def test_no_random_state_warns():
    class Fixed(TransformerMixin, BaseEstimator):
        def fit(self, X, y=None):
            self.n_features_in_ = 2
            return self

        def transform(self, X):
            return np.asarray(X, dtype=float)

        def inverse_transform(self, Z):
            return np.asarray(Z, dtype=float)

    X = np.random.RandomState(0).uniform(size=(50, 2))
    with pytest.warns(UserWarning, match="no random_state"):
        ens = AlignedEnsemble(Fixed(), n_runs=2).fit(X)
    assert ens.reference_criterion_ == "none" and ens.reference_ == 0
    assert_allclose(ens.stability_, 1.0)
