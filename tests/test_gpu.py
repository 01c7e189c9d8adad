"""CUDA fits, and loading CUDA-fitted models on machines without a GPU."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import logging
import os
import pickle
import subprocess
import sys
import warnings

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
    module = model.module_
    data = pickle.dumps(model)
    assert model.module_ is module  # pickling leaves the live estimator alone
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
    X_new, Z_new = model.sample(5, random_state=0)
    assert X_new.shape == (5, X.shape[1]) and np.isfinite(X_new).all()
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


@pytest.mark.gpu
def test_bf16_mixed_precision_on_cuda(X):
    model = BFVAE(device="cuda", precision="bf16", **TINY).fit(X)
    assert np.isfinite(model.loss_curve_).all()
    assert model.transform(X).dtype == np.float32


@pytest.mark.gpu
@pytest.mark.parametrize("early_stopping", [False, True])
def test_disentanglement_scoring_on_cuda_scores_the_cpu_rows(X, early_stopping):
    # The scored rows (validation or training rows) are gathered from the training tensor
    # on the device, exactly; the snapshot's KL is measured on them.
    from skvae.callbacks import DisentanglementScoring

    seen = []

    def kl_sum(estimator, rows):
        seen.append(rows)
        return float(estimator.kl_per_latent_.sum())

    params = dict(TINY, max_iter=3, early_stopping=early_stopping, validation_fraction=0.2)
    model = BFVAE(device="cuda", callbacks=[DisentanglementScoring(kl_sum, name="kl_sum")],
                  **params).fit(X)
    assert len(seen) == 3  # fit deep-copies its callbacks, but not a function: same ``seen``
    if early_stopping:
        assert seen[0].shape == (60, 6)
        assert all((X == row).all(axis=1).sum() == 1 for row in seen[0])
    else:
        np.testing.assert_array_equal(seen[0], X)
        assert model.history_[-1]["kl_sum"] == pytest.approx(model.kl_per_latent_.sum(),
                                                            rel=1e-5)


@pytest.mark.gpu
@pytest.mark.parametrize("early_stopping", [False, True])
def test_data_too_large_for_the_gpu_stays_pinned_on_the_host(X, monkeypatch, early_stopping):
    # With no room on the GPU, batches are gathered on the host and copied asynchronously;
    # the rows, their order and the noise are the same, so is the fitted model.
    from skvae.utils import _torch

    params = dict(TINY, max_iter=3, early_stopping=early_stopping, validation_fraction=0.2)
    on_device = BFVAE(device="cuda", **params).fit(X)
    monkeypatch.setattr(_torch, "DEVICE_DATA_FRACTION", 0.0)
    on_host = BFVAE(device="cuda", **params).fit(X)
    np.testing.assert_allclose(on_host.transform(X), on_device.transform(X), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(on_host.loss_curve_, on_device.loss_curve_, rtol=1e-5)


@pytest.mark.gpu
@pytest.mark.parametrize("cls", [BFVAE, FactorVAE])
def test_training_steps_do_not_synchronise_with_the_host(X, cls):
    # torch reports every operation that waits for the GPU; a fit may wait once per epoch
    # (the loss terms are read then) and in set-up, never once per step. BFVAE replays a
    # CUDA graph (cuda_graph=True), FactorVAE (with its discriminator) runs eagerly.
    epochs, batch_size = 4, 16
    steps = epochs * (len(X) // batch_size)
    extra = ({"discriminator_hidden_layer_sizes": (8,)} if cls is FactorVAE
             else {"cuda_graph": True})
    model = cls(device="cuda", **extra, **dict(TINY, max_iter=epochs, batch_size=batch_size))
    torch.cuda.set_sync_debug_mode("warn")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    syncs = [w for w in caught if "synchroniz" in str(w.message)]
    assert len(syncs) <= 4 * epochs + 10 < steps, [str(w.message) for w in syncs[:5]]


@pytest.mark.gpu
@pytest.mark.parametrize("params", [dict(), dict(capacity=5.0, beta=2.0, lambda_od=1.0),
                                    dict(precision="bf16")])
def test_cuda_graph_replay_matches_eager_training(X, caplog, params):
    # The step is captured once and replayed: same kernels, same noise stream, so the
    # same training as eager steps.
    params = dict(TINY, max_iter=4, batch_size=32, **params)
    with caplog.at_level(logging.INFO, logger="skvae._engine"):
        graphed = BFVAE(device="cuda", cuda_graph=True, **params).fit(X)
    assert "captured in a CUDA graph" in caplog.text
    eager = BFVAE(device="cuda", **params).fit(X)
    np.testing.assert_allclose(graphed.loss_curve_, eager.loss_curve_, rtol=1e-3)
    np.testing.assert_allclose(graphed.transform(X), eager.transform(X), rtol=1e-2, atol=1e-3)
    capacities = [row["capacity"] for row in graphed.history_]
    np.testing.assert_allclose(capacities, [row["capacity"] for row in eager.history_],
                               rtol=1e-6)
