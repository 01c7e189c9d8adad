"""Total-correlation estimators: minibatch-stratified sampling and the density-ratio trick."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import torch


def _log_importance_weights(batch_size, dataset_size, device, dtype):
    """Log weights of minibatch-stratified sampling (Chen et al., 2018, appendix C.2)."""
    m = batch_size - 1
    stratified = (dataset_size - m) / (dataset_size * m)
    weights = torch.full((batch_size, batch_size), 1.0 / m, device=device, dtype=dtype)
    flat = weights.view(-1)
    # fill_ on views: assigning a Python number copies a CPU scalar to the device instead
    # (a host round trip per step, and not allowed under CUDA graph capture).
    flat[:: m + 1].fill_(1.0 / dataset_size)
    flat[1 :: m + 1].fill_(stratified)
    weights[m - 1, 0].fill_(stratified)
    return weights.log()


def mss_total_correlation(z, mu, logvar, dataset_size):
    """Minibatch-stratified estimate of the total correlation of the aggregate posterior.

    ``TC = E_q(z)[log q(z) - sum_k log q(z_k)]``, with q(z) estimated from the other members
    of the minibatch (beta-TCVAE). Costs O(batch_size^2 * K) time and memory.

    Parameters
    ----------
    z, mu, logvar : Tensor of shape (batch_size, K)
        Samples and the Gaussian posterior parameters they were drawn from.
    dataset_size : int
        Size of the data set the minibatch was drawn from.

    Returns
    -------
    Tensor (scalar)
    """
    batch_size = z.shape[0]
    # log q(z_ik | x_j) for every pair (i, j) and latent k: shape (B, B, K). The constant
    # -0.5 log(2 pi) of each latent is left out: it cancels between the two terms below.
    scaled = (z.unsqueeze(1) - mu.unsqueeze(0)) * torch.exp(-0.5 * logvar).unsqueeze(0)
    log_q = -0.5 * (scaled.square() + logvar.unsqueeze(0))
    log_w = _log_importance_weights(batch_size, dataset_size, z.device, z.dtype)
    log_qz = torch.logsumexp(log_q.sum(dim=2) + log_w, dim=1)
    log_prod_qzk = torch.logsumexp(log_q + log_w.unsqueeze(2), dim=1).sum(dim=1)
    return (log_qz - log_prod_qzk).mean()


def permute_dims(z, generator=None):
    """Shuffle each latent independently across the batch: samples of prod_k q(z_k)."""
    batch_size, n_components = z.shape
    keys = torch.rand(batch_size, n_components, generator=generator, device=z.device)
    return torch.gather(z, 0, keys.argsort(dim=0))
