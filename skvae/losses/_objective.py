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
    """Capacity C(t): linear ramp from 0 to ``capacity`` over ``capacity_iter`` steps."""
    if capacity_iter <= 0:
        return float(capacity)
    return float(capacity) * min(1.0, step / capacity_iter)


@dataclass
class Objective:
    """Weights of the unified objective, per minibatch and averaged over samples::

        L = NLL(x|z) + beta * |KL - C(t)| + gamma * TC(z) + DIP penalty

    NLL and KL are summed over features and latents; ``C(t)`` is :func:`capacity_at`.
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

    def reconstruction_nll(self, x, x_params, *, constant=False):
        """Per-sample negative log-likelihood of ``x`` given the decoder output."""
        if self.likelihood == "bernoulli":
            return bernoulli_nll(x, x_params)
        return gaussian_nll(x, x_params, constant=constant)

    def mean(self, x_params):
        """Mean of p(x|z) from the decoder output."""
        return torch.sigmoid(x_params) if self.likelihood == "bernoulli" else x_params

    def terms(self, x, x_params, mu, logvar, z, step, discriminator=None, capacity=None):
        """The terms of the loss for one minibatch; ``terms['loss']`` is differentiable.

        Only the terms of this objective are returned: ``capacity`` when it is non-zero or
        given, ``tc`` when ``gamma > 0``, ``dip`` when a DIP weight is; the others are zero
        (a small model's step is bound by its number of operations). ``capacity`` (a
        tensor) replaces ``C(step)`` where the value must live on the device, as in a CUDA
        graph replayed with a different value at each step.
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
    """Binary cross-entropy of the FactorVAE discriminator: q(z) samples against permuted ones."""
    z = z.detach()
    real = discriminator(z)
    fake = discriminator(permute_dims(z, generator))
    return 0.5 * (
        F.binary_cross_entropy_with_logits(real, torch.ones_like(real))
        + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    )
