"""DBSR-LS: dirty block-sparse regression of the features on the latent codes."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import logging
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_array, check_is_fitted

from skvae.metrics._informative import _final_step, _input_feature_names
from skvae.utils._sklearn_compat import Interval, StrOptions, validate_params

logger = logging.getLogger(__name__)

_WHICH = ("coef", "importance", "support", "group_coef", "sparse_coef")
_LABELS = {
    "coef": "Theta",
    "importance": "Theta^2 (variance explained)",
    "support": "Theta != 0",
    "group_coef": "B (group part)",
    "sparse_coef": "S (sparse part)",
}


# --------------------------------------------------------------------------- solver
# The dirty objective only depends on (B, S) through Theta = B + S and the penalty
# h(Theta) = min_{B + S = Theta} lambda_b sum_k ||B_k.||_2 + lambda_s sum_kj |S_kj|
# (an infimal convolution, separable over rows). The solver therefore works on Theta
# alone and uses the closed-form prox of h below, which also returns the split (B, S).
# Working on the stacked (B, S) instead (step 1 / (2 lambda_max(G)), block
# soft-thresholding and soft-thresholding) solves the same problem, but its Hessian
# [[G, G], [G, G]] is singular along B - S, and near lambda_b / lambda_s =
# ||C_k.|| / max|C_kj| FISTA on (B, S) needed over 1000 iterations where FISTA on
# Theta needs a few dozen.
#
# The solver is over-relaxed Douglas-Rachford splitting (equivalently ADMM) between
# the quadratic f(Theta) = 0.5 tr(Theta' G Theta) - tr(Theta' C) and h. The prox of
# f, (G + rho I)^{-1} (C + rho z), is one K x K matrix per fold, so f is handled
# exactly whatever the conditioning of G, and the prox of h is the row prox below;
# rho = sqrt(lambda_min lambda_max) of G balances the contraction of the extreme
# eigen-directions (0.8 to 1.2 times that were as fast; 0.5 times was several times
# slower). The previous solver, FISTA with adaptive restart and step 1 / lambda_max(G),
# needed 2.5 to 4 times the iterations to reach the same distance to the optimum on
# correlated latents (kappa(G) = 100 to 7000, 10 x 10 grid, 5 folds). Cyclic block
# coordinate descent over the latent rows (exact row prox, step 1 / G_kk) was slower
# than FISTA there: Gauss-Seidel on an equicorrelated G contracts by about 0.98 per
# sweep (3 times FISTA's iterations at K = 10, correlation 0.9). Anderson acceleration
# of proximal gradient, coordinate descent or Douglas-Rachford, and semismooth Newton
# steps on the proximal-gradient fixed point, gained little: the slowest problems are
# lasso-like ones with nearly degenerate supports, and finding the support is what
# takes the iterations.
# Nearly collinear latents (an AnnealedVAE's codes of MNIST: kappa(G) = 2.4e5) need
# 1,000 to 1,900 iterations per chunk of the grid. A per-problem rho was tried and not
# kept: residual balancing (Boyd et al. 2011, 3.4.1, relative residuals; rho x 2 or / 2
# every 50 iterations at a residual ratio of 3) converged there in 235 to 577 (36 s per
# call against 81 s stopped at max_iter, same chosen pair and support), but on synthetic
# rank-2-plus-noise latents (kappa 1.5e5) some problems went from 600 to over 5,000
# iterations, also when a change was undone unless the fixed-point residual then fell
# faster; rho = sqrt(lambda_min lambda_max) of G restricted to each column's support
# (Giselsson and Boyd's optimum on the active set) halved the synthetic grid's
# iterations but left the MNIST one unchanged. Per pair, the best fixed rho there ranges
# from 0.1 to 10 times this one (iterations 0.1 to 0.2 times at best, over 2,500 at
# worst), and no adaptive rule found it safely: spectral penalties (Xu, Figueiredo and
# Goldstein 2017, AADMM, every 2 iterations) left some problems unconverged at 5,000
# iterations, also when frozen after 200 (plain DR with the last rho); frozen after 200 and
# then reset to this rho (finitely many changes, so convergent), they cut the MNIST chunks
# from 425-1,816 to 87-1,207 iterations and the synthetic ones by 0.78 to 1.02 times, but
# made well-conditioned grids 2 to 5 times slower (7 to 37 iterations at kappa 1, 124 to
# 295 at K = 20, correlation 0.95).
# What helps there is warm starts and per-problem stopping. Per grid point (all folds),
# from zero, the MNIST AnnealedVAE grid needs 73 to 1,677 iterations (to 1,816 before the
# floor of the stopping test below); from the solution of
# the right neighbour most need 2: where lambda_s is the relatively smaller penalty the
# lasso part carries the solution, which does not change with lambda_b (the columns of
# the grid above the diagonal), and below the diagonal the group part carries it, which
# does not change with lambda_s. So a grid of several chunks is solved by anti-diagonals
# from the largest penalties, each point from that neighbour (_warm_sources, _chunks), and
# each point stops at its own convergence (the first version started each chunk from
# a neighbour row-major and stopped a chunk when all its points had converged). Iterations
# summed over the grid points, to tol 1e-6: 60,951 before, 22,191 after (21,598 with the
# floor of the stopping test below); the DBSR-LS call 40.3 -> 18.6 s at max_iter 1,000
# (bench_dbsr_ls --collinear; same coefficients), hence a default max_iter of 2,000
# (converged there, 12-15 % more time), since raised to 3,000: in the paper comparison's
# MNIST AnnealedVAE cell 6 calls still stopped at 2,000 (first-row pairs of ordinary size
# that need up to 2,773 iterations); at 3,000 all converge, the cell's values move by at
# most 2e-6 and it takes 35.0 instead of 37.1 s per run. The grid points that start from
# zero, the first row and column (lasso and group-lasso paths, for which the neighbour's
# solution saves little) and the diagonal, take most of what remains.
# The stopping test (converged in _solve_pairs) compares the changes of T on each fold with
# tol * max(||T||, ||C|| / lambda_max(G)): the second term, the norm of the first gradient
# step from zero, is a scale of the fold's problem whatever the penalties. Relative to ||T||
# alone, tiny nonzero solutions were slow to meet the test: the grid corner of an
# AnnealedVAE's MNIST codes (zero on all data, norm 0.01 to 0.08 on some folds; scale 2.1)
# took 2,220 and 2,244 iterations, 1,268 and 1,496 with the floor. Same chosen penalties and
# coefficients on every bench_dbsr_ls case and on 20 calls of paper_comparison's MNIST
# AnnealedVAE cell, up to 3.4 % fewer iterations. The least-squares norm ||G^-1 C|| as the
# floor was too loose on collinear latents (575 against ||T|| of 0.01 to 300): 40 % fewer
# iterations, coefficients 2.5 to 5 times further from the exact ones.
# A singular G (exactly collinear latents) falls back to FISTA: on the rank-deficient
# problems of scikit-learn's estimator checks Douglas-Rachford needed 2,000 to 6,000
# iterations where FISTA needed fewer than 1,000.
_RELAX = 1.9  # over-relaxation of Douglas-Rachford, in (0, 2): 1.9 beat 1.6 and 1.8
_CUMSUM_BY_MATMUL_MAX_P = 48  # measured crossover: matmul 2x faster at p = 34, 4x slower at 64
# Pairs solved together: at most this many entries (2 MiB) per iterate. On 784 features the
# whole 5-fold, 100-pair grid at once (19 MB per iterate) ran 1.8x slower than chunks of
# 0.4 to 3.8 MB; grids of tables (24 features, K = 10: 0.9 MB) stay one chunk, solved from
# zero: by anti-diagonals with warm starts (19 chunks) they took 1.06 to 2.6 times as long
# (per-iteration overhead on small arrays).
_CHUNK_ELEMENTS = 2**18


def _prox_dirty(V, a, r, *, split=True):
    """Prox of the row penalty ``h``, with ``a = t lambda_s`` and ``r = t lambda_b``.

    Solves ``min_{B, S} 0.5 ||B + S - v||^2 + r ||B||_2 + a |S|_1`` for every row
    ``v`` (last axis) of ``V``. The residual ``w = v - B - S`` is the projection of
    ``v`` on ``{|w_j| <= a} & {||w||_2 <= r}``, namely ``w = clip(v / c, -a, a)``
    with the smallest ``c >= 1`` such that ``||w|| <= r``; then
    ``B = (1 - 1/c) clip(v, -c a, c a)`` and ``S = v - clip(v, -c a, c a)``
    (soft-thresholding at ``c a``).

    Parameters
    ----------
    V : ndarray of shape (..., p)
        Points.
    a, r : ndarray broadcastable to (..., 1)
        Thresholds of the l1 part and the group part.
    split : bool, default=True
        Return ``(B, S)``; else only ``B + S``.

    Returns
    -------
    B, S : ndarray of shape (..., p)
        The two parts of the prox (``B`` is zero or parallel to ``w``); ``B + S``
        alone when ``split=False``.
    """
    p = V.shape[-1]
    # ||clip(v / c, -a, a)||^2 = phi(c) decreases in c; entries clip in decreasing
    # |v| order. At the break point c_i = x_i / a of the i-th smallest |v| = x_i
    # (0-based), phi(c_i) = (p - i - 1) a^2 + a^2 upto_i / x_i^2, where upto_i sums
    # the squares sorted up to i. Entry i is clipped at the root iff phi(c_i) <= r^2.
    sq = V * V
    sq.sort(axis=-1)
    # Inclusive cumulative sum: by BLAS on short rows, where it beats np.cumsum, but its
    # O(p^2) cost makes it 14x slower at p = 784.
    if p <= _CUMSUM_BY_MATMUL_MAX_P:
        upto = (sq.reshape(-1, p) @ np.triu(np.ones((p, p)))).reshape(sq.shape)
    else:
        upto = np.cumsum(sq, axis=-1)
    a2, r2 = a * a, r * r
    lhs = np.arange(p - 1, -1, -1) * sq
    lhs += upto
    lhs *= a2
    clip = lhs <= r2 * sq
    clip &= sq > 0
    # The clipped entries are the largest (a suffix of the sorted row) in exact
    # arithmetic; count the suffix, as underflow of lhs can flag tiny entries too.
    rev = clip[..., ::-1]
    n_clip = np.where(
        rev.all(axis=-1, keepdims=True), p, np.argmin(rev, axis=-1, keepdims=True)
    )
    # the p - n_clip unclipped entries: ||w||^2 = n_clip a^2 + rest / c^2 = r^2
    idx = np.maximum(p - n_clip - 1, 0)
    rest = np.where(n_clip < p, np.take_along_axis(upto, idx, axis=-1), 0.0)
    denom = r2 - n_clip * a2
    # The root is at most the break point sq_top / a^2 of the smallest clipped entry;
    # capping c2 there matters when rounding leaves denom <= 0 < rest (the clipped
    # entries use up r^2 up to rounding), which would otherwise give c = inf, B = v.
    top = np.take_along_axis(sq, np.minimum(p - n_clip, p - 1), axis=-1)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        c2 = np.where(denom > 0, rest / denom, np.where(rest > 0, np.inf, 0.0))
        c2 = np.where(n_clip > 0, np.minimum(c2, top / a2), c2)
    c = np.maximum(np.sqrt(c2), 1.0)  # c = 1: the group constraint is inactive
    ca = np.where(a > 0, c * a, 0.0)
    clipped = np.clip(V, -ca, ca)
    if not split:
        clipped /= c
        return np.subtract(V, clipped, out=clipped)
    return (1.0 - 1.0 / c) * clipped, V - clipped


def _solve_dirty_gram(G, C, lambda_b, lambda_s, *, max_iter, tol):
    """Solve a batch of dirty-model problems from Gram statistics.

    Minimises ``0.5 tr(T' G T) - tr(T' C) + lambda_b sum_k ||B_k.||_2
    + lambda_s sum_kj |S_kj|`` over ``T = B + S`` for every fold ``f`` (its own
    ``G[f]``, ``C[f]``) and every pair ``(lambda_b[l], lambda_s[l])``, by
    over-relaxed Douglas-Rachford splitting between the quadratic and the penalty, or by
    FISTA with adaptive restart when a ``G[f]`` is singular. The pairs are solved
    together, in chunks of at most ``_CHUNK_ELEMENTS / (F K p)`` pairs; when there are
    several, Douglas-Rachford starts each pair from the final iterate of a neighbour on
    the grid (:func:`_warm_sources`) solved in an earlier chunk (:func:`_chunks`).

    Parameters
    ----------
    G : ndarray of shape (F, K, K)
        Gram matrices ``Z'Z/n``.
    C : ndarray of shape (F, K, p)
        Cross-products ``Z'X/n``.
    lambda_b, lambda_s : ndarray of shape (L,)
        Penalty pairs.
    max_iter : int
        Maximum number of solver iterations.
    tol : float
        A pair stops iterating when, on every fold ``f``, the Frobenius norm of the change
        of the estimate ``T`` of ``Theta`` in the last iteration, and that of the change of
        ``T`` by one proximal-gradient step (step ``1 / lambda_max(G[f])``: the iteration
        of the previous FISTA solver without momentum; its output is returned), are both
        at most ``tol * max(||T||_F, ||C[f]||_F / lambda_max(G[f]))`` (FISTA stops a chunk
        when all its pairs have). The second term, the norm of the first gradient step
        from zero, is a scale of the fold's problem that does not depend on the
        penalties: where the solution is tiny but not zero, the changes need not become
        tiny relative to it.

    Returns
    -------
    B, S : ndarray of shape (F, L, K, p)
        Group-sparse and element-sparse parts.
    n_iter : int
        Largest number of iterations run on a pair.
    """
    n_folds, K, p = C.shape
    n_pairs = lambda_b.shape[0]
    eig = np.linalg.eigvalsh(G)
    size = max(1, _CHUNK_ELEMENTS // (n_folds * K * p))
    if n_pairs <= size:  # one chunk: see _CHUNK_ELEMENTS
        source, chunks = np.full(n_pairs, -1), [np.arange(n_pairs)]
    else:
        source = _warm_sources(lambda_b, lambda_s)
        chunks = _chunks(source, size)
    final_u = np.zeros((n_folds, K, n_pairs, p))  # the last iterate of every solved pair
    B = np.empty((n_folds, n_pairs, K, p))
    S = np.empty((n_folds, n_pairs, K, p))
    n_iter, converged = 0, True
    for pairs in chunks:
        warm = source[pairs]
        u0 = np.zeros((n_folds, K, pairs.size, p))  # C order: reshaped at every iteration
        u0[:, :, warm >= 0] = final_u[:, :, warm[warm >= 0]]
        B[:, pairs], S[:, pairs], chunk_iter, done, u = _solve_pairs(
            G, C, eig, lambda_b[pairs], lambda_s[pairs], max_iter, tol, u0)
        if u is not None:
            final_u[:, :, pairs] = u
        n_iter, converged = max(n_iter, chunk_iter), converged and done
    if not converged:
        warnings.warn(
            f"DBSR-LS solver did not converge in {max_iter} iterations "
            f"(tol={tol}); increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return B, S, n_iter


def _warm_sources(lambda_b, lambda_s):
    """For each pair, the pair whose final iterate its solve starts from (-1: none).

    Where ``lambda_s`` is the smaller penalty relative to its largest value, the
    element-sparse part carries the solution, which changes little with ``lambda_b``:
    the source is the pair with the same ``lambda_s`` and the next larger ``lambda_b``.
    Elsewhere it is the pair with the same ``lambda_b`` and the next larger
    ``lambda_s``. Where that pair does not exist, the other rule applies.
    Douglas-Rachford converges from any start to the same solution.
    """
    relative_b = lambda_b / max(lambda_b.max(), np.finfo(float).tiny)
    relative_s = lambda_s / max(lambda_s.max(), np.finfo(float).tiny)
    source = np.full(lambda_b.shape[0], -1)
    for pair in range(lambda_b.shape[0]):
        rules = [(lambda_s, lambda_b), (lambda_b, lambda_s)]
        if relative_s[pair] >= relative_b[pair]:
            rules.reverse()
        for same, larger in rules:
            found = np.flatnonzero((same == same[pair]) & (larger > larger[pair]))
            if found.size:
                source[pair] = found[np.argmin(larger[found])]
                break
    return source


def _chunks(source, size):
    """Split the pairs into chunks of at most ``size``, each after its pairs' sources.

    A pair's level is one more than its source's (0 without one); each level is split
    into chunks in turn.
    """
    level = np.full(source.size, -1)
    for pair in range(source.size):
        chain = []  # pair, its source, ... up to a pair of known level or without source
        while pair >= 0 and level[pair] < 0:
            chain.append(pair)
            pair = source[pair]
        below = level[pair] if pair >= 0 else -1
        level[chain[::-1]] = np.arange(below + 1, below + 1 + len(chain))
    chunks = []
    for value in np.unique(level):
        members = np.flatnonzero(level == value)
        chunks.extend(members[start:start + size] for start in range(0, members.size, size))
    return chunks


def _solve_pairs(G, C, eig, lambda_b, lambda_s, max_iter, tol, u0):
    """:func:`_solve_dirty_gram` on one chunk of pairs, all at once.

    ``eig`` holds the eigenvalues of every ``G[f]``; ``u0`` of shape (F, K, L, p) is the
    Douglas-Rachford start. Returns ``(B, S, n_iter, converged, u)``, with ``u`` the last
    Douglas-Rachford iterate (None when FISTA ran).
    """
    n_folds, K, p = C.shape
    L = lambda_b.shape[0]
    # The variables are laid out as (F, K, L, p) so that G[f] @ T[f] is one BLAS
    # call per fold over the chunk.
    shape = (n_folds, K, L, p)
    # G = 0 (every latent constant, so C = 0 and the solution is 0): any scale will do
    lam_max = np.where(eig[:, -1] > np.finfo(float).tiny, eig[:, -1], 1.0)
    C_rep = C[:, :, None, :]
    step = (1.0 / lam_max)[:, None, None, None]
    step_s = step * lambda_s[None, None, :, None]
    step_b = step * lambda_b[None, None, :, None]

    def prox_grad_step(T, pairs=slice(None)):
        """One proximal-gradient step from ``T``, the iterate of the chunk's ``pairs``."""
        grad = (G @ T.reshape(n_folds, K, -1)).reshape(T.shape) - C_rep
        return _prox_dirty(T - step * grad, step_s[:, :, pairs], step_b[:, :, pairs])

    def sq_norms(A):
        return np.einsum("fklp,fklp->fl", A, A)

    # Floor of the norm that the changes are compared with: that of the first gradient
    # step from zero, ||C|| / lambda_max(G) (at most the least-squares solution's norm;
    # defined for a singular G too), so that a tiny solution need not be met to a tiny
    # absolute accuracy (see the comments at the top).
    floor = (np.linalg.norm(C, axis=(1, 2)) / lam_max)[:, None] ** 2

    def converged(T, dT, pairs):
        """Which of ``pairs`` (positions in the chunk; ``T`` is their iterate and ``dT``
        its last change) meet ``tol`` on every fold."""
        bound = tol * tol * np.maximum(sq_norms(T), floor)
        done = np.all(sq_norms(dT) <= bound, axis=0)
        if done.any():  # the proximal-gradient test only where the first one passed
            T_done = T[:, :, done]
            change = np.add(*prox_grad_step(T_done, pairs[done])) - T_done
            done[done] = np.all(sq_norms(change) <= bound[:, done], axis=0)
        return done

    u = None
    if np.all(eig[:, 0] > np.sqrt(np.finfo(float).eps) * lam_max):  # no G[f] is singular
        n_iter, T, done, u = _douglas_rachford(G, C_rep, lambda_b, lambda_s, eig, u0,
                                               max_iter, converged)
    else:
        n_iter, T, done = _fista(prox_grad_step, shape, max_iter, converged)
    # The returned split is that of one last proximal-gradient step from T.
    B, S = prox_grad_step(T)
    return B.transpose(0, 2, 1, 3), S.transpose(0, 2, 1, 3), n_iter, done, u


def _douglas_rachford(G, C_rep, lambda_b, lambda_s, eig, u, max_iter, converged):
    """Over-relaxed Douglas-Rachford iterations; return ``(n_iter, T, converged, u)``.

    x = prox_f(z) = (G + rho I)^{-1} (C + rho z), T = prox_h(2 x - z), z += relax (T - x),
    with rho = sqrt(lambda_min lambda_max) of each G[f] (``eig``: its eigenvalues), run on
    u = z + C / rho (so x = M u) from the given ``u`` (updated in place). From u = 0,
    x = 0 with the dual at -grad f(0) = C, so that problems whose solution is zero (every
    penalty at or above its lambda_max) stay exactly at their fixed point. A pair stops
    iterating once it has converged on every fold: the others then run on smaller
    arrays.
    """
    n_folds, K, n_pairs, p = u.shape
    rho = np.sqrt(eig[:, 0] * eig[:, -1])[:, None, None]
    M = rho * np.linalg.inv(G + rho * np.eye(K))
    inv_rho = 1.0 / rho[..., None]  # (F, 1, 1, 1)
    T_out = np.zeros(u.shape)

    def work_arrays(active):
        """Thresholds, ``C / rho`` and buffers, for the pairs ``active``."""
        shape = (n_folds, K, active.size, p)
        return (lambda_s[None, None, active, None] * inv_rho,
                lambda_b[None, None, active, None] * inv_rho,
                np.ascontiguousarray(np.broadcast_to(C_rep * inv_rho, shape)),
                np.empty(shape), np.empty(shape))

    active = np.arange(n_pairs)
    u_active, T = u, np.zeros(u.shape)
    thr_s, thr_b, C_rho, x, buf = work_arrays(active)
    for n_iter in range(1, max_iter + 1):
        np.matmul(M, u_active.reshape(n_folds, K, -1), out=x.reshape(n_folds, K, -1))
        np.add(x, x, out=buf)
        buf += C_rho
        buf -= u_active  # 2 x - z
        T_new = _prox_dirty(buf, thr_s, thr_b, split=False)
        np.subtract(T_new, x, out=buf)
        buf *= _RELAX
        u_active += buf
        np.subtract(T_new, T, out=buf)
        T = T_new
        done = converged(T, buf, active)
        if done.any():
            T_out[:, :, active[done]] = T[:, :, done]
            u[:, :, active[done]] = u_active[:, :, done]
            if done.all():
                return n_iter, T_out, True, u
            # C order, as every iteration reshapes it
            u_active = np.ascontiguousarray(u_active[:, :, ~done])
            T = T[:, :, ~done]
            active = active[~done]
            thr_s, thr_b, C_rho, x, buf = work_arrays(active)
    T_out[:, :, active] = T
    u[:, :, active] = u_active
    return max_iter, T_out, False, u


def _fista(prox_grad_step, shape, max_iter, converged):
    """FISTA with adaptive restart; return ``(n_iter, T, converged)``.

    Used when a Gram matrix is singular (exactly collinear latents), on which
    Douglas-Rachford converges much more slowly.
    """
    T = Y = np.zeros(shape)
    t = np.ones((shape[0], 1, shape[2], 1))
    for n_iter in range(1, max_iter + 1):
        T_new = np.add(*prox_grad_step(Y))
        dT = T_new - T
        # Adaptive (gradient-based) restart, per problem (O'Donoghue & Candes).
        restart = np.sum((Y - T_new) * dT, axis=(1, 3), keepdims=True) > 0
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        momentum = np.where(restart, 0.0, (t - 1.0) / t_new)
        t = np.where(restart, 1.0, t_new)
        Y = T_new + momentum * dT
        T = T_new
        if converged(T, dT, np.arange(shape[2])).all():
            return n_iter, T, True
    return max_iter, T, False


def _gram(Z, X):
    """Return ``Z'Z/n`` and ``Z'X/n``."""
    n = Z.shape[0]
    return Z.T @ Z / n, Z.T @ X / n


def _lambda_max(C):
    """Smallest (lambda_b, lambda_s) for which the all-zero solution is optimal.

    At ``Theta = 0`` the gradient is ``-C``; ``B = 0`` is optimal iff every row
    norm ``||C_k.||_2 <= lambda_b`` and ``S = 0`` iff every ``|C_kj| <= lambda_s``.
    """
    return float(np.max(np.linalg.norm(C, axis=1))), float(np.max(np.abs(C)))


def _standardize(A, name="A"):
    """Centre and scale columns to unit (population) variance.

    Constant columns (by scikit-learn's ``StandardScaler`` rule: variance below the
    numerical error of its computation) become exact zeros instead of being
    divided by zero. Raises a ValueError naming ``name`` when the variance overflows.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        mean = A.mean(axis=0)
        centred = A - mean
        var = np.mean(centred * centred, axis=0)
    if not np.all(np.isfinite(var)):
        raise ValueError(
            f"{name} has values too large to standardise (their squares overflow float64); "
            "rescale it."
        )
    n, eps = A.shape[0], np.finfo(A.dtype).eps
    constant = var <= n * eps * var + (n * mean * eps) ** 2
    scale = np.where(constant, 1.0, np.sqrt(var))
    out = centred / scale
    out[:, constant] = 0.0
    return out


def _check_pair(Z, X):
    Z = check_array(Z, dtype=np.float64, input_name="Z")
    X = check_array(X, dtype=np.float64, input_name="X")
    if Z.shape[0] != X.shape[0]:
        raise ValueError(
            f"Z and X must have the same number of rows; got {Z.shape[0]} and "
            f"{X.shape[0]}."
        )
    if X.shape[0] < 2:  # X's rows, also when Z holds the codes of X (evaluate)
        raise ValueError(f"DBSR-LS needs at least 2 rows of data; got {X.shape[0]}.")
    return Z, X


# --------------------------------------------------------------------------- result
@dataclass(repr=False, eq=False)
class DBSRLSResult:
    """Result of :func:`dbsr_ls`: the dirty regression of features on latents.

    Parameters
    ----------
    group_coef : ndarray of shape (n_latents, n_features)
        Row-sparse part ``B`` (a latent is used for all of its features or none).
    sparse_coef : ndarray of shape (n_latents, n_features)
        Element-sparse part ``S`` (single latent-feature links).
    lambda_b : float
        Chosen (or given) penalty of the row-group lasso on ``B``.
    lambda_s : float
        Chosen (or given) penalty of the lasso on ``S``.
    latent_names : ndarray of str of shape (n_latents,)
        Names of the latents (rows).
    feature_names : ndarray of str of shape (n_features,)
        Names of the features (columns).
    informative : ndarray of bool of shape (n_latents,)
        Latents entering the regression; the others have zero rows.
    cv_lambdas_b : ndarray of shape (n_lambdas,) or None
        Grid of ``lambda_b`` (decreasing), None when the pair was given.
    cv_lambdas_s : ndarray of shape (n_lambdas,) or None
        Grid of ``lambda_s`` (decreasing), None when the pair was given.
    cv_mse_mean : ndarray of shape (n_lambdas, n_lambdas) or None
        Mean over folds of the held-out mean squared error (standardised
        features); rows index ``cv_lambdas_b``, columns ``cv_lambdas_s``.
    cv_mse_std : ndarray of shape (n_lambdas, n_lambdas) or None
        Sample standard deviation (``ddof=1``) of the fold errors.

    Attributes
    ----------
    coef : ndarray of shape (n_latents, n_features)
        ``Theta = B + S``.
    support : ndarray of bool of shape (n_latents, n_features)
        ``Theta != 0``.
    importance : ndarray of shape (n_latents, n_features)
        ``Theta ** 2``: with standardised, uncorrelated latents, the share of
        each (standardised) feature's variance explained by each latent.
    active_latents : ndarray of bool of shape (n_latents,)
        Latents with a non-zero row of ``Theta``.
    feature_sets : list of list of str
        Per latent, the features with non-zero ``Theta``.
    """

    group_coef: np.ndarray
    sparse_coef: np.ndarray
    lambda_b: float
    lambda_s: float
    latent_names: np.ndarray
    feature_names: np.ndarray
    informative: np.ndarray
    cv_lambdas_b: np.ndarray | None = None
    cv_lambdas_s: np.ndarray | None = None
    cv_mse_mean: np.ndarray | None = None
    cv_mse_std: np.ndarray | None = None

    def __repr__(self):
        k, p = self.group_coef.shape
        return (
            f"DBSRLSResult(n_latents={k}, n_features={p}, "
            f"n_active={int(self.active_latents.sum())}, n_nonzero={int(self.support.sum())}, "
            f"lambda_b={self.lambda_b:.4g}, lambda_s={self.lambda_s:.4g})"
        )

    @property
    def coef(self):
        """``Theta = B + S``, shape (n_latents, n_features)."""
        return self.group_coef + self.sparse_coef

    @property
    def support(self):
        """Boolean support of ``Theta``."""
        return self.coef != 0

    @property
    def importance(self):
        """``Theta ** 2`` (variance explained, standardised scale)."""
        return self.coef**2

    @property
    def active_latents(self):
        """Latents with at least one non-zero coefficient."""
        return self.support.any(axis=1)

    @property
    def feature_sets(self):
        """Per latent, the list of features with non-zero ``Theta``."""
        return [list(self.feature_names[row]) for row in self.support]

    def to_frame(self, which="coef"):
        """Return one of the matrices as a DataFrame (latents x features).

        Parameters
        ----------
        which : {'coef', 'importance', 'support', 'group_coef', 'sparse_coef'}, \
                default='coef'
            Matrix to return.

        Returns
        -------
        frame : pandas.DataFrame
            Indexed by latent names, one column per feature.
        """
        import pandas as pd

        if which not in _WHICH:
            raise ValueError(f"which must be one of {_WHICH}; got {which!r}.")
        return pd.DataFrame(
            getattr(self, which),
            index=pd.Index(self.latent_names, name="latent"),
            columns=pd.Index(self.feature_names, name="feature"),
        )

    def plot(self, ax=None, which="importance"):
        """Heat map of one matrix (latents x features).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        which : {'importance', 'coef', 'support', 'group_coef', 'sparse_coef'}, \
                default='importance'
            Matrix to draw.

        Returns
        -------
        ax : matplotlib Axes
            The axes drawn on.
        """
        from skvae.plotting._heatmap import plot_heatmap

        if which not in _WHICH:
            raise ValueError(f"which must be one of {_WHICH}; got {which!r}.")
        return plot_heatmap(
            np.asarray(getattr(self, which), dtype=float),
            row_labels=list(self.latent_names),
            col_labels=list(self.feature_names),
            ax=ax,
            title=f"DBSR-LS {which}",
            colorbar_label=_LABELS[which],
        )


# --------------------------------------------------------------------------- public
@validate_params(
    {
        "Z": ["array-like"],
        "X": ["array-like"],
        "lambda_b": [Interval(Real, 0, None, closed="left")],
        "lambda_s": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def dirty_regression(Z, X, lambda_b, lambda_s, *, max_iter=5000, tol=1e-8):
    """Fit the dirty model ``X ~ Z (B + S)`` for one penalty pair.

    Minimises ``(1/(2n)) ||X - Z (B + S)||_F^2 + lambda_b sum_k ||B_k.||_2 + lambda_s sum_kj
    |S_kj|`` by over-relaxed Douglas-Rachford splitting (FISTA when ``Z'Z/n`` is singular)
    on the Gram statistics ``Z'Z/n`` and ``Z'X/n`` (over ``Theta``, with the exact prox of
    the combined penalty, which also yields the split into ``B`` and ``S``; where that split
    is not unique one optimal split is returned). No intercept and no standardisation: pass
    centred (preferably standardised) ``Z`` and ``X``. With ``lambda_s`` large this is
    :class:`~sklearn.linear_model.MultiTaskLasso`, with ``lambda_b`` large
    :class:`~sklearn.linear_model.Lasso` (same scaling, ``alpha=lambda``).

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_latents)
        Regressors (latent codes).
    X : array-like of shape (n_samples, n_features)
        Responses (features).
    lambda_b : float
        Penalty of the row-group lasso on ``B``.
    lambda_s : float
        Penalty of the element-wise lasso on ``S``.
    max_iter : int, default=5000
        Maximum number of solver iterations.
    tol : float, default=1e-8
        Stop when the Frobenius norm of the change of ``Theta = B + S`` in one
        iteration, and that of its change by one proximal-gradient step (step
        ``1 / lambda_max(Z'Z/n)``), are both at most ``tol`` times the larger of the
        Frobenius norm of ``Theta`` and ``||Z'X/n||_F / lambda_max(Z'Z/n)`` (the norm of
        the first gradient step from zero: a scale of the problem, so that a tiny but
        non-zero ``Theta`` is not needed to a tiny absolute accuracy).

    Returns
    -------
    B : ndarray of shape (n_latents, n_features)
        Row-sparse part.
    S : ndarray of shape (n_latents, n_features)
        Element-sparse part.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics import dirty_regression
    >>> Z = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    >>> B, S = dirty_regression(Z, 2 * Z, lambda_b=0.1, lambda_s=10.0)
    >>> np.round(B, 3)
    array([[1.8, 0. ],
           [0. , 1.8]])
    """
    Z, X = _check_pair(Z, X)
    G, C = _gram(Z, X)
    B, S, _ = _solve_dirty_gram(
        G[None],
        C[None],
        np.array([float(lambda_b)]),
        np.array([float(lambda_s)]),
        max_iter=max_iter,
        tol=tol,
    )
    return B[0, 0], S[0, 0]


def _fold_statistics(Z, X, folds):
    """Training Gram statistics and held-out statistics of every fold.

    Each fold is centred by its training means, so that the no-intercept model
    is right on the training rows.
    """
    G_tr, C_tr, G_va, C_va, xx_va = [], [], [], [], []
    for train, test in folds:
        mz, mx = Z[train].mean(axis=0), X[train].mean(axis=0)
        g, c = _gram(Z[train] - mz, X[train] - mx)
        G_tr.append(g)
        C_tr.append(c)
        Zv, Xv = Z[test] - mz, X[test] - mx
        g, c = _gram(Zv, Xv)
        G_va.append(g)
        C_va.append(c)
        xx_va.append(np.mean(np.sum(Xv * Xv, axis=1)))
    return tuple(map(np.asarray, (G_tr, C_tr, G_va, C_va, xx_va)))


def _choose(mse_mean, mse_std, n_nonzero, n_splits, one_se):
    """Pick the grid cell (i, j) by the minimum or the one-standard-error rule.

    One-SE: among the cells whose mean error is at most the minimum plus one
    standard error (fold SD / sqrt(n_splits)) of the minimising cell, take the
    sparsest (fewest non-zero coefficients, averaged over folds); ties go to
    the largest penalties (smallest i + j on the common log grid, i.e. the
    largest product of the relative penalties), then to the lower error.
    """
    i_min = np.unravel_index(np.argmin(mse_mean), mse_mean.shape)
    if not one_se:
        return i_min
    se = mse_std[i_min] / np.sqrt(n_splits)
    ii, jj = np.nonzero(mse_mean <= mse_mean[i_min] + se)
    order = np.lexsort((mse_mean[ii, jj], ii + jj, n_nonzero[ii, jj]))
    return ii[order[0]], jj[order[0]]


def _default_names(prefix, n):
    return np.asarray([f"{prefix}{k}" for k in range(n)], dtype=object)


def _names(given, frame, prefix, n, what):
    if given is None:
        columns = getattr(frame, "columns", None)
        if columns is None:
            return _default_names(prefix, n)
        given = list(map(str, columns))
    names = np.asarray(given, dtype=object)
    if names.shape != (n,):
        raise ValueError(f"{what} must have length {n}; got shape {names.shape}.")
    return names


_COMMON_PARAMS = {
    "lambdas": [StrOptions({"cv"}), "array-like"],
    # one value is lambda_max alone, where the solution is zero
    "n_lambdas": [Interval(Integral, 2, None, closed="left")],
    "lambda_min_ratio": [Interval(Real, 0, 1, closed="neither")],
    "cv": [Interval(Integral, 2, None, closed="left")],
    "one_se": ["boolean"],
    "informative": ["array-like", None],
    "random_state": ["random_state"],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
}


@validate_params(
    {
        "Z": ["array-like"],
        "X": ["array-like"],
        "latent_names": ["array-like", None],
        "feature_names": ["array-like", None],
        **_COMMON_PARAMS,
    },
    prefer_skip_nested_validation=True,
)
def dbsr_ls_from_codes(
    Z,
    X,
    *,
    lambdas="cv",
    n_lambdas=10,
    lambda_min_ratio=1e-3,
    cv=5,
    one_se=True,
    informative=None,
    random_state=None,
    max_iter=3000,
    tol=1e-6,
    latent_names=None,
    feature_names=None,
):
    """DBSR-LS from latent codes: dirty block-sparse regression of X on Z.

    ``Z`` and ``X`` are standardised column-wise (population variance; constant
    columns become zero), then ``X ~ Z (B + S)`` is fitted with the penalty
    ``lambda_b sum_k ||B_k.||_2 + lambda_s sum_kj |S_kj|`` and the data term
    ``(1/(2n)) ||X - Z Theta||_F^2`` (sklearn's ``MultiTaskLasso``/``Lasso``
    scaling, no intercept).

    Penalty grid: ``lambda_b`` and ``lambda_s`` each take ``n_lambdas`` values
    log-spaced from their ``lambda_max`` down to ``lambda_max * lambda_min_ratio``,
    where ``lambda_b_max = max_k ||C_k.||_2`` and ``lambda_s_max = max_kj |C_kj|``
    with ``C = Z'X/n`` on all data (at the pair of maxima the solution is exactly
    zero). All ``n_lambdas**2`` pairs are scored by ``cv``-fold cross-validation
    (:class:`~sklearn.model_selection.KFold` with shuffling; each training fold is
    re-centred) on the held-out mean squared error over all (standardised)
    features, computed from the fold's Gram statistics. With ``one_se=False`` the
    pair with the minimum mean error is chosen. With ``one_se=True`` (default) the
    candidates are the pairs whose mean error is at most the minimum plus one
    standard error of the minimising pair (its fold SD, ``ddof=1``, divided by
    ``sqrt(cv)``); among them the sparsest is chosen: the fewest non-zero
    coefficients (averaged over the folds' fits); ties go to the largest
    penalties, i.e. the largest product ``(lambda_b / lambda_b_max) *
    (lambda_s / lambda_s_max)`` (smallest sum of grid indices), then to the lower
    mean error. The model is then refitted on all data with the chosen pair.

    ``importance = Theta**2`` is the variance of each standardised feature that
    each latent explains when the latents are uncorrelated; lasso shrinkage
    biases it down by about ``2 |Theta| lambda_s``. Latents with (near) zero
    variance are standardised too, unless they are exactly constant: leave
    collapsed latents out with ``informative``.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_latents)
        Latent codes (e.g. posterior means).
    X : array-like of shape (n_samples, n_features)
        Features.
    lambdas : 'cv' or pair of float, default='cv'
        ``'cv'`` to choose by cross-validation, or a fixed ``(lambda_b, lambda_s)``.
    n_lambdas : int, default=10
        Grid size per penalty (the 2-D grid has ``n_lambdas**2`` pairs), at least 2.
    lambda_min_ratio : float, default=1e-3
        Smallest grid value relative to ``lambda_max``.
    cv : int, default=5
        Number of folds.
    one_se : bool, default=True
        Use the one-standard-error rule; else the minimum CV error.
    informative : array-like of bool of shape (n_latents,), default=None
        Latents to regress on; the others get zero rows. None uses all.
    random_state : int, RandomState instance or None, default=None
        Shuffling of the folds. Pass an int for reproducible results across
        multiple function calls. See :term:`Glossary <random_state>`.
    max_iter : int, default=3000
        Maximum number of solver iterations per penalty pair (each pair stops at its
        own convergence).
    tol : float, default=1e-6
        Tolerance of the solver, relative to the larger of the norm of ``Theta`` and
        ``||Z'X/n||_F / lambda_max(Z'Z/n)``, computed per solve on its (standardised)
        rows: each training fold, then all rows for the final fit (see
        :func:`~skvae.metrics.dirty_regression`).
    latent_names : array-like of str of shape (n_latents,), default=None
        Latent names; default from ``Z``'s columns if a DataFrame, else ``z0, ...``.
    feature_names : array-like of str of shape (n_features,), default=None
        Feature names; default from ``X``'s columns if a DataFrame, else ``x0, ...``.

    Returns
    -------
    result : DBSRLSResult
        Coefficients, support, importance, feature sets and the CV curve.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics import dbsr_ls_from_codes
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.uniform(size=(500, 2))
    >>> X = np.c_[Z[:, 0], Z[:, 0], Z[:, 1]] + 0.1 * rng.normal(size=(500, 3))
    >>> res = dbsr_ls_from_codes(Z, X, random_state=0)
    >>> res.feature_sets
    [['x0', 'x1'], ['x2']]
    """
    Z_in, X_in = Z, X
    Z, X = _check_pair(Z, X)
    K, p = Z.shape[1], X.shape[1]
    latent_names = _names(latent_names, Z_in, "z", K, "latent_names")
    feature_names = _names(feature_names, X_in, "x", p, "feature_names")
    if informative is None:
        informative = np.ones(K, dtype=bool)
    else:
        informative = np.asarray(informative)
        if informative.dtype != bool or informative.shape != (K,):
            raise ValueError(
                f"informative must be a boolean mask of shape ({K},); got dtype "
                f"{informative.dtype} and shape {informative.shape}."
            )
    fixed = not (isinstance(lambdas, str) and lambdas == "cv")
    message = ("lambdas must be 'cv' or a pair (lambda_b, lambda_s) of finite non-negative "
               f"floats; got {lambdas!r}.")
    if fixed:
        try:
            pair = np.asarray(lambdas, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(message) from None
        if pair.shape != (2,) or not np.all(np.isfinite(pair)) or np.any(pair < 0):
            raise ValueError(message)
    elif Z.shape[0] < cv:
        raise ValueError(
            f"cv={cv} folds need at least {cv} rows; got {Z.shape[0]}. Pass more rows, a "
            "smaller cv or fixed lambdas."
        )

    result = dict(latent_names=latent_names, feature_names=feature_names)
    result["informative"] = informative.copy()
    B = np.zeros((K, p))
    S = np.zeros((K, p))
    if not informative.any():
        logger.info("DBSR-LS: no informative latent; all coefficients are zero.")
        lam = pair if fixed else (np.nan, np.nan)
        return DBSRLSResult(B, S, float(lam[0]), float(lam[1]), **result)

    Zs = _standardize(Z[:, informative], "Z")
    Xs = _standardize(X, "X")
    # Constant features (zero columns of Xs) get zero coefficients at any penalty and
    # add nothing to the CV error: leave them out of the solves (image borders). If
    # none varies, keep them all: the solves handle C = 0.
    varying = Xs.any(axis=0) | ~Xs.any()
    if not varying.all():
        Xs = Xs[:, varying]
    G, C = _gram(Zs, Xs)
    if fixed:
        lambda_b, lambda_s = pair
    else:
        # C == 0 (nothing to explain): any positive grid gives the zero model
        lam_b_max, lam_s_max = (m if m > 0 else 1.0 for m in _lambda_max(C))
        ratios = np.logspace(0.0, np.log10(lambda_min_ratio), n_lambdas)
        grid_b, grid_s = lam_b_max * ratios, lam_s_max * ratios
        pairs_b = np.repeat(grid_b, n_lambdas)  # row-major (i over b, j over s)
        pairs_s = np.tile(grid_s, n_lambdas)

        folds = list(KFold(cv, shuffle=True, random_state=random_state).split(Zs))
        G_tr, C_tr, G_va, C_va, xx_va = _fold_statistics(Zs, Xs, folds)
        Bf, Sf, n_iter = _solve_dirty_gram(
            G_tr, C_tr, pairs_b, pairs_s, max_iter=max_iter, tol=tol
        )
        T = Bf + Sf  # (F, L, K, p)
        # Held-out MSE from Gram statistics: (|Xv|^2 - 2<T, Cv> + <T, Gv T>)/(n_v p).
        fit = np.einsum("flkp,fkp->fl", T, C_va)
        quad = np.einsum("flkp,fkm,flmp->fl", T, G_va, T, optimize=True)
        mse = (xx_va[:, None] - 2.0 * fit + quad) / p
        mse_mean = mse.mean(axis=0).reshape(n_lambdas, n_lambdas)
        mse_std = mse.std(axis=0, ddof=1).reshape(n_lambdas, n_lambdas)
        n_nonzero = np.mean(np.sum(T != 0, axis=(2, 3)), axis=0)
        n_nonzero = n_nonzero.reshape(n_lambdas, n_lambdas)
        i, j = _choose(mse_mean, mse_std, n_nonzero, cv, one_se)
        lambda_b, lambda_s = grid_b[i], grid_s[j]
        logger.debug("DBSR-LS CV: %d solver iterations, chose (%d, %d).", n_iter, i, j)
        result.update(
            cv_lambdas_b=grid_b,
            cv_lambdas_s=grid_s,
            cv_mse_mean=mse_mean,
            cv_mse_std=mse_std,
        )

    Bi, Si, _ = _solve_dirty_gram(
        G[None],
        C[None],
        np.array([lambda_b]),
        np.array([lambda_s]),
        max_iter=max_iter,
        tol=tol,
    )
    B[np.ix_(informative, varying)] = Bi[0, 0]
    S[np.ix_(informative, varying)] = Si[0, 0]
    return DBSRLSResult(B, S, float(lambda_b), float(lambda_s), **result)


@validate_params(
    {"estimator": "no_validation", "X": ["array-like"], **_COMMON_PARAMS},
    prefer_skip_nested_validation=True,
)
def dbsr_ls(
    estimator,
    X,
    *,
    lambdas="cv",
    n_lambdas=10,
    lambda_min_ratio=1e-3,
    cv=5,
    one_se=True,
    informative=None,
    random_state=None,
    max_iter=3000,
    tol=1e-6,
):
    """DBSR-LS of a fitted transformer: regress the features on its codes.

    Computes ``Z = estimator.transform(X)`` and calls :func:`dbsr_ls_from_codes`
    (see there for the model, the penalty grid and the one-standard-error rule).
    Latent names come from ``estimator.get_feature_names_out()``, feature names
    from ``estimator.feature_names_in_`` (else ``X``'s columns, else ``x0, ...``).

    Parameters
    ----------
    estimator : fitted transformer
        Any object with ``transform`` (for VAEs: posterior means). A
        :class:`~sklearn.pipeline.Pipeline` is unwrapped as in
        :func:`~skvae.metrics.evaluate`: its leading steps transform ``X``, which is
        then regressed on its last step's codes; a fitted search
        (``best_estimator_``) stands for its best estimator.
    X : array-like of shape (n_samples, n_features)
        Data to encode and regress.
    lambdas : 'cv' or pair of float, default='cv'
        ``'cv'`` to choose by cross-validation, or a fixed ``(lambda_b, lambda_s)``.
    n_lambdas : int, default=10
        Grid size per penalty, at least 2.
    lambda_min_ratio : float, default=1e-3
        Smallest grid value relative to ``lambda_max``.
    cv : int, default=5
        Number of folds.
    one_se : bool, default=True
        Use the one-standard-error rule; else the minimum CV error.
    informative : array-like of bool of shape (n_latents,), default=None
        Latents to regress on; the others get zero rows. None uses all.
    random_state : int, RandomState instance or None, default=None
        Shuffling of the folds. Pass an int for reproducible results across
        multiple function calls. See :term:`Glossary <random_state>`.
    max_iter : int, default=3000
        Maximum number of solver iterations per penalty pair (each pair stops at its
        own convergence).
    tol : float, default=1e-6
        Tolerance of the solver, relative to the larger of the norm of ``Theta`` and
        ``||Z'X/n||_F / lambda_max(Z'Z/n)``, computed per solve on its (standardised)
        rows: each training fold, then all rows for the final fit (see
        :func:`~skvae.metrics.dirty_regression`).

    Returns
    -------
    result : DBSRLSResult
        Coefficients, support, importance, feature sets and the CV curve.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from skvae.metrics import dbsr_ls
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 4)) @ np.diag([3.0, 2.0, 1.0, 0.5])
    >>> res = dbsr_ls(PCA(2).fit(X), X, random_state=0)
    >>> res.coef.shape
    (2, 4)
    """
    if not callable(getattr(estimator, "transform", None)):
        raise TypeError(
            f"estimator must implement transform; got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    leading, model = _final_step(estimator)
    X_model = X if leading is None else leading.transform(X)
    Z = model.transform(X_model)
    try:
        latent_names = list(map(str, model.get_feature_names_out()))
    except (AttributeError, TypeError, ValueError):
        latent_names = None  # no usable names: z0, z1, ...
    feature_names = _input_feature_names(leading, model, X_model, np.shape(X_model)[1])
    return dbsr_ls_from_codes(
        np.asarray(Z),
        X_model,
        lambdas=lambdas,
        n_lambdas=n_lambdas,
        lambda_min_ratio=lambda_min_ratio,
        cv=cv,
        one_se=one_se,
        informative=informative,
        random_state=random_state,
        max_iter=max_iter,
        tol=tol,
        latent_names=latent_names,
        feature_names=feature_names,
    )
