"""GAS: greedy alignment of latents across repeated runs, and aggregation of their matrices."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass
from numbers import Integral

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.utils import check_array

from skvae.metrics._informative import _validate_mask
from skvae.utils._sklearn_compat import HasMethods, Interval, StrOptions, validate_params

__all__ = ["GASAggregate", "GASAlignment", "gas_aggregate", "gas_align"]


@dataclass(repr=False, eq=False)
class GASAlignment:
    """Alignment of the latents of R runs to a reference run (from :func:`gas_align`).

    Parameters
    ----------
    permutations : ndarray of int of shape (n_runs, n_latents)
        ``permutations[r, a]`` is the column of run ``r`` matched to reference
        latent ``a``. The reference run's row is the identity.
    signs : ndarray of shape (n_runs, n_latents)
        ``+1`` or ``-1``: the sign that makes the matched correlation non-negative.
    correlations : ndarray of shape (n_runs, n_latents)
        Matched absolute correlations ``|corr(ref_a, run_r[:, permutations[r, a]])|``
        (1 on the reference row, 0 for constant columns).
    reference : int
        Index of the reference run.
    stability : ndarray of shape (n_latents,)
        Per reference latent, the mean matched absolute correlation over the
        non-reference runs.
    method : str
        ``'greedy'`` or ``'hungarian'``.
    """

    permutations: np.ndarray
    signs: np.ndarray
    correlations: np.ndarray
    reference: int
    stability: np.ndarray
    method: str

    def __repr__(self):
        r, k = self.permutations.shape
        return (
            f"GASAlignment(n_runs={r}, n_latents={k}, reference={self.reference}, "
            f"method={self.method!r}, mean_stability={self.stability.mean():.4f})"
        )

    def align(self, codes, run):
        """Permute and sign-flip the codes of one run into the reference's latent order.

        Parameters
        ----------
        codes : array-like of shape (n_samples, n_latents)
            Codes (latent means) of run ``run``.
        run : int
            Index of the run.

        Returns
        -------
        aligned : ndarray of shape (n_samples, n_latents)
            ``codes[:, permutations[run]] * signs[run]``.
        """
        n_runs = self.permutations.shape[0]
        if not isinstance(run, Integral) or isinstance(run, bool) or not 0 <= run < n_runs:
            raise ValueError(f"run must be a run index in [0, {n_runs}), got {run!r}.")
        codes = check_array(codes, input_name="codes", dtype=np.float64)
        self._check_width(codes.shape[1], "codes")
        return codes[:, self.permutations[run]] * self.signs[run]

    def apply(self, matrices, *, signed=False):
        """Permute the rows of per-run latents x features matrices into the reference order.

        Parameters
        ----------
        matrices : sequence of n_runs array-like of shape (n_latents, n_features)
            One matrix per run, rows indexed by that run's latents (FVH-LT ``V``,
            DBSR-LS ``Theta**2``, a boolean support, ...).
        signed : bool, default=False
            Also multiply row ``a`` by ``signs[r, a]``, for signed matrices such as
            DBSR-LS's ``Theta``.

        Returns
        -------
        aligned : ndarray of shape (n_runs, n_latents, n_features)
            ``aligned[r] = matrices[r][permutations[r]]``; same dtype as the input
            (floats when ``signed``).
        """
        stack = _stack_matrices(matrices, self.permutations.shape[0], "matrices", dtype=None)
        self._check_width(stack.shape[1], "matrices (rows)")
        aligned = np.take_along_axis(stack, self.permutations[:, :, None], axis=1)
        if signed:
            aligned = aligned * self.signs[:, :, None]
        return aligned

    def _check_width(self, width, what):
        if width != self.permutations.shape[1]:
            raise ValueError(
                f"{what} has {width} latents but the alignment has "
                f"{self.permutations.shape[1]}."
            )


@dataclass(repr=False, eq=False)
class GASAggregate:
    """Aggregated per-run matrices (from :func:`gas_aggregate`).

    Parameters
    ----------
    mean : ndarray of shape (n_latents, n_features) or None
        Mean over runs of the aligned matrices.
    std : ndarray of shape (n_latents, n_features) or None
        Standard deviation (``ddof=0``) over runs of the aligned matrices.
    selection_frequency : ndarray of shape (n_latents, n_features) or None
        Fraction of runs whose aligned support holds each entry.
    stability : ndarray of shape (n_latents,)
        Per reference latent, the mean matched absolute correlation (from the
        alignment).
    n_runs : int
        Number of runs.
    """

    mean: np.ndarray | None
    std: np.ndarray | None
    selection_frequency: np.ndarray | None
    stability: np.ndarray
    n_runs: int

    def __repr__(self):
        shape = None if self.mean is None else self.mean.shape
        return f"GASAggregate(n_runs={self.n_runs}, shape={shape})"


def _stack_matrices(matrices, n_runs, name, dtype=np.float64):
    """Validate a sequence of n_runs equally shaped 2-D arrays and stack them."""
    if isinstance(matrices, np.ndarray) and matrices.ndim == 3:
        matrices = list(matrices)
    if len(matrices) != n_runs:
        raise ValueError(f"{name} must hold one matrix per run ({n_runs}), got {len(matrices)}.")
    arrays = [check_array(m, input_name=name, dtype=dtype) for m in matrices]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"All {name} must have the same shape, got {sorted(shapes)}.")
    return np.stack(arrays)


def _standardize(codes):
    """Centre and scale columns to unit variance; constant columns become zeros."""
    centered = codes - codes.mean(axis=-2, keepdims=True)
    std = np.sqrt(np.mean(centered**2, axis=-2, keepdims=True))
    scale = np.max(np.abs(codes), axis=-2, keepdims=True)
    constant = std <= 1e-12 * np.maximum(scale, 1.0)
    return np.where(constant, 0.0, centered / np.where(constant, 1.0, std))


def _greedy(key):
    """Greedy assignment: repeatedly take the largest remaining entry of ``key``."""
    k = key.shape[0]
    key = key.astype(np.float64, copy=True)
    cols = np.empty(k, dtype=np.intp)
    for _ in range(k):
        a, b = np.unravel_index(np.argmax(key), key.shape)
        cols[a] = b
        key[a, :] = -np.inf
        key[:, b] = -np.inf
    return cols


@validate_params(
    {
        "codes": ["array-like"],
        "reference": [Interval(Integral, 0, None, closed="left")],
        "informative": ["array-like", None],
        "method": [StrOptions({"greedy", "hungarian"})],
    },
    prefer_skip_nested_validation=True,
)
def gas_align(codes, *, reference=0, informative=None, method="greedy"):
    """Align the latents of repeated runs to a reference run (GAS).

    For every non-reference run ``r``, ``S_ab = |corr(ref[:, a], run_r[:, b])|`` on
    common data (0 when either column is constant). Greedy matching repeatedly
    takes the largest remaining ``S_ab``, assigns run latent ``b`` to reference
    latent ``a`` and removes row ``a`` and column ``b``; signs are then flipped so
    that every matched correlation is non-negative.

    Informative latents are matched first. Each candidate pair has a tier: the
    number of its latents (reference and run) that are informative, 2, 1 or 0.
    Greedy ranks pairs by tier, then by ``S_ab``: every informative-informative pair
    is assigned before any pair with a non-informative latent, and an informative
    latent left over (the runs have different numbers of informative latents) picks
    its partner before two non-informative latents are paired.
    ``method='hungarian'`` (``scipy.optimize.linear_sum_assignment``) maximises,
    in this order, the number of informative-informative pairs, the summed ``S_ab``
    of pairs with at least one informative latent, and the summed ``S_ab`` of the
    other pairs: one assignment of the pairs with an informative latent (weight
    ``S_ab + (K + 1)**2`` for tier 2, ``S_ab`` for tier 1), then one of the latents left
    over, which are non-informative in both runs.

    Parameters
    ----------
    codes : sequence of n_runs array-like of shape (n_samples, n_latents)
        Latent means of each run on the same data (same rows, same order).
        At least two runs, all with the same shape.
    reference : int, default=0
        Index of the reference run (e.g. the run with the lowest validation loss).
    informative : sequence of n_runs array-like of bool of shape (n_latents,), default=None
        Informative latents of each run; default: all latents informative.
    method : {'greedy', 'hungarian'}, default='greedy'
        Greedy matching (as in the method) or the optimal assignment.

    Returns
    -------
    alignment : GASAlignment
        Permutations, signs, matched correlations and per-latent stability.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics import gas_align
    >>> z = np.random.RandomState(0).uniform(size=(100, 3))
    >>> alignment = gas_align([z, -z[:, [2, 0, 1]]])
    >>> alignment.permutations[1]
    array([1, 2, 0])
    >>> alignment.signs[1]
    array([-1., -1., -1.])
    """
    if isinstance(codes, np.ndarray) and codes.ndim == 3:
        codes = list(codes)
    elif isinstance(codes, np.ndarray) or hasattr(codes, "columns"):  # one run, not a list
        raise ValueError(
            "gas_align needs the codes of several runs: a list of 2-D arrays or a 3-D array "
            f"(runs, samples, latents); got one array of shape {np.shape(codes)}."
        )
    n_runs = len(codes)
    if n_runs < 2:
        raise ValueError(f"gas_align needs codes from at least 2 runs, got {n_runs}.")
    if reference >= n_runs:
        raise ValueError(f"reference={reference} is not a run index (there are {n_runs} runs).")
    arrays = [check_array(c, input_name="codes", dtype=np.float64) for c in codes]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(
            "All runs' codes must have the same shape (same rows, same number of "
            f"latents), got {sorted(shapes)}."
        )
    n_latents = arrays[0].shape[1]
    if informative is None:
        masks = np.ones((n_runs, n_latents), dtype=bool)
    else:
        if len(informative) != n_runs:
            raise ValueError(
                f"informative must hold one mask per run ({n_runs}), got {len(informative)}."
            )
        masks = np.stack([_validate_mask(m, n_latents, name="informative") for m in informative])

    std = _standardize(np.stack(arrays))  # (R, n, K)
    corr = np.clip(std[reference].T @ std / std.shape[1], -1.0, 1.0)  # (R, K, K)
    sim = np.abs(corr)

    permutations = np.tile(np.arange(n_latents), (n_runs, 1))
    for r in range(n_runs):
        if r == reference:
            continue
        # Number of informative latents in each candidate pair (2, 1 or 0).
        tier = masks[reference][:, None].astype(int) + masks[r][None, :]
        if method == "greedy":
            permutations[r] = _greedy(sim[r] + 2.0 * tier)
        else:
            # Two assignments keep the order strict. First the pairs with an informative
            # latent: one more informative pair outweighs any total of K similarities.
            big = n_latents + 1.0
            weight = np.where(tier > 0, sim[r] + big**2 * (tier == 2), 0.0)
            rows, cols = linear_sum_assignment(weight, maximize=True)
            kept = tier[rows, cols] > 0
            permutations[r, rows[kept]] = cols[kept]
            # Then the latents left over, non-informative in both runs, among themselves.
            rows, cols = rows[~kept], cols[~kept]
            sub_rows, sub_cols = linear_sum_assignment(sim[r][np.ix_(rows, cols)], maximize=True)
            permutations[r, rows[sub_rows]] = cols[sub_cols]
    matched = np.take_along_axis(corr, permutations[:, :, None], axis=2)[:, :, 0]
    signs = np.where(matched < 0, -1.0, 1.0)
    correlations = np.abs(matched)
    others = np.arange(n_runs) != reference
    return GASAlignment(
        permutations=permutations,
        signs=signs,
        correlations=correlations,
        reference=int(reference),
        stability=correlations[others].mean(axis=0),
        method=method,
    )


@validate_params(
    {
        "alignment": [HasMethods(["apply"])],
        "matrices": ["array-like", None],
        "support": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def gas_aggregate(alignment, matrices, *, support=None):
    """Aggregate per-run latents x features matrices after GAS alignment.

    Parameters
    ----------
    alignment : GASAlignment
        From :func:`gas_align`.
    matrices : sequence of n_runs array-like of shape (n_latents, n_features) or None
        Non-signed per-run matrices (e.g. FVH-LT ``V`` or DBSR-LS ``Theta**2``),
        rows indexed by each run's own latents.
    support : sequence of n_runs array-like of bool of shape (n_latents, n_features), \
            default=None
        Per-run boolean supports (e.g. DBSR-LS ``Theta != 0``).

    Returns
    -------
    aggregate : GASAggregate
        ``mean`` and ``std`` (``ddof=0``) over runs of the aligned matrices,
        ``selection_frequency`` of each entry of the aligned supports (None when
        not given) and the alignment's per-latent ``stability``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvae.metrics import gas_align, gas_aggregate
    >>> z = np.random.RandomState(0).uniform(size=(100, 2))
    >>> alignment = gas_align([z, z[:, ::-1]])
    >>> gas_aggregate(alignment, [[[1, 0], [0, 2]], [[0, 2], [1, 0]]]).mean
    array([[1., 0.],
           [0., 2.]])
    """
    n_runs = alignment.permutations.shape[0]
    mean = std = frequency = None
    if matrices is not None:
        aligned = alignment.apply(_stack_matrices(matrices, n_runs, "matrices"))
        mean, std = aligned.mean(axis=0), aligned.std(axis=0)
    if support is not None:
        stack = _stack_matrices(support, n_runs, "support", dtype=None)
        if stack.dtype != bool:
            raise TypeError(f"support must hold boolean arrays, got dtype {stack.dtype}.")
        frequency = alignment.apply(stack).mean(axis=0)
    return GASAggregate(
        mean=mean,
        std=std,
        selection_frequency=frequency,
        stability=alignment.stability.copy(),
        n_runs=n_runs,
    )
