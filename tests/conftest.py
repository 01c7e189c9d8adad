"""Shared fixtures: small simulated tables and tiny estimator configurations."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import pytest
import torch

from skvae import BFVAE, DIPVAE, VAE, AnnealedVAE, BetaTCVAE, BetaVAE, FactorVAE
from skvae.datasets import make_factor_analysis

#: Tiny, fast configurations of every public estimator (2 epochs, narrow layers).
TINY = dict(n_components=3, hidden_layer_sizes=(8,), max_iter=2, batch_size=32)
TINY_ESTIMATORS = [
    VAE(**TINY),
    BetaVAE(**TINY),
    AnnealedVAE(**TINY),
    FactorVAE(discriminator_hidden_layer_sizes=(8,), **TINY),
    BetaTCVAE(**TINY),
    DIPVAE(**TINY),
    BFVAE(**TINY),
    BFVAE(tc_estimator="discriminator", discriminator_hidden_layer_sizes=(8,), capacity=2.0,
          lambda_od=1.0, **TINY),
]


def pytest_collection_modifyitems(config, items):
    if not torch.cuda.is_available():
        skip = pytest.mark.skip(reason="needs a CUDA device")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    """One torch thread per test process: pytest-xdist runs one process per core, and
    tiny models are slower with two threads on a shared machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def fa15():
    """FA15 table (2,000 rows), its factors and loadings."""
    return make_factor_analysis(2000, preset="FA15", random_state=0)


@pytest.fixture
def small_X():
    return np.random.RandomState(0).standard_normal((120, 6))
