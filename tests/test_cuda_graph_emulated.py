"""The CUDA-graph training path, run on the CPU with graph capture emulated.

A CUDA graph records the kernels of one training step, with their memory addresses and
their scalar arguments fixed at capture, and replays them; capture itself changes nothing.
Here the capture records every tensor operation below autograd (a TorchDispatchMode), then
puts back every tensor it wrote to and the state of the registered generators; a replay
runs the same operations again on the same tensors, writing each result into the tensor
recorded for it.

Anything the step decides in Python at capture time (a step counter, a capacity, a
learning-rate correction read from the device) is frozen exactly as on a GPU, so
``_graphed_train_step`` must train like eager steps. What only a GPU can show (streams,
the graph's memory pool, cuBLAS) is left to tests/test_gpu.py.
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import logging

import numpy as np
import pytest
import torch
from torch.utils import _pytree as pytree
from torch.utils._python_dispatch import TorchDispatchMode

from skvae import BFVAE, DIPVAE, BetaTCVAE
from skvae._engine import VAENet

TINY = dict(n_components=3, hidden_layer_sizes=(16,), max_iter=4, batch_size=32, random_state=0,
            cuda_graph=True)


class _HostReadDuringCapture(RuntimeError):
    """The captured step read a device value back; CUDA refuses that while capturing."""


class _Recorder(TorchDispatchMode):
    """Run operations and record them, with the tensors they read and produce.

    ``written`` holds, for each tensor that existed before the recording and that an
    operation writes to (per the operator's schema), the tensor and its value before.
    """

    def __init__(self, ops):
        super().__init__()
        self.ops = ops
        self.written = {}
        self._produced = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        for position, argument in enumerate(func._schema.arguments):
            if argument.alias_info is None or not argument.alias_info.is_write:
                continue
            value = args[position] if position < len(args) else kwargs.get(argument.name)
            for tensor in pytree.tree_leaves(value):
                key = id(tensor)
                if (isinstance(tensor, torch.Tensor) and key not in self._produced
                        and key not in self.written):
                    self.written[key] = (tensor, tensor.detach().clone())
        out = func(*args, **kwargs)
        if any(isinstance(leaf, (bool, int, float)) for leaf in pytree.tree_leaves(out)):
            raise _HostReadDuringCapture(f"{func} returns a Python value")
        self._produced.update(id(t) for t in pytree.tree_leaves(out)
                              if isinstance(t, torch.Tensor))
        self.ops.append((func, args, kwargs, out))
        return out

    def undo(self):
        """Put back what the recorded operations wrote: capture changes nothing."""
        with torch.no_grad():
            for tensor, before in self.written.values():
                tensor.copy_(before)


class _EmulatedGraph:
    """Stand-in for ``torch.cuda.CUDAGraph``: replay re-runs the recorded operations."""

    def __init__(self):
        self.ops = []
        self.generators = []
        self.replays = 0

    def register_generator_state(self, generator):
        self.generators.append(generator)

    def replay(self):
        self.replays += 1
        with torch.no_grad():
            for func, args, kwargs, recorded in self.ops:
                fresh = func(*args, **kwargs)
                for old, new in zip(pytree.tree_leaves(recorded), pytree.tree_leaves(fresh)):
                    if isinstance(old, torch.Tensor) and old is not new:
                        old.copy_(new)  # later operations read the recorded tensor


@pytest.fixture
def emulated_cuda_graphs(monkeypatch):
    """Make the CUDA-graph path run on the CPU; returns the list of graphs it captures."""
    from skvae import _base

    graphs = []

    def new_graph():
        graphs.append(_EmulatedGraph())
        return graphs[-1]

    @contextlib.contextmanager
    def capture(graph):
        states = [generator.get_state() for generator in graph.generators]
        recorder = _Recorder(graph.ops)
        try:
            with recorder:
                yield
        finally:
            recorder.undo()
            for generator, state in zip(graph.generators, states):
                generator.set_state(state)

    class Stream:
        def wait_stream(self, other):
            pass

    monkeypatch.setattr(torch.cuda, "CUDAGraph", new_graph)
    monkeypatch.setattr(torch.cuda, "graph", capture)
    monkeypatch.setattr(torch.cuda, "Stream", Stream)
    monkeypatch.setattr(torch.cuda, "stream", lambda stream: contextlib.nullcontext())
    monkeypatch.setattr(torch.cuda, "current_stream", Stream)
    monkeypatch.setattr(_base._BaseVAE, "_use_cuda_graph",
                        lambda self, device, discriminator: self.cuda_graph)
    return graphs


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).standard_normal((300, 6)).astype(np.float32)


@pytest.mark.parametrize("cls, params", [
    (BFVAE, {}),
    (BFVAE, dict(capacity=5.0, capacity_iter=20, beta=2.0)),  # C(t) changes every step
    (BetaTCVAE, {}),
    (DIPVAE, {}),
    (BFVAE, dict(early_stopping=True, validation_fraction=0.2)),
    (BFVAE, dict(precision="bf16")),
])
def test_replayed_step_trains_like_eager_steps(X, emulated_cuda_graphs, caplog, cls, params):
    params = dict(TINY, **params)
    with caplog.at_level(logging.INFO, logger="skvae._engine"):
        graphed = cls(**params).fit(X)
    assert "captured in a CUDA graph" in caplog.text
    [graph] = emulated_cuda_graphs
    n_train = len(X) - (int(np.ceil(0.2 * len(X))) if params.get("early_stopping") else 0)
    full_batches = n_train // params["batch_size"]
    assert graph.replays == full_batches * graphed.n_iter_ - VAENet.GRAPH_WARMUP_STEPS
    # Same operations on the same values in the same order: the same numbers, to the bit.
    eager = cls(**dict(params, cuda_graph=False)).fit(X)
    for key in ("train_loss", "reconstruction", "kl", "capacity", "tc", "dip"):
        assert [row[key] for row in graphed.history_] == [row[key] for row in eager.history_]
    np.testing.assert_array_equal(graphed.transform(X), eager.transform(X))


def test_emulation_catches_a_value_frozen_at_capture(X, emulated_cuda_graphs, monkeypatch):
    # The check above can fail: a capacity passed as a Python number, as the eager step
    # does, is frozen at its capture-time value, and the replayed training drifts.
    def eager_capacity(self, batch, capacity=None, capturing=False):
        return eager_step(self, batch, capacity=None, capturing=capturing)

    eager_step = VAENet._eager_train_step
    monkeypatch.setattr(VAENet, "_eager_train_step", eager_capacity)
    params = dict(TINY, capacity=5.0, capacity_iter=20, beta=2.0)
    graphed = BFVAE(**params).fit(X)
    eager = BFVAE(**dict(params, cuda_graph=False)).fit(X)
    frozen = [row["capacity"] for row in graphed.history_]
    assert not np.allclose(frozen, [row["capacity"] for row in eager.history_], rtol=1e-3)


def test_a_host_read_in_the_step_falls_back_to_eager_training(X, emulated_cuda_graphs,
                                                              monkeypatch, caplog):
    # torch.cov (which DIP-VAE once used) checks its degrees of freedom on the host: the
    # capture fails, is reported, and training goes on eagerly, as on a GPU.
    from skvae.losses import _objective

    def dip_with_torch_cov(mu, logvar, lambda_od, lambda_d, dip_type):
        cov = torch.cov(mu.T, correction=0) + torch.diag(logvar.exp().mean(dim=0))
        diag = torch.diagonal(cov)
        return (lambda_od * (cov.pow(2).sum() - diag.pow(2).sum())
                + lambda_d * (diag - 1.0).pow(2).sum())

    monkeypatch.setattr(_objective, "dip_penalty", dip_with_torch_cov)
    with caplog.at_level(logging.INFO, logger="skvae._engine"):
        graphed = DIPVAE(**TINY).fit(X)
    assert "CUDA graph capture failed" in caplog.text
    assert "captured in a CUDA graph" not in caplog.text
    eager = DIPVAE(**dict(TINY, cuda_graph=False)).fit(X)
    assert graphed.loss_curve_ == eager.loss_curve_
