"""Slow end-to-end check on FA15: BFVAE finds the three factors and nothing else."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from skvae import BFVAE
from skvae.datasets import make_factor_analysis


@pytest.mark.slow
def test_bfvae_finds_exactly_the_three_fa15_factors():
    X, _, _ = make_factor_analysis(10_000, preset="FA15", random_state=0)
    X = StandardScaler().fit_transform(X)
    model = BFVAE(n_components=10, max_iter=60, random_state=0).fit(X)
    kl = np.sort(model.kl_per_latent_)[::-1]
    assert (kl > 0.1).sum() == 3, kl
    assert np.all(kl[3:] < 0.01), kl
