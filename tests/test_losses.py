"""Known-answer tests of the loss terms of the unified objective."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
import pytest
import torch
from torch.utils import _pytree as pytree
from torch.utils._python_dispatch import TorchDispatchMode

from skvae.losses import (
    Objective,
    bernoulli_nll,
    capacity_at,
    dip_penalty,
    gaussian_nll,
    kl_per_latent,
    mss_total_correlation,
    permute_dims,
)
from skvae.losses._tc import _log_importance_weights


def test_analytic_kl_matches_monte_carlo():
    gen = torch.Generator().manual_seed(0)
    mu = torch.tensor([[0.5, -1.0, 2.0]])
    logvar = torch.tensor([[0.2, -1.5, 0.7]])
    sigma = torch.exp(0.5 * logvar)
    z = mu + sigma * torch.randn(400_000, 3, generator=gen)
    log_q = torch.distributions.Normal(mu, sigma).log_prob(z)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z)
    mc = (log_q - log_p).mean(0)
    se = (log_q - log_p).std(0) / math.sqrt(len(z))
    analytic = kl_per_latent(mu, logvar)[0]
    assert torch.all((mc - analytic).abs() < 4 * se)
    assert kl_per_latent(torch.zeros(1, 2), torch.zeros(1, 2)).sum() == 0


def test_mss_total_correlation_of_correlated_gaussian():
    # Posteriors N(mu_i, s^2 I) with mu ~ N(0, Sigma - s^2 I) make the aggregate posterior
    # N(0, Sigma), whose total correlation is -0.5 log det(corr) = 0.830366 for rho = 0.9.
    gen = torch.Generator().manual_seed(0)
    sigma = torch.tensor([[1.0, 0.9], [0.9, 1.0]])
    s = 0.2
    chol = torch.linalg.cholesky(sigma - s**2 * torch.eye(2))
    estimates = []
    for _ in range(8):
        mu = torch.randn(4096, 2, generator=gen) @ chol.T
        z = mu + s * torch.randn(4096, 2, generator=gen)
        logvar = torch.full_like(mu, math.log(s**2))
        estimates.append(mss_total_correlation(z, mu, logvar, dataset_size=10**7).item())
    estimates = np.array(estimates)
    standard_error = estimates.std(ddof=1) / math.sqrt(len(estimates))
    assert abs(estimates.mean() - 0.830366) < max(4 * standard_error, 0.02)


def test_mss_total_correlation_near_zero_for_independent_latents():
    gen = torch.Generator().manual_seed(1)
    mu = torch.randn(4096, 3, generator=gen) * 0.9
    logvar = torch.full_like(mu, math.log(0.19))
    z = mu + math.sqrt(0.19) * torch.randn(4096, 3, generator=gen)
    assert abs(mss_total_correlation(z, mu, logvar, dataset_size=10**7).item()) < 0.03


def _chen_weights(batch_size, dataset_size):
    """The importance weights of Chen et al.'s released code, entry by entry.

    Their ``W.view(-1)[::M + 1]`` strides by the batch size, so 1/N and the stratified
    weight land in columns 0 and 1 of every row, not on the (super)diagonal of their
    appendix C.2; skvae keeps the released code's weights (see doc/method.rst).
    """
    m = batch_size - 1
    stratified = (dataset_size - m) / (dataset_size * m)
    weights = torch.full((batch_size, batch_size), 1.0 / m, dtype=torch.float64)
    weights[:, 0] = 1.0 / dataset_size
    weights[:, 1] = stratified
    weights[m - 1, 0] = stratified
    return weights


@pytest.mark.parametrize("batch_size", [2, 3, 16, 256])
def test_mss_weights_are_those_of_the_released_code(batch_size):
    weights = _log_importance_weights(batch_size, 1000, "cpu", torch.float64).exp()
    torch.testing.assert_close(weights, _chen_weights(batch_size, 1000), rtol=1e-12, atol=0)


def _mss_reference(z, mu, logvar, dataset_size):
    """The MSS estimate from its definition, with full Gaussian densities, in float64."""
    z, mu, logvar = (t.double() for t in (z, mu, logvar))
    log_w = _chen_weights(len(z), dataset_size).log()
    normal = torch.distributions.Normal(mu.unsqueeze(0), torch.exp(0.5 * logvar).unsqueeze(0))
    log_q = normal.log_prob(z.unsqueeze(1))  # (i, j, k): log q(z_ik | x_j)
    log_qz = torch.logsumexp(log_q.sum(dim=2) + log_w, dim=1)
    log_qzk = torch.logsumexp(log_q + log_w.unsqueeze(2), dim=1)
    return (log_qz - log_qzk.sum(dim=1)).mean()


def _posteriors(batch_size, n_components, seed, dtype=torch.float64, precision=4.0):
    gen = torch.Generator().manual_seed(seed)
    mu = torch.randn(batch_size, n_components, generator=gen, dtype=dtype)
    logvar = torch.randn(batch_size, n_components, generator=gen, dtype=dtype) - precision
    z = mu + torch.randn(batch_size, n_components, generator=gen, dtype=dtype) * torch.exp(
        0.5 * logvar)
    return [t.requires_grad_() for t in (z, mu, logvar)]


@pytest.mark.parametrize("batch_size, n_components, precision", [
    (2, 1, 0.0), (7, 3, 0.0), (64, 5, 4.0), (200, 10, 8.0)])
def test_mss_total_correlation_matches_its_definition(batch_size, n_components, precision):
    # precision 8: posterior SDs around 0.02, so most pairs' densities underflow float32
    # and the floored exponentials are exercised.
    for dtype, rtol in ((torch.float64, 1e-10), (torch.float32, 1e-4)):
        tensors = _posteriors(batch_size, n_components, 0, dtype, precision)
        estimate = mss_total_correlation(*tensors, dataset_size=1000)
        reference = _mss_reference(*tensors, dataset_size=1000)
        assert estimate.dtype == dtype
        assert estimate.item() == pytest.approx(reference.item(), rel=rtol, abs=rtol)
        for ours, theirs in zip(torch.autograd.grad(estimate, tensors),
                                torch.autograd.grad(reference, tensors)):
            assert ours.dtype == dtype
            torch.testing.assert_close(ours.double(), theirs.double(), rtol=rtol, atol=rtol)


def test_mss_total_correlation_gradcheck():
    tensors = _posteriors(6, 3, 1, precision=1.0)
    assert torch.autograd.gradcheck(
        lambda z, mu, logvar: mss_total_correlation(z, mu, logvar, dataset_size=50), tensors)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_mss_total_correlation_of_separated_posteriors(dtype):
    # Posteriors far apart and precise: each z_i has density only under its own posterior,
    # for the joint and for every marginal, so log q(z_i) - sum_k log q(z_ik) is
    # -(K - 1) log w_ii: w_00 = 1/N, w_11 = (N - M) / (N M) and w_ii = 1/M (M = B - 1) in
    # the other rows. The other pairs' densities underflow float32 by far, and no
    # parameter changes the estimate.
    batch_size, n_components, dataset_size = 16, 4, 5000
    mu = (torch.arange(batch_size, dtype=dtype) * 10.0).unsqueeze(1).repeat(1, n_components)
    logvar = torch.full_like(mu, -12.0)
    z = mu + 0.5 * torch.exp(0.5 * logvar)
    tensors = [t.requires_grad_() for t in (z, mu, logvar)]
    estimate = mss_total_correlation(*tensors, dataset_size=dataset_size)
    m = batch_size - 1
    stratified = (dataset_size - m) / (dataset_size * m)
    expected = (n_components - 1) * (
        math.log(dataset_size) - math.log(stratified) + (m - 1) * math.log(m)) / batch_size
    assert estimate.item() == pytest.approx(expected, rel=1e-6)
    for gradient in torch.autograd.grad(estimate, tensors):
        assert torch.count_nonzero(gradient) == 0


@pytest.mark.parametrize(
    "step, capacity, capacity_iter, expected",
    [(0, 25.0, 100, 0.0), (50, 25.0, 100, 12.5), (100, 25.0, 100, 25.0), (500, 25.0, 100, 25.0),
     (7, 10.0, 0, 10.0), (3, 0.0, 10, 0.0)],
)
def test_capacity_ramp(step, capacity, capacity_iter, expected):
    assert capacity_at(step, capacity, capacity_iter) == pytest.approx(expected)


def _whitened(n, k, seed):
    """Rows whose population covariance (ddof=0) is exactly the identity."""
    a = np.random.RandomState(seed).standard_normal((n, k))
    a -= a.mean(0)
    evals, evecs = np.linalg.eigh(np.cov(a.T, bias=True))
    return torch.from_numpy(a @ evecs @ np.diag(evals**-0.5) @ evecs.T)


def test_dip_terms_vanish_for_identity_covariance():
    mu = _whitened(500, 4, 0)
    assert dip_penalty(mu, torch.full_like(mu, -50.0), 3.0, 7.0, "i").item() == pytest.approx(
        0.0, abs=1e-10)
    # Type II adds E[sigma^2]: Cov[mu] = 0.75 I and sigma^2 = 0.25 give Cov[z] = I.
    mu_ii = mu * math.sqrt(0.75)
    logvar = torch.full_like(mu, math.log(0.25))
    assert dip_penalty(mu_ii, logvar, 3.0, 7.0, "ii").item() == pytest.approx(0.0, abs=1e-10)
    # ... while type I on the same means sees a diagonal of 0.75: 7 * 4 * 0.25^2.
    assert dip_penalty(mu_ii, logvar, 3.0, 7.0, "i").item() == pytest.approx(7.0 * 4 * 0.0625)


def test_dip_off_diagonal_term():
    mu = _whitened(500, 2, 1) @ torch.linalg.cholesky(
        torch.tensor([[1.0, 0.5], [0.5, 1.0]], dtype=torch.float64)).T
    # Off-diagonal entries 0.5 twice: lambda_od * 2 * 0.25; the diagonal stays 1.
    assert dip_penalty(mu, torch.zeros_like(mu), 2.0, 1.0, "i").item() == pytest.approx(1.0)


def test_gaussian_and_bernoulli_nll():
    x = torch.tensor([[1.0, 2.0]])
    assert gaussian_nll(x, torch.zeros(1, 2)).item() == pytest.approx(2.5)
    expected = 2.5 + math.log(2 * math.pi)
    assert gaussian_nll(x, torch.zeros(1, 2), constant=True).item() == pytest.approx(expected)
    p = torch.tensor([[0.3, 0.8]])
    xb = torch.tensor([[1.0, 0.0]])
    expected = -(math.log(0.3) + math.log(0.2))
    assert bernoulli_nll(xb, torch.logit(p)).item() == pytest.approx(expected, rel=1e-5)


def test_permute_dims_permutes_each_column_independently():
    z = torch.arange(200.0).view(100, 2)
    permuted = permute_dims(z, torch.Generator().manual_seed(0))
    for k in range(2):
        assert torch.equal(permuted[:, k].sort().values, z[:, k])
    assert not torch.equal(permuted, z)
    # Rows are broken apart: columns are no longer in lock-step.
    assert not torch.equal(permuted[:, 1] - permuted[:, 0], z[:, 1] - z[:, 0])


def test_objective_terms_combine_as_documented():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 5, generator=gen)
    x_params = torch.randn(64, 5, generator=gen)
    mu = torch.randn(64, 3, generator=gen)
    logvar = torch.randn(64, 3, generator=gen) * 0.1
    z = mu + torch.randn(64, 3, generator=gen)
    plain = Objective(beta=0.0).terms(x, x_params, mu, logvar, z, step=0)
    assert plain["loss"].item() == pytest.approx(plain["reconstruction"].item())
    objective = Objective(beta=3.0, capacity=10.0, capacity_iter=100, gamma=2.0,
                          lambda_od=1.0, lambda_d=1.0, dataset_size=1000)
    terms = objective.terms(x, x_params, mu, logvar, z, step=40)
    assert terms["capacity"].item() == pytest.approx(4.0)
    expected = (terms["reconstruction"] + 3.0 * (terms["kl"] - 4.0).abs() + 2.0 * terms["tc"]
                + terms["dip"])
    assert terms["loss"].item() == pytest.approx(expected.item(), rel=1e-6)
    assert terms["tc"].item() != 0 and terms["dip"].item() > 0


def test_losses_reject_what_they_cannot_compute():
    # an unknown name was once taken silently for the other option
    for params in (dict(likelihood="bernouli"), dict(tc_estimator="MSS"), dict(dip_type="2")):
        with pytest.raises(ValueError, match=next(iter(params))):
            Objective(**params)
    mu = torch.randn(8, 3)
    with pytest.raises(ValueError, match="dip_type must be 'i' or 'ii'; got 'I'"):
        dip_penalty(mu, mu, 1.0, 1.0, "I")
    # too small a data set for the batch gave NaN weights: 1/N - ... < 0 under the log
    with pytest.raises(ValueError, match="dataset_size >= batch_size - 1; got batch_size=8 "
                                         "and dataset_size=6"):
        mss_total_correlation(mu, mu, mu, 6)
    with pytest.raises(ValueError, match="batch_size >= 2"):
        mss_total_correlation(mu[:1], mu[:1], mu[:1], 10)
    assert torch.isfinite(mss_total_correlation(mu, mu, mu, 7))


@pytest.mark.parametrize("params", [
    dict(gamma=2.0, capacity=3.0, lambda_od=1.0, lambda_d=1.0, dataset_size=100),
    dict(gamma=1.0, tc_estimator="discriminator"),
    dict(likelihood="bernoulli"),
])
def test_objective_terms_stay_on_the_device_without_reading_values_back(params):
    # Meta tensors carry no values: any term created on another device, or any value read
    # back to the host (a per-step synchronisation on a GPU), fails here, without a GPU.
    from skvae.losses._objective import discriminator_loss
    from skvae.models import Discriminator

    x = torch.zeros(8, 5, device="meta")
    mu = torch.zeros(8, 3, device="meta")
    discriminator = Discriminator(3, (4,)).to("meta")
    with _CrossDeviceOps() as crossings:
        terms = Objective(**params).terms(x, x, mu, mu, mu, step=5, discriminator=discriminator)
        d_loss = discriminator_loss(discriminator, mu)
    assert {name: t.device.type for name, t in terms.items()} == dict.fromkeys(terms, "meta")
    assert d_loss.device.type == "meta"
    # A Python number turned into a tensor inside the loss (e.g. assigned into a device
    # tensor) is a CPU scalar copied to the GPU: a host round trip per step, and an error
    # under CUDA graph capture. Meta tensors accept it silently, so the operations are
    # watched instead.
    assert crossings == []


class _CrossDeviceOps(TorchDispatchMode):
    """Record operations that make tensors from Python numbers or mix devices."""

    SCALAR_TENSORS = ("aten.scalar_tensor", "aten.lift_fresh")

    def __enter__(self):
        self.crossings = []
        super().__enter__()
        return self.crossings

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        tensors = [a for a in pytree.tree_leaves((args, kwargs or {}))
                   if isinstance(a, torch.Tensor)]
        if str(func).startswith(self.SCALAR_TENSORS) or len({t.device for t in tensors}) > 1:
            self.crossings.append(str(func))
        return func(*args, **(kwargs or {}))
