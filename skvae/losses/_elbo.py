"""Reconstruction log-likelihoods and the analytic Gaussian KL divergence."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import torch.nn.functional as F

_LOG_2PI = math.log(2.0 * math.pi)


def gaussian_nll(x, mean, *, constant=False):
    """Negative log-likelihood of ``x`` under N(mean, I), summed over features.

    With ``constant=False`` (training) the additive ``0.5 * p * log(2 pi)`` is left out, so the
    loss is half the squared error summed over features.

    Returns
    -------
    Tensor of shape (n_samples,)
    """
    nll = 0.5 * (x - mean).pow(2).sum(dim=-1)
    if constant:
        nll = nll + 0.5 * x.shape[-1] * _LOG_2PI
    return nll


def bernoulli_nll(x, logits):
    """Negative log-likelihood of ``x`` in [0, 1] under Bernoulli(sigmoid(logits)), summed.

    Returns
    -------
    Tensor of shape (n_samples,)
    """
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=-1)


def kl_per_latent(mu, logvar):
    """Analytic KL( N(mu, diag exp(logvar)) || N(0, I) ) of each latent.

    Returns
    -------
    Tensor of the shape of ``mu``, in nats.
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)
