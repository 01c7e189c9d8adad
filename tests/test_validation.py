"""Bad input gets a clear error that names the problem, never a torch trace."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skvae import BFVAE, DIPVAE, FactorVAE

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
        ({"device": "tpu"}, "'device' parameter"),
        ({"learning_rate": 0.0}, "'learning_rate' parameter"),
        ({"likelihood": "poisson"}, "'likelihood' parameter"),
        ({"tc_estimator": "kde"}, "'tc_estimator' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"validation_fraction": 1.5}, "'validation_fraction' parameter"),
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
    with pytest.raises(ValueError, match="hidden_layer_sizes must be positive"):
        BFVAE(**{**FAST, "hidden_layer_sizes": (0,)}).fit(X)


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
    with pytest.raises(ValueError, match="n_components=2 columns, got 3"):
        model.inverse_transform(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        model.inverse_transform(np.full((5, 2), np.nan))


def test_bad_sample_count(fitted):
    model, _ = fitted
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        model.sample(0)
