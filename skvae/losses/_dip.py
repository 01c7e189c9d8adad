"""DIP-VAE moment-matching penalties (Kumar et al., 2018)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import torch


def dip_penalty(mu, logvar, lambda_od, lambda_d, dip_type="ii"):
    """Push the covariance of the aggregate posterior toward the identity.

    ``lambda_od * sum_{i != j} C_ij^2 + lambda_d * sum_i (C_ii - 1)^2`` with ``C = Cov[mu]``
    (type I) or ``C = Cov[mu] + E[diag(sigma^2)]`` (type II, the covariance of z), over
    the minibatch (normalised by ``batch_size``).

    Parameters
    ----------
    mu : Tensor of shape (batch_size, n_components)
        Posterior means.
    logvar : Tensor of shape (batch_size, n_components)
        Posterior log-variances (used by type II only).
    lambda_od : float
        Weight of the squared off-diagonal entries.
    lambda_d : float
        Weight of the squared deviations of the diagonal from 1.
    dip_type : {'i', 'ii'}, default='ii'
        DIP-VAE type.

    Returns
    -------
    penalty : Tensor (scalar)
        The weighted penalty.
    """
    if dip_type not in ("i", "ii"):
        raise ValueError(f"dip_type must be 'i' or 'ii'; got {dip_type!r}.")
    # By hand rather than torch.cov, whose degrees-of-freedom check reads a value back from
    # the device (a host synchronisation on every CUDA step).
    centered = mu - mu.mean(dim=0)
    cov = centered.T @ centered / len(mu)
    if dip_type == "ii":
        cov = cov + torch.diag(logvar.exp().mean(dim=0))
    diag = torch.diagonal(cov)
    off_diag = cov.pow(2).sum() - diag.pow(2).sum()
    return lambda_od * off_diag + lambda_d * (diag - 1.0).pow(2).sum()
