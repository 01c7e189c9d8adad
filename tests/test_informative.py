"""Tests for informative-latent masks and the name helper shared by the metrics."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.decomposition import PCA, FactorAnalysis, FastICA
from sklearn.exceptions import NotFittedError

from skvae.metrics._informative import _latent_and_feature_names, informative_latents

RNG = np.random.RandomState(0)
X = RNG.uniform(size=(60, 5))


class KLModel(BaseEstimator):
    """Minimal fitted 'VAE': only what informative_latents looks at."""

    def __init__(self, kl=None):
        self.kl = kl

    def fit(self, X=None, y=None):
        self.kl_per_latent_ = np.asarray(self.kl, dtype=float)
        return self


class Opaque(BaseEstimator):
    """A fitted transformer that does not reveal its width."""

    def fit(self, X=None, y=None):
        self.fitted_ = True
        return self


def test_kl_threshold():
    model = KLModel([8.0, 3e-3, 0.1, 0.11, 0.0]).fit()
    np.testing.assert_array_equal(
        informative_latents(model), [True, False, False, True, False]
    )
    np.testing.assert_array_equal(
        informative_latents(model, threshold=0.0), [True, True, True, True, False]
    )
    np.testing.assert_array_equal(
        informative_latents(model, threshold=5.0), [True, False, False, False, False]
    )


@pytest.mark.parametrize(
    "estimator",
    [PCA(n_components=3), FastICA(n_components=3, random_state=0), FactorAnalysis(3)],
    ids=["PCA", "FastICA", "FactorAnalysis"],
)
def test_linear_models_have_all_components_informative(estimator):
    estimator.fit(X)
    mask = informative_latents(estimator)
    assert mask.dtype == bool
    np.testing.assert_array_equal(mask, [True, True, True])


def test_explicit_mask_is_validated_and_copied():
    model = KLModel([1.0, 0.0, 1.0]).fit()
    given = np.array([False, True, False])
    mask = informative_latents(model, mask=given)
    np.testing.assert_array_equal(mask, given)  # the mask wins over the KL
    mask[0] = True
    assert not given[0]
    with pytest.raises(ValueError, match="3 latents"):
        informative_latents(model, mask=[True, False])
    with pytest.raises(TypeError, match="booleans"):
        informative_latents(model, mask=[1, 0, 1])
    with pytest.raises(ValueError, match="1-D"):
        informative_latents(model, mask=[[True, False, True]])


def test_unfitted_and_opaque_estimators():
    with pytest.raises(NotFittedError):
        informative_latents(PCA(2))
    with pytest.raises(TypeError, match="pass the mask"):
        informative_latents(Opaque().fit())
    np.testing.assert_array_equal(
        informative_latents(Opaque().fit(), mask=[True, False]), [True, False]
    )


def test_names():
    pca = PCA(2).fit(X)
    assert _latent_and_feature_names(pca) == (["pca0", "pca1"], ["x0", "x1", "x2", "x3", "x4"])
    frame = pd.DataFrame(X, columns=list("abcde"))
    pca = PCA(2).fit(frame)
    assert _latent_and_feature_names(pca) == (["pca0", "pca1"], list("abcde"))
    # No get_feature_names_out / n_features_in_: defaults of the requested sizes.
    model = KLModel([1.0, 2.0, 3.0]).fit()
    assert _latent_and_feature_names(model, n_features=2) == (["z0", "z1", "z2"], ["x0", "x1"])
    # Names that disagree with the requested sizes are replaced.
    assert _latent_and_feature_names(pca, n_latents=3, n_features=4) == (
        ["z0", "z1", "z2"],
        ["x0", "x1", "x2", "x3"],
    )
