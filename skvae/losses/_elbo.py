"""Reconstruction log-likelihoods and the analytic Gaussian KL divergence."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import torch.nn.functional as F

_LOG_2PI = math.log(2.0 * math.pi)


def gaussian_nll(x, mean, *, constant=False):
    """Negative log-likelihood of ``x`` under N(mean, I), summed over features.

    Parameters
    ----------
    x : Tensor of shape (n_samples, n_features)
        Observations.
    mean : Tensor of shape (n_samples, n_features)
        Means of the Gaussian (the decoder output).
    constant : bool, default=False
        Add the normalising constant ``0.5 * n_features * log(2 pi)``. Without it
        (training), the loss is half the squared error summed over features.

    Returns
    -------
    nll : Tensor of shape (n_samples,)
        Negative log-likelihood of each row, in nats.

    Examples
    --------
    >>> import torch
    >>> from skvae.losses import gaussian_nll
    >>> gaussian_nll(torch.ones(2, 3), torch.zeros(2, 3))
    tensor([1.5000, 1.5000])
    """
    nll = 0.5 * (x - mean).pow(2).sum(dim=-1)
    if constant:
        nll = nll + 0.5 * x.shape[-1] * _LOG_2PI
    return nll


def bernoulli_nll(x, logits):
    """Negative log-likelihood of ``x`` in [0, 1] under Bernoulli(sigmoid(logits)), summed.

    Values of ``x`` between 0 and 1 give the binary cross-entropy.

    Parameters
    ----------
    x : Tensor of shape (n_samples, n_features)
        Observations in [0, 1].
    logits : Tensor of shape (n_samples, n_features)
        Logits of the Bernoulli probabilities (the decoder output).

    Returns
    -------
    nll : Tensor of shape (n_samples,)
        Negative log-likelihood of each row, summed over features, in nats.
    """
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=-1)


def kl_per_latent(mu, logvar):
    """Analytic KL( N(mu, diag exp(logvar)) || N(0, I) ) of each latent.

    Parameters
    ----------
    mu : Tensor of shape (n_samples, n_components)
        Posterior means.
    logvar : Tensor of shape (n_samples, n_components)
        Posterior log-variances.

    Returns
    -------
    kl : Tensor of shape (n_samples, n_components)
        ``0.5 * (mu^2 + exp(logvar) - logvar - 1)``, in nats.
    """
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0)
