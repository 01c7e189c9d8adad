"""Bad input gets a clear error that names the problem, never a torch trace."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skvae import BFVAE, DIPVAE, AlignedEnsemble, FactorVAE
from skvae.metrics import dbsr_ls_from_codes, evaluate

FAST = dict(n_components=2, hidden_layer_sizes=(4,), max_iter=1, batch_size=16)


@pytest.fixture(scope="module")
def fitted():
    X = np.random.RandomState(0).standard_normal((50, 4))
    return BFVAE(**FAST, random_state=0).fit(X), X


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0], [3, 4]]), ValueError, "NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0], [3, 4]]), ValueError, "infinity"),
        (np.array([["a", "b"], ["c", "d"]]), ValueError, "could not convert string"),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]}), ValueError, "convert"),
        (np.arange(5.0), ValueError, "Expected 2D array"),
        (np.empty((0, 3)), ValueError, "0 sample"),
        (np.ones((1, 3)), ValueError, "1 sample"),
    ],
)
def test_bad_training_data(X, error, match):
    with pytest.raises(error, match=match):
        BFVAE(**FAST).fit(X)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"beta": -1.0}, "'beta' parameter"),
        ({"n_components": 0}, "'n_components' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        # a batch of one row has no batch statistics; every batch would be skipped
        ({"batch_size": 1}, "'batch_size' parameter"),
        ({"device": "tpu"}, "'device' parameter"),
        ({"learning_rate": 0.0}, "'learning_rate' parameter"),
        ({"likelihood": "poisson"}, "'likelihood' parameter"),
        ({"tc_estimator": "kde"}, "'tc_estimator' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"validation_fraction": 1.5}, "'validation_fraction' parameter"),
        # bools are not numbers: True was one latent, and beta=True a torch RuntimeError
        ({"n_components": True}, "'n_components' parameter"),
        ({"learning_rate": True}, "'learning_rate' parameter"),
        ({"beta": True}, "'beta' parameter"),
    ],
)
def test_nonsense_parameters(params, match):
    X = np.random.RandomState(0).standard_normal((20, 3))
    with pytest.raises(InvalidParameterError, match=match):
        BFVAE(**{**FAST, **params}).fit(X)


def test_other_nonsense_parameters():
    X = np.random.RandomState(0).standard_normal((20, 3))
    with pytest.raises(InvalidParameterError, match="'lambda_od' parameter"):
        DIPVAE(**FAST, lambda_od=-1).fit(X)
    with pytest.raises(InvalidParameterError, match="'gamma' parameter"):
        FactorVAE(**FAST, gamma=0.0).fit(X)
    for sizes in [(0,), ("a",), (np.nan,), (4.5,), ([4],), (True,)]:
        with pytest.raises(ValueError, match="hidden_layer_sizes must be a sequence of positive"):
            BFVAE(**{**FAST, "hidden_layer_sizes": sizes}).fit(X)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter"):  # joblib's error
        AlignedEnsemble(BFVAE(**FAST), n_runs=2, n_jobs=0).fit(X)
    for sizes in [(-1,), (0,), ("a",)]:
        match = "discriminator_hidden_layer_sizes must be a sequence of positive"
        with pytest.raises(ValueError, match=match):
            FactorVAE(**FAST, discriminator_hidden_layer_sizes=sizes).fit(X)
        with pytest.raises(ValueError, match=match):
            BFVAE(**FAST, tc_estimator="discriminator",
                  discriminator_hidden_layer_sizes=sizes).fit(X)


@pytest.mark.parametrize(
    "shape, match",
    [
        ((-1, -5), "input_shape must be a sequence of positive integers"),
        ((2.5, 2), "input_shape must be a sequence of positive integers"),
        (("a", "b"), "input_shape must be a sequence of positive integers"),
        ((1, 5), "too thin for the stride-2 convolutions"),
        ((1, 1, 5), "too thin for the stride-2 convolutions"),
    ],
)
def test_bad_conv_input_shape(shape, match):
    X = np.random.RandomState(0).random_sample((20, 5))
    with pytest.raises(ValueError, match=match):
        BFVAE(**FAST, architecture="conv", input_shape=shape).fit(X)


def test_small_images_still_fit():
    # sides of at most 4 need no convolution; 2 x 6 shrinks to 1 x 3 in one
    for shape in [(1, 3), (2, 6)]:
        X = np.random.RandomState(0).random_sample((20, shape[0] * shape[1]))
        model = BFVAE(**FAST, architecture="conv", input_shape=shape, random_state=0).fit(X)
        assert model.transform(X).shape == (20, 2)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only error")
def test_cuda_without_gpu():
    X = np.random.RandomState(0).standard_normal((20, 3))
    with pytest.raises(ValueError, match="no CUDA device is available"):
        BFVAE(**FAST, device="cuda").fit(X)
    assert BFVAE(**FAST, device="auto").fit(X).device_ == "cpu"


def test_unfitted_estimator():
    X = np.ones((3, 2))
    for method in ("transform", "inverse_transform", "score", "score_samples"):
        with pytest.raises(NotFittedError):
            getattr(BFVAE(), method)(X)
    with pytest.raises(NotFittedError):
        BFVAE().sample(2)


def test_wrong_feature_count(fitted):
    model, X = fitted
    for method in ("transform", "score", "score_samples"):
        with pytest.raises(ValueError, match="X has 3 features, but BFVAE is expecting 4"):
            getattr(model, method)(X[:, :3])


def test_wrong_latent_width_at_inverse_transform(fitted):
    model, _ = fitted
    with pytest.raises(ValueError, match="2 columns \\(the fitted n_components\\), got 3"):
        model.inverse_transform(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        model.inverse_transform(np.full((5, 2), np.nan))


def test_bad_sample_count(fitted):
    model, _ = fitted
    for n_samples in [0, True, 1.5]:
        with pytest.raises(ValueError, match="n_samples must be a positive integer"):
            model.sample(n_samples)


def test_bernoulli_scores_need_values_in_unit_interval():
    X = (np.random.RandomState(0).random_sample((40, 4)) > 0.5).astype(float)
    model = BFVAE(**FAST, likelihood="bernoulli", random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"needs values in \[0, 1\]"):
        model.score(X * 10 - 5)
    assert np.isfinite(model.score(X))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"fvh_lt_params": {"n_grid": 1}}, "'n_grid' parameter"),
        ({"fvh_lt_params": {"n_grid": 0}}, "'n_grid' parameter"),
        ({"fvh_lt_params": {"n_anchors": 0}}, "'n_anchors' parameter"),
        ({"fvh_lt_params": {"n_anchors": True}}, "'n_anchors' parameter"),
        ({"fvh_lt_params": {"feature_threshold": 2.0}}, "'feature_threshold' parameter"),
        ({"fvh_lt_params": {"anchors": "foo"}}, "'anchors' parameter"),
        ({"dbsr_ls_params": {"n_lambdas": 0}}, "'n_lambdas' parameter"),
        ({"dbsr_ls_params": {"cv": 2.5}}, "'cv' parameter"),
        ({"dbsr_ls_params": {"max_iter": 0}}, "'max_iter' parameter"),
        ({"dbsr_ls_params": {"lambda_min_ratio": 0}}, "'lambda_min_ratio' parameter"),
    ],
)
def test_evaluate_checks_the_nested_parameters(fitted, params, match):
    # scikit-learn's message names evaluate, the function called, for a nested parameter
    model, X = fitted
    with pytest.raises(InvalidParameterError, match=match):
        evaluate(model, X, random_state=0, **params)


def test_evaluate_names_unknown_nested_keys(fitted):
    model, X = fitted
    with pytest.raises(ValueError, match=r"fvh_lt_params has unknown keys \['foo'\]; fvh_lt"):
        evaluate(model, X, fvh_lt_params={"foo": 1})
    with pytest.raises(ValueError, match=r"dbsr_ls_params has unknown keys \['bar'\]"):
        evaluate(model, X, dbsr_ls_params={"bar": 1})
    ensemble = AlignedEnsemble(BFVAE(**FAST), n_runs=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"fvh_lt_params has unknown keys \['foo'\]"):
        ensemble.evaluate(X, fvh_lt_params={"foo": 1})


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 4 rows
def test_dbsr_ls_needs_a_row_per_fold_and_numeric_lambdas():
    rng = np.random.RandomState(0)
    Z, X = rng.standard_normal((4, 2)), rng.standard_normal((4, 3))
    with pytest.raises(ValueError, match="cv=5 folds need at least 5 rows; got 4"):
        dbsr_ls_from_codes(Z, X)
    assert dbsr_ls_from_codes(Z, X, cv=2, random_state=0).coef.shape == (2, 3)
    with pytest.raises(ValueError, match="lambdas must be 'cv' or a pair"):
        dbsr_ls_from_codes(Z, X, lambdas=("a", "b"))
    with pytest.raises(ValueError, match="Z has values too large to standardise"):
        dbsr_ls_from_codes(Z * 1e200, X, cv=2)
    # a one-row table: the message was scikit-learn's about the codes' shape
    with pytest.raises(ValueError, match="DBSR-LS needs at least 2 rows of data; got 1"):
        dbsr_ls_from_codes(Z[:1], X[:1], lambdas=(0.1, 0.1))


def test_evaluate_of_one_row_says_so(fitted):
    model, X = fitted
    with pytest.raises(ValueError, match="at least 2 rows of data; got 1"):
        evaluate(model, X[:1])


def test_aligned_ensemble_needs_rows_for_its_evaluation():
    X = np.random.RandomState(0).standard_normal((4, 3))
    with pytest.raises(ValueError, match="at least 5 rows .* got n_samples=4"):
        AlignedEnsemble(BFVAE(**FAST), n_runs=2).fit(X)
    with pytest.raises(InvalidParameterError, match="'n_eval_samples' parameter"):
        AlignedEnsemble(BFVAE(**FAST), n_runs=2, n_eval_samples=4).fit(
            np.random.RandomState(0).standard_normal((20, 3)))


def test_callbacks_must_be_skorch_callbacks():
    X = np.random.RandomState(0).standard_normal((20, 3))
    for callbacks in [[1], ["x"], [("name", 3)]]:
        with pytest.raises(ValueError, match="callbacks must hold skorch Callback instances"):
            BFVAE(**FAST, callbacks=callbacks).fit(X)


def test_read_only_input_gives_no_torch_warning(recwarn):
    X = np.random.RandomState(0).standard_normal((40, 4)).astype(np.float32)
    X.flags.writeable = False
    model = BFVAE(**FAST, random_state=0).fit(X)
    model.transform(X)
    assert not [w for w in recwarn if "not writable" in str(w.message)]
