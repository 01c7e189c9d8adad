"""Slow end-to-end checks on FA15 (10,000 rows, 3 uniform factors, K=10, default BFVAE)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from scipy.stats import ortho_group
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler

from skvae import BFVAE
from skvae.datasets import make_factor_analysis
from skvae.metrics import evaluate

pytestmark = pytest.mark.slow


class _Rotated(TransformerMixin, BaseEstimator):
    """A fitted VAE whose informative latents are mixed by a fixed orthogonal matrix."""

    def __init__(self, model, rotation):
        self.model = model
        self.rotation = rotation

    def fit(self, X, y=None):
        self.kl_per_latent_ = self.model.kl_per_latent_
        self.n_features_in_ = self.model.n_features_in_
        return self

    def transform(self, X):
        return self.model.transform(X) @ self.rotation

    def inverse_transform(self, Z):
        return self.model.inverse_transform(Z @ self.rotation.T)


@pytest.fixture(scope="module")
def fitted():
    X, _, _ = make_factor_analysis(10_000, preset="FA15", random_state=0)
    X = StandardScaler().fit_transform(X)
    return BFVAE(n_components=10, max_iter=60, random_state=0).fit(X), X


def test_bfvae_finds_exactly_the_three_fa15_factors(fitted):
    model, _ = fitted
    kl = np.sort(model.kl_per_latent_)[::-1]
    assert (kl > 0.1).sum() == 3, kl
    assert np.all(kl[3:] < 0.01), kl


def test_lsdi_high_for_the_fit_and_clearly_lower_when_rotated(fitted):
    model, X = fitted
    lsdi = evaluate(model, X, random_state=0).lsdi
    assert lsdi > 0.8
    informative = np.flatnonzero(model.kl_per_latent_ > 0.1)
    rotated_lsdi = []
    for seed in range(3):
        rotation = np.eye(10)
        block = ortho_group.rvs(len(informative), random_state=seed)
        rotation[np.ix_(informative, informative)] = block
        rotated = _Rotated(model, rotation).fit(X)
        rotated_lsdi.append(evaluate(rotated, X, random_state=0).lsdi)
    assert max(rotated_lsdi) < lsdi - 0.2, (lsdi, rotated_lsdi)
