"""CUDA fits, and loading CUDA-fitted models on machines without a GPU."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from skvae import BFVAE, FactorVAE

TINY = dict(n_components=3, hidden_layer_sizes=(16,), max_iter=2, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).standard_normal((300, 6)).astype(np.float32)


def test_pickled_cuda_model_loads_on_cpu_without_cuda(X, monkeypatch):
    # Runs without a GPU: a CPU-fitted model stamped as fitted on CUDA must come back on
    # the CPU (device_ 'cpu') when CUDA is not available where it is loaded.
    model = BFVAE(**TINY).fit(X)
    expected = model.transform(X)
    model.device_ = "cuda"
    data = pickle.dumps(model)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = pickle.loads(data)
    assert loaded.device_ == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.module_.parameters())
    np.testing.assert_array_equal(loaded.transform(X), expected)
    assert np.isfinite(loaded.score(X))


@pytest.mark.gpu
@pytest.mark.parametrize("device", ["cuda", "auto"])
def test_fit_on_cuda(X, device):
    model = BFVAE(device=device, **TINY).fit(X)
    assert model.device_ == "cuda"
    assert all(p.is_cuda for p in model.module_.parameters())
    Z = model.transform(X)
    assert Z.shape == (len(X), 3) and Z.dtype == np.float32 and np.isfinite(Z).all()
    X_hat = model.inverse_transform(Z)
    assert X_hat.shape == X.shape and np.isfinite(X_hat).all()
    assert np.isfinite(model.score(X)) and model.kl_per_latent_.shape == (3,)
    assert len(model.loss_curve_) == 2 and np.isfinite(model.loss_curve_).all()


@pytest.mark.gpu
def test_cuda_fit_is_reproducible(X):
    a = BFVAE(device="cuda", **TINY).fit(X)
    b = BFVAE(device="cuda", **TINY).fit(X)
    np.testing.assert_allclose(a.transform(X), b.transform(X), rtol=1e-4, atol=1e-5)


@pytest.mark.gpu
def test_factor_vae_discriminator_on_cuda(X):
    model = FactorVAE(device="cuda", discriminator_hidden_layer_sizes=(8,), **TINY).fit(X)
    assert all(p.is_cuda for p in model.discriminator_.parameters())
    assert np.isfinite(model.loss_curve_).all()


@pytest.mark.gpu
def test_cuda_model_loads_in_a_process_without_cuda(X, tmp_path):
    model = BFVAE(device="cuda", **TINY).fit(X)
    expected = model.transform(X)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(model))
    np.save(tmp_path / "X.npy", X)
    code = (
        "import pickle, sys, numpy as np, torch\n"
        "assert not torch.cuda.is_available()\n"
        "model = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "assert model.device_ == 'cpu', model.device_\n"
        "np.save(sys.argv[3], model.transform(np.load(sys.argv[2])))\n"
    )
    args = [str(path), str(tmp_path / "X.npy"), str(tmp_path / "Z.npy")]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    subprocess.run([sys.executable, "-c", code, *args], check=True, env=env)
    np.testing.assert_allclose(np.load(tmp_path / "Z.npy"), expected, rtol=1e-4, atol=1e-5)
    # The CUDA model itself is untouched by pickling.
    assert model.device_ == "cuda" and next(model.module_.parameters()).is_cuda
