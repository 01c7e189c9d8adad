"""DisentanglementScoring: a label-free index in the training history."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import pickle

import numpy as np
import pytest
import torch
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import EarlyStopping

from skvae import BFVAE, AlignedEnsemble
from skvae.callbacks import DisentanglementScoring
from skvae.metrics import make_disentanglement_scorer


@pytest.fixture(scope="module")
def table(fa15):
    return StandardScaler().fit_transform(fa15[0][:800])


def _model(**params):
    return BFVAE(**{"n_components": 4, "hidden_layer_sizes": (32,), "max_iter": 12,
                    "batch_size": 32, "learning_rate": 5e-3, "random_state": 0, **params})


def test_scoring_leaves_training_unchanged_and_records_the_scorers_value(table):
    plain = _model().fit(table)
    scored = _model(callbacks=[DisentanglementScoring(["lsdi", "n_informative"], X=table,
                                                      max_rows=None)]).fit(table)
    # the evaluation draws nothing from the training's generators and leaves the model alone
    assert [row["train_loss"] for row in scored.history_] == plain.loss_curve_
    np.testing.assert_array_equal(scored.transform(table), plain.transform(table))
    # known answer: the last epoch's score is the scorer's value for the fitted model
    # (same rows, same seed; the KL of both is measured on the training rows)
    last = scored.history_[-1]
    expected = make_disentanglement_scorer(["lsdi", "n_informative"])(
        scored, table.astype(np.float32))  # the rows as the estimator holds them
    assert last["lsdi"] == expected["lsdi"] and last["n_informative"] == expected["n_informative"]
    assert last["lsdi"] > 0 and last["n_informative"] == 3  # the three factors are found
    best = -np.inf
    for row in scored.history_:  # the flag marks a strictly better score than before
        assert row["lsdi_best"] == (row["lsdi"] > best)
        best = max(best, row["lsdi"])


def test_early_stopping_on_the_index_keeps_the_best_epoch(table):
    scoring = DisentanglementScoring("fvh_lt", X=table, max_rows=None)
    stop = EarlyStopping(monitor="fvh_lt", lower_is_better=False, patience=3, load_best=True)
    model = _model(max_iter=60, callbacks=[scoring, stop]).fit(table)
    scores = [row["fvh_lt"] for row in model.history_]
    best_epoch = model.callbacks_[1].best_epoch_
    assert best_epoch == len(scores) - 3 < 57  # stopped after 3 epochs without improvement
    assert scores[best_epoch - 1] == max(scores)
    # load_best restored the weights of the best epoch: scoring the final model gives its score
    final = make_disentanglement_scorer("fvh_lt")(model, table.astype(np.float32))
    assert final == scores[best_epoch - 1] != scores[-1]


def test_checkpoint_keeps_the_parameters_of_the_best_scored_epoch(table, tmp_path):
    # The pattern the user guide shows; skorch's Checkpoint once failed on every monitor.
    from skorch.callbacks import Checkpoint

    scoring = DisentanglementScoring("fvh_lt", X=table, max_rows=None)
    checkpoint = Checkpoint(monitor="fvh_lt_best", dirname=str(tmp_path))
    model = _model(max_iter=8, callbacks=[scoring, checkpoint]).fit(table)
    scores = [row["fvh_lt"] for row in model.history_]
    saved = [row["event_cp"] for row in model.history_]
    assert saved == [row["fvh_lt_best"] for row in model.history_] and saved[0]
    best = int(np.argmax(scores))  # the last save is the best epoch's
    assert max(i for i, flag in enumerate(saved) if flag) == best
    model.module_.load_state_dict(torch.load(tmp_path / "params.pt"))
    rows = table.astype(np.float32)
    model.kl_per_latent_ = model._mean_kl(rows)  # the KL of the loaded parameters
    assert make_disentanglement_scorer("fvh_lt")(model, rows) == scores[best] != scores[-1]


def test_the_last_epoch_is_scored_when_the_built_in_early_stopping_fires(table):
    model = _model(max_iter=60, early_stopping=True, n_iter_no_change=2, tol=0.05,
                   callbacks=[DisentanglementScoring("fvh_lt")]).fit(table)
    assert model.n_iter_ < 60
    assert all("fvh_lt" in row and "valid_loss" in row for row in model.history_)


class _Recorder:
    """A scorer that remembers the rows it was given."""

    def __init__(self):
        self.rows = []

    def __call__(self, estimator, X):
        self.rows.append(X.copy())
        return float(estimator.kl_per_latent_.sum())


def test_rows_scored_default_to_the_validation_split_and_max_rows_fixes_a_subset(table):
    recorder = _Recorder()
    callback = DisentanglementScoring(recorder, name="kl_sum", max_rows=50)
    model = _model(max_iter=3, early_stopping=True, validation_fraction=0.25,
                   callbacks=[callback]).fit(table)
    recorder = model.callbacks_[0].scoring  # fit ran a copy of the callback, and of its scorer
    assert len(recorder.rows) == 3
    assert all(np.array_equal(rows, recorder.rows[0]) for rows in recorder.rows)
    assert recorder.rows[0].shape == (50, 15)
    # the rows are rows of the table, none repeated
    matches = [np.flatnonzero((table.astype(np.float32) == row).all(axis=1))
               for row in recorder.rows[0]]
    assert all(len(m) == 1 for m in matches) and len({m[0] for m in matches}) == 50
    assert [row["kl_sum"] for row in model.history_][-1] > 0
    # all 200 validation rows without max_rows; the training rows without a validation split
    for early_stopping, n_rows in ((True, 200), (False, 800)):
        model = _model(max_iter=1, early_stopping=early_stopping, validation_fraction=0.25,
                       callbacks=[DisentanglementScoring(_Recorder(), max_rows=None)]).fit(table)
        assert model.callbacks_[0].scoring.rows[0].shape == (n_rows, 15)


def test_fitted_estimators_keep_the_callback_without_its_rows(table):
    model = _model(max_iter=2, callbacks=[DisentanglementScoring("fvh_lt")]).fit(table)
    assert model.callbacks_[0].rows_ is None
    assert pickle.loads(pickle.dumps(model)).history_[-1]["fvh_lt"] == model.history_[-1]["fvh_lt"]


def test_aligned_ensemble_runs_are_scored_each(table):
    ensemble = AlignedEnsemble(_model(max_iter=2, callbacks=[DisentanglementScoring("fvh_lt")]),
                               n_runs=2, random_state=0).fit(table)
    assert all("fvh_lt" in run.history_[-1] for run in ensemble.estimators_)


@pytest.mark.parametrize("params, message", [
    ({"scoring": 3}, "scoring must be a metric name"),
    ({"scoring": "mig"}, "Unknown metric"),
    ({"scoring": ["lsdi", "fvh_lt"], "name": "x"}, "name must be None when scoring is a list"),
    ({"scoring": "lsdi", "name": "kl"}, "other than the history's own keys"),
    ({"scoring": "lsdi", "name": ""}, "non-empty string"),
    ({"scoring": "stability"}, "needs repeated runs aligned by GAS"),
    ({"scoring": ["lsdi", "stability"]}, "needs repeated runs aligned by GAS"),
    ({"scoring": "lsdi", "name": "train_loss_best"}, "other than the history's own keys"),
    ({"max_rows": 1}, "max_rows must be an integer >= 2"),
    ({"max_rows": True}, "max_rows must be an integer >= 2"),
    ({"X": np.zeros((10, 3))}, "X has 3 features, but the estimator is fitted on 15"),
    ({"X": np.full((10, 15), np.nan)}, "NaN"),
])
def test_bad_parameters_are_named(table, params, message):
    with pytest.raises(ValueError, match=message):
        _model(max_iter=1, callbacks=[DisentanglementScoring(**params)]).fit(table)


def test_a_scorer_returning_something_else_than_a_number_is_refused(table):
    with pytest.raises(TypeError, match="expected a number"):
        _model(max_iter=1, callbacks=[
            DisentanglementScoring(lambda estimator, X: "high")]).fit(table)


def test_a_scorer_sees_the_model_being_trained_not_a_previous_fit(table):
    seen = []

    def elbo(estimator, X):  # score needs the fit's seed, set before the first epoch
        seen.append({name: hasattr(estimator, name) for name in ("history_", "n_iter_")})
        return estimator.score(X)

    model = _model(max_iter=2, callbacks=[DisentanglementScoring(elbo, name="elbo")])
    for _ in range(2):  # the refit's snapshots hold nothing of the first fit
        model.fit(table)
        assert model.history_[-1]["elbo"] == model.score(table.astype(np.float32))
    assert seen == [{"history_": False, "n_iter_": False}] * 4
