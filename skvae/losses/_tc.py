"""Total-correlation estimators: minibatch-stratified sampling and the density-ratio trick."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import torch


def _log_importance_weights(batch_size, dataset_size, device, dtype):
    """Log weights of minibatch-stratified sampling, as in Chen et al.'s released code.

    Row i weighs the posteriors of the batch in the estimate of log q(z_i). The strides of
    ``flat[:: m + 1]`` and ``flat[1 :: m + 1]`` are one row, not one row plus one, so 1/N
    and the stratified weight fill the first two columns rather than the (super)diagonal of
    the paper's appendix C.2; kept on purpose (doc/method.rst, benchmarks/mss_weights.py).
    """
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


#: exp() of arguments below about -87 underflows float32 and, on CPUs, leaves the vectorised
#: kernel for a scalar path 10-35x slower; terms this far below the largest in a log-sum-exp
#: change it by less than 1e-34 relative, so they are floored here.
_EXP_FLOOR = -80.0


def _softmax_logsumexp_(x):
    """Log-sum-exp of ``x`` along its last dimension; ``x`` becomes its softmax, in place."""
    shift = x.amax(dim=-1, keepdim=True)
    total = x.sub_(shift).clamp_min_(_EXP_FLOOR).exp_().sum(dim=-1, keepdim=True)
    x.div_(total)
    return (total.log_() + shift).squeeze(-1)


class _MSSTotalCorrelation(torch.autograd.Function):
    """Sum over the minibatch of log q(z_i) - sum_k log q(z_ik), with a hand-written backward.

    Autograd of the same formula makes about 30 passes over the (B, K, B) tensor of
    log-densities and allocates 7 such tensors; this forward and backward make 18 passes and
    allocate 4 (on the CPU, each fresh allocation of a few MB costs page faults). The tensor
    is laid out (sample i, latent k, component j): every log-sum-exp runs over contiguous
    memory. See ``benchmarks/bench_tc.py``.
    """

    @staticmethod
    def forward(ctx, z, mu, logvar, log_w):
        # Contiguous (K, B) operands: from transposed views the (B, K, B) results would be
        # laid out (i, j, k) in memory, and reductions over j would stride.
        logvar_t = logvar.T.contiguous()
        diff = z.unsqueeze(2) - mu.T.contiguous()  # z_ik - mu_jk
        scaled = diff * torch.exp(-logvar_t)  # (z_ik - mu_jk) / sigma_jk^2
        # log q(z_ik | x_j) without its -0.5 log(2 pi), which cancels in the difference.
        log_q = torch.addcmul(-0.5 * logvar_t, diff, scaled, value=-0.5)
        joint_weights = log_q.sum(dim=1).add_(log_w)
        log_qz = _softmax_logsumexp_(joint_weights)
        marginal_weights = log_q.add_(log_w.unsqueeze(1))
        log_qzk = _softmax_logsumexp_(marginal_weights)
        ctx.save_for_backward(diff, scaled, joint_weights, marginal_weights)
        return (log_qz - log_qzk.sum(dim=1)).sum()

    @staticmethod
    def backward(ctx, grad):
        diff, scaled, joint_weights, marginal_weights = ctx.saved_tensors
        # d(output) / d log q(z_ik | x_j): joint softmax weight minus marginal softmax weight.
        weights = joint_weights.unsqueeze(1) - marginal_weights
        weights_sum = weights.sum(dim=0)
        weighted = weights.mul_(scaled)
        grad_z = weighted.sum(dim=2).neg_()
        grad_mu = weighted.sum(dim=0).T
        # d log q(z_ik | x_j) / d logvar_jk = 0.5 (z_ik - mu_jk)^2 / sigma_jk^2 - 0.5
        grad_logvar = 0.5 * (weighted.mul_(diff).sum(dim=0) - weights_sum).T
        return grad * grad_z, grad * grad_mu, grad * grad_logvar, None


def mss_total_correlation(z, mu, logvar, dataset_size):
    """Minibatch-stratified estimate of the total correlation of the aggregate posterior.

    ``TC = E_q(z)[log q(z) - sum_k log q(z_k)]``, with q(z) and each q(z_k) estimated as
    weighted mixtures of the minibatch's posteriors (beta-TCVAE), with the importance
    weights of Chen et al.'s released code (see :ref:`method` for how they differ from
    their appendix C.2). Costs O(batch_size^2 * K) time and memory.

    Parameters
    ----------
    z, mu, logvar : Tensor of shape (batch_size, K)
        Samples and the Gaussian posterior parameters they were drawn from.
    dataset_size : int
        Size of the data set the minibatch was drawn from, at least ``batch_size - 1``.
        ``batch_size`` must be at least 2.

    Returns
    -------
    tc : Tensor (scalar)
        The estimate averaged over the minibatch, in nats. It can be negative.
    """
    batch_size = z.shape[0]
    if batch_size < 2 or dataset_size < batch_size - 1:
        raise ValueError(
            "The minibatch-stratified total correlation needs batch_size >= 2 and "
            f"dataset_size >= batch_size - 1; got batch_size={batch_size} and "
            f"dataset_size={dataset_size}."
        )
    log_w = _log_importance_weights(batch_size, dataset_size, z.device, z.dtype)
    return _MSSTotalCorrelation.apply(z, mu, logvar, log_w) / batch_size


def permute_dims(z, generator=None):
    """Shuffle each latent independently across the batch: samples of prod_k q(z_k).

    Parameters
    ----------
    z : Tensor of shape (batch_size, n_components)
        Samples of q(z).
    generator : torch.Generator, default=None
        Source of the permutations, on the device of ``z``; None uses torch's global
        generator.

    Returns
    -------
    z_permuted : Tensor of shape (batch_size, n_components)
        Each column of ``z`` permuted independently.
    """
    batch_size, n_components = z.shape
    keys = torch.rand(batch_size, n_components, generator=generator, device=z.device)
    return torch.gather(z, 0, keys.argsort(dim=0))
