"""The unified bfVAE objective: reconstruction, capacity-controlled KL, TC and DIP terms."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from skvae.losses._dip import dip_penalty
from skvae.losses._elbo import bernoulli_nll, gaussian_nll, kl_per_latent
from skvae.losses._tc import mss_total_correlation, permute_dims

#: Names of the per-epoch terms recorded in ``history_``.
TERM_NAMES = ("reconstruction", "kl", "capacity", "tc", "dip")


def capacity_at(step, capacity, capacity_iter):
    """Capacity C(t): linear ramp from 0 to ``capacity`` over ``capacity_iter`` steps.

    Parameters
    ----------
    step : int
        Optimisation steps (minibatches) done so far.
    capacity : float
        Final capacity, in nats.
    capacity_iter : int
        Length of the ramp, in steps; 0 or less gives ``capacity`` from the first step.

    Returns
    -------
    capacity_t : float
        ``capacity * min(1, step / capacity_iter)``.

    Examples
    --------
    >>> from skvae.losses import capacity_at
    >>> capacity_at(50, 10.0, 100), capacity_at(500, 10.0, 100), capacity_at(0, 10.0, 0)
    (5.0, 10.0, 10.0)
    """
    if capacity_iter <= 0:
        return float(capacity)
    return float(capacity) * min(1.0, step / capacity_iter)


@dataclass
class Objective:
    """Weights of the unified objective, evaluated per minibatch by :meth:`terms`.

    The loss, averaged over the samples of a minibatch, is::

        L = NLL(x|z) + beta * |KL - C(t)| + gamma * TC(z) + DIP penalty

    NLL and KL are summed over features and latents; ``C(t)`` is :func:`capacity_at`; the
    DIP penalty is :func:`dip_penalty`.

    Parameters
    ----------
    likelihood : {'gaussian', 'bernoulli'}, default='gaussian'
        Decoder likelihood: unit-variance Gaussian (the decoder outputs means) or Bernoulli
        (the decoder outputs logits).
    beta : float, default=1.0
        Weight of ``|KL - C(t)|``.
    capacity : float, default=0.0
        Final capacity C, in nats.
    capacity_iter : int, default=0
        Optimisation steps of the linear ramp of C(t); 0 uses ``capacity`` from the start.
    gamma : float, default=0.0
        Weight of the total correlation; 0 leaves the term out.
    tc_estimator : {'mss', 'discriminator'}, default='mss'
        Total-correlation estimate: minibatch-stratified sampling
        (:func:`mss_total_correlation`) or the FactorVAE discriminator's mean log-odds.
    lambda_od : float, default=0.0
        DIP weight of the off-diagonal covariance entries.
    lambda_d : float, default=0.0
        DIP weight of the diagonal covariance entries.
    dip_type : {'i', 'ii'}, default='ii'
        DIP-VAE type, see :func:`dip_penalty`.
    dataset_size : int, default=1
        Number of training samples, for the MSS weights. With ``gamma > 0`` and
        ``tc_estimator='mss'`` it must be at least the batch size minus 1.
    """

    likelihood: str = "gaussian"
    beta: float = 1.0
    capacity: float = 0.0
    capacity_iter: int = 0
    gamma: float = 0.0
    tc_estimator: str = "mss"
    lambda_od: float = 0.0
    lambda_d: float = 0.0
    dip_type: str = "ii"
    dataset_size: int = 1

    def __post_init__(self):
        for name, allowed in (("likelihood", ("gaussian", "bernoulli")),
                              ("tc_estimator", ("mss", "discriminator")),
                              ("dip_type", ("i", "ii"))):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}; got "
                                 f"{getattr(self, name)!r}.")

    def reconstruction_nll(self, x, x_params, *, constant=False):
        """Per-sample negative log-likelihood of ``x`` given the decoder output.

        Parameters
        ----------
        x : Tensor of shape (n_samples, n_features)
            Observations.
        x_params : Tensor of shape (n_samples, n_features)
            Decoder output: Gaussian means or Bernoulli logits.
        constant : bool, default=False
            Include the Gaussian normalising constant (see :func:`gaussian_nll`); ignored
            for the Bernoulli likelihood.

        Returns
        -------
        nll : Tensor of shape (n_samples,)
            Negative log-likelihood of each row, in nats.
        """
        if self.likelihood == "bernoulli":
            return bernoulli_nll(x, x_params)
        return gaussian_nll(x, x_params, constant=constant)

    def mean(self, x_params):
        """Return the mean of p(x|z) from the decoder output.

        Parameters
        ----------
        x_params : Tensor of shape (n_samples, n_features)
            Decoder output: Gaussian means or Bernoulli logits.

        Returns
        -------
        mean : Tensor of shape (n_samples, n_features)
            ``x_params`` (Gaussian) or ``sigmoid(x_params)`` (Bernoulli).
        """
        return torch.sigmoid(x_params) if self.likelihood == "bernoulli" else x_params

    def terms(self, x, x_params, mu, logvar, z, step, discriminator=None, capacity=None):
        """Compute the loss and its terms for one minibatch.

        Only the terms of this objective are computed and returned: ``capacity`` when it
        is non-zero or given, ``tc`` when ``gamma > 0``, ``dip`` when a DIP weight is
        positive; the others, zero, are left out (a small model's step is bound by its
        number of operations).

        Parameters
        ----------
        x : Tensor of shape (batch_size, n_features)
            The minibatch.
        x_params : Tensor of shape (batch_size, n_features)
            Decoder output for ``z``.
        mu : Tensor of shape (batch_size, n_components)
            Posterior means.
        logvar : Tensor of shape (batch_size, n_components)
            Posterior log-variances.
        z : Tensor of shape (batch_size, n_components)
            Codes drawn from the posterior (as :meth:`VAEModule.forward
            <skvae.models.VAEModule.forward>` returns them).
        step : int
            Optimisation steps done so far, for ``C(step)``.
        discriminator : callable, default=None
            FactorVAE discriminator mapping ``z`` to log-odds of shape ``(batch_size,)``;
            needed when ``gamma > 0`` and ``tc_estimator='discriminator'``.
        capacity : Tensor (scalar), default=None
            Replaces ``C(step)`` (``step`` is then unused) where the value must live on
            the device, as in a CUDA graph replayed with a different value at each step.

        Returns
        -------
        terms : dict of str to Tensor
            Scalar tensors: ``'loss'`` (differentiable), and, detached,
            ``'reconstruction'`` (mean NLL), ``'kl'`` (mean KL summed over latents) and
            those of ``'capacity'``, ``'tc'`` and ``'dip'`` this objective has.
        """
        reconstruction = self.reconstruction_nll(x, x_params).mean()
        kl = kl_per_latent(mu, logvar).sum(dim=1).mean()
        terms = {"reconstruction": reconstruction.detach(), "kl": kl.detach()}
        if capacity is None:
            value = capacity_at(step, self.capacity, self.capacity_iter)
            # |KL - 0| is KL (never negative): two operations fewer per step.
            kl_term = kl if value == 0 else (kl - value).abs()
            if self.capacity != 0:
                terms["capacity"] = x.new_full((), value)
        else:
            kl_term = (kl - capacity).abs()
            terms["capacity"] = capacity
        loss = torch.add(reconstruction, kl_term, alpha=self.beta)
        if self.gamma > 0:
            if self.tc_estimator == "discriminator":
                # Density-ratio trick: the discriminator's log-odds estimate log q(z)/prod q(z_k).
                tc = discriminator(z).mean()
            else:
                tc = mss_total_correlation(z, mu, logvar, self.dataset_size)
            loss = torch.add(loss, tc, alpha=self.gamma)
            terms["tc"] = tc.detach()
        if self.lambda_od > 0 or self.lambda_d > 0:
            dip = dip_penalty(mu, logvar, self.lambda_od, self.lambda_d, self.dip_type)
            loss = loss + dip
            terms["dip"] = dip.detach()
        return {"loss": loss, **terms}


def discriminator_loss(discriminator, z, generator=None):
    """Binary cross-entropy of the FactorVAE discriminator: q(z) samples against permuted ones.

    Parameters
    ----------
    discriminator : callable
        Maps codes to log-odds of shape ``(batch_size,)``, e.g. a
        :class:`~skvae.models.Discriminator`.
    z : Tensor of shape (batch_size, n_components)
        Codes drawn from q(z); detached, so only the discriminator gets gradients.
    generator : torch.Generator, default=None
        Source of the permutations (:func:`permute_dims`), on the device of ``z``.

    Returns
    -------
    loss : Tensor (scalar)
        Mean of the cross-entropies of ``z`` (label 1) and of its permutation (label 0).
    """
    z = z.detach()
    real = discriminator(z)
    fake = discriminator(permute_dims(z, generator))
    return 0.5 * (
        F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
        + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    )
