"""Tests for the label-free scorers in model selection (GridSearchCV, cross_validate)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from scipy.stats import ortho_group
from sklearn.base import clone
from sklearn.decomposition import PCA, FactorAnalysis, FastICA
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvae import BFVAE, dbsr_ls_scorer, evaluate, fvh_lt_scorer, lsdi_scorer
from skvae.datasets import make_factor_analysis
from skvae.metrics import DisentanglementScorer, make_disentanglement_scorer
from tests.test_evaluation import LinearCoder, _blocks, _data

TINY = dict(n_components=4, hidden_layer_sizes=(16,), max_iter=10, batch_size=64,
            learning_rate=1e-2, random_state=0)
GRID = {"bfvae__beta": [0.5, 1.0], "bfvae__gamma": [0.0, 5.0]}
CV = KFold(2, shuffle=True, random_state=0)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def X():
    return make_factor_analysis(600, preset="FA15", random_state=0)[0]


def _pipe():
    return make_pipeline(StandardScaler(), BFVAE(**TINY))


def test_grid_search_single_scorer(X):
    search = GridSearchCV(_pipe(), GRID, scoring={"lsdi": lsdi_scorer}, refit="lsdi", cv=CV)
    search.fit(X)
    scores = search.cv_results_["mean_test_lsdi"]
    assert scores.shape == (4,)
    assert np.all(np.isfinite(scores)) and np.all((0 <= scores) & (scores <= 1))
    assert scores.max() > 0  # some candidate has >= 2 informative latents
    assert search.best_score_ == scores.max()
    # A split score is the scorer on the held-out fold of a clone fitted on the rest.
    params = search.cv_results_["params"][0]
    train, test = next(CV.split(X))
    model = clone(_pipe()).set_params(**params).fit(X[train])
    assert search.cv_results_["split0_test_lsdi"][0] == pytest.approx(
        lsdi_scorer(model, X[test]), abs=1e-12
    )


def test_grid_search_multi_metric_dict_and_list(X):
    scorers = {"lsdi": lsdi_scorer, "fvh_lt": fvh_lt_scorer, "dbsr_ls": dbsr_ls_scorer}
    by_dict = GridSearchCV(_pipe(), GRID, scoring=scorers, refit="lsdi", cv=CV).fit(X)
    res = by_dict.cv_results_
    for split in ("split0", "split1"):
        assert_allclose(res[f"{split}_test_lsdi"],
                        0.5 * (res[f"{split}_test_fvh_lt"] + res[f"{split}_test_dbsr_ls"]))
    # One scorer returning a dict: the same numbers from one evaluation per split.
    scorer = make_disentanglement_scorer(["lsdi", "fvh_lt", "dbsr_ls"])
    by_list = GridSearchCV(_pipe(), GRID, scoring=scorer, refit="lsdi", cv=CV).fit(X)
    for name in scorers:
        assert_allclose(by_list.cv_results_[f"mean_test_{name}"], res[f"mean_test_{name}"])
    assert by_list.best_params_ == by_dict.best_params_


def test_cross_validate(X):
    scorer = make_disentanglement_scorer(["lsdi", "n_informative"])
    result = cross_validate(_pipe(), X, scoring=scorer, cv=CV)
    assert np.all((0 <= result["test_lsdi"]) & (result["test_lsdi"] <= 1))
    assert np.all(result["test_n_informative"] >= 0)
    single = cross_validate(_pipe(), X, scoring=lsdi_scorer, cv=CV)
    assert_allclose(single["test_score"], result["test_lsdi"])


def test_linear_baselines_on_one_axis():
    X_all = make_factor_analysis(1000, preset="FA15", random_state=0)[0]
    X_train, X_test = X_all[:500], X_all[500:]
    ica = make_pipeline(StandardScaler(), FastICA(3, random_state=0)).fit(X_train)
    pca = make_pipeline(StandardScaler(), PCA(3)).fit(X_train)
    ica_score, pca_score = lsdi_scorer(ica, X_test), lsdi_scorer(pca, X_test)
    assert ica_score > 0.9  # independent non-Gaussian factors: ICA recovers the blocks
    assert pca_score < ica_score - 0.1  # PCA's axes mix the blocks
    assert ica_score == evaluate(ica, X_test, random_state=0).lsdi
    assert fvh_lt_scorer(pca, X_test) == evaluate(pca, X_test, random_state=0).lsdi_fvh_lt.lsdi
    assert dbsr_ls_scorer(pca, X_test) == evaluate(pca, X_test,
                                                   random_state=0).lsdi_dbsr_ls.lsdi


def test_known_answer_block_decoder_and_rotation():
    W = _blocks(3, 4)
    X = _data(W, n=500)
    assert lsdi_scorer(LinearCoder(W).fit(X), X) == pytest.approx(1.0, abs=1e-3)
    for seed in range(3):
        rotated = LinearCoder(ortho_group.rvs(3, random_state=seed) @ W).fit(X)
        assert lsdi_scorer(rotated, X) < 0.6
        assert fvh_lt_scorer(rotated, X) < 0.6 and dbsr_ls_scorer(rotated, X) < 0.6


def test_make_scorer_object():
    W = _blocks(2, 3)
    X = _data(W)
    model = LinearCoder(W, kl=[1.0, 1.0]).fit(X)
    scorer = make_disentanglement_scorer("fvh_lt", threshold=0.5,
                                         fvh_lt_params={"n_grid": 7})
    assert isinstance(scorer, DisentanglementScorer)
    assert repr(scorer) == ("make_disentanglement_scorer('fvh_lt', random_state=0, "
                            "threshold=0.5, fvh_lt_params={'n_grid': 7})")
    expected = evaluate(model, X, threshold=0.5, fvh_lt_params={"n_grid": 7},
                        random_state=0).lsdi_fvh_lt.lsdi
    assert scorer(model, X) == expected
    assert make_disentanglement_scorer("n_informative")(model, X) == 2.0
    assert 0 <= make_disentanglement_scorer("exclusivity")(model, X) <= 1
    # Picklable (GridSearchCV with n_jobs > 1), including the module-level scorers.
    restored = pickle.loads(pickle.dumps(scorer))
    assert restored == scorer and restored(model, X) == expected
    for module_scorer in (lsdi_scorer, fvh_lt_scorer, dbsr_ls_scorer):
        assert pickle.loads(pickle.dumps(module_scorer)) is module_scorer


def test_make_scorer_bad_arguments():
    with pytest.raises(ValueError, match="Unknown metric"):
        make_disentanglement_scorer("mig")
    with pytest.raises(ValueError, match="unique"):
        make_disentanglement_scorer(["lsdi", "lsdi"])
    for metric in [None, 3, []]:  # None and 3 were a TypeError from list()
        with pytest.raises(ValueError, match="metric must be a metric name or a non-empty"):
            make_disentanglement_scorer(metric)
    with pytest.raises(TypeError, match="Unknown parameter"):
        make_disentanglement_scorer("lsdi", n_anchors=10)
    # Values are checked when the scorer is built: at scoring time, GridSearchCV would turn
    # the error into NaN scores. FVH-LT-only scorers check dbsr_ls_params as evaluate does.
    for metric in ["lsdi", "fvh_lt"]:
        for params, match in [
            ({"threshold": -1}, "'threshold' parameter of evaluate"),
            ({"random_state": "seed"}, "'random_state' parameter of evaluate"),
            ({"fvh_lt_params": {"n_grid": 1}}, "'n_grid' parameter of fvh_lt"),
            ({"dbsr_ls_params": {"cv": 1}}, "'cv' parameter of dbsr_ls_from_codes"),
            ({"dbsr_ls_params": {"n_lambdas": 1}}, "'n_lambdas' parameter of dbsr_ls_from"),
        ]:
            with pytest.raises(ValueError, match=match):
                make_disentanglement_scorer(metric, **params)
    W = _blocks(2, 3)
    X = _data(W)
    with pytest.raises(TypeError, match="AlignedEnsemble"):
        make_disentanglement_scorer("stability")(LinearCoder(W).fit(X), X)


@pytest.mark.parametrize("scorer", [lsdi_scorer, fvh_lt_scorer, dbsr_ls_scorer,
                                    make_disentanglement_scorer(["lsdi", "fvh_lt"])])
def test_scorers_bad_input(scorer, X):
    with pytest.raises(NotFittedError):
        scorer(BFVAE(n_components=2), X)
    with pytest.raises(NotFittedError):
        scorer(make_pipeline(StandardScaler(), PCA(2)), X)
    with pytest.raises(ValueError, match="features"):
        scorer(PCA(2).fit(X), X[:, :4])
    with pytest.raises(TypeError, match="inverse_transform"):
        scorer(FactorAnalysis(2).fit(X), X)


def test_fvh_lt_metrics_alone_skip_dbsr_ls_with_the_same_values(X, monkeypatch):
    from skvae import AlignedEnsemble
    from skvae.metrics import _evaluation

    pipe = make_pipeline(StandardScaler(), BFVAE(**TINY)).fit(X)
    ensemble = AlignedEnsemble(BFVAE(**TINY), n_runs=2, random_state=0).fit(X)
    models = {"pipeline": pipe, "pca": PCA(3).fit(X), "ensemble": ensemble}
    expected = {name: evaluate(model, X, random_state=0) for name, model in models.items()}

    def refuse(*args, **kwargs):
        raise AssertionError("DBSR-LS ran")

    monkeypatch.setattr(_evaluation, "dbsr_ls_from_codes", refuse)
    scorer = make_disentanglement_scorer(["fvh_lt", "n_informative"])
    for name in ("pipeline", "pca"):
        scores = scorer(models[name], X)
        assert scores == {"fvh_lt": expected[name].lsdi_fvh_lt.lsdi,
                          "n_informative": expected[name].n_informative}
        assert fvh_lt_scorer(models[name], X) == expected[name].lsdi_fvh_lt.lsdi
    with pytest.raises(AssertionError, match="DBSR-LS ran"):  # the others need it
        lsdi_scorer(pipe, X)
    with pytest.raises(AssertionError, match="DBSR-LS ran"):  # aggregated over the runs
        fvh_lt_scorer(ensemble, X)
    monkeypatch.undo()
    assert fvh_lt_scorer(ensemble, X) == expected["ensemble"].lsdi_fvh_lt.lsdi
    # the unused dbsr_ls_params are still checked, as evaluate checks them
    with pytest.raises(ValueError, match="dbsr_ls_params has unknown keys"):
        make_disentanglement_scorer("fvh_lt", dbsr_ls_params={"bogus": 1})(pipe, X)
    with pytest.raises(ValueError, match="'threshold' parameter of evaluate"):
        make_disentanglement_scorer("fvh_lt", threshold=-1)(pipe, X)
