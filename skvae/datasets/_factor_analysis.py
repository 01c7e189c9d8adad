"""Simulated factor-analysis tables with known factors (FA15, FA24, FA100)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from skvae._base import _check_positive_integers
from skvae.utils._sklearn_compat import Interval, StrOptions, validate_params

#: Presets of method.md section 7: (n_features, n_factors).
FA_PRESETS = {"FA15": (15, 3), "FA24": (24, 4), "FA100": (100, 5)}

_LINKS = {
    "linear": lambda f: f,
    "tanh": lambda f: np.tanh(1.5 * f),
    "square": lambda f: f**2,
    "sine": lambda f: np.sin(2.0 * f),
}
# For link='nonlinear' the features of a block cycle through these links, so that a block is
# a non-monotone function of its factor that no single linear direction captures.
_NONLINEAR_CYCLE = ("linear", "square", "sine")


def _draw_factors(rng, n_samples, n_factors, distribution):
    """Independent factors with zero mean and unit variance."""
    if distribution == "uniform":
        return rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), size=(n_samples, n_factors))
    if distribution == "laplace":
        return rng.laplace(0.0, 1.0 / np.sqrt(2.0), size=(n_samples, n_factors))
    return rng.standard_normal(size=(n_samples, n_factors))


def _standardize(a):
    return (a - a.mean(axis=0)) / a.std(axis=0)


@validate_params(
    {
        "n_samples": [Interval(Integral, 2, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left"), None],
        "n_factors": [Interval(Integral, 1, None, closed="left"), None],
        "preset": [StrOptions(set(FA_PRESETS)), None],
        "block_sizes": ["array-like", None],
        "loadings_range": [tuple],
        "factor_distribution": [StrOptions({"uniform", "laplace", "gaussian"})],
        "factor_correlation": [Interval(Real, 0, 1, closed="left")],
        "link": [StrOptions({"linear", "tanh", "nonlinear"})],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_factor_analysis(
    n_samples=10_000,
    n_features=None,
    n_factors=None,
    *,
    preset=None,
    block_sizes=None,
    loadings_range=(0.6, 0.9),
    factor_distribution="uniform",
    factor_correlation=0.0,
    link="linear",
    random_state=None,
):
    """Generate a table from a block factor model with known factors.

    Each feature ``j`` loads on exactly one factor ``k`` (disjoint blocks)::

        x_j = l_j * g_j(f_k) + sqrt(1 - l_j**2) * e_j,

    with loadings ``l_j ~ U(loadings_range)``, unit-variance factors and noise, so every
    feature has unit variance. With ``link='linear'`` (``g_j`` the identity) this is the
    FA15 / FA24 / FA100 design of the bfVAE paper.

    Parameters
    ----------
    n_samples : int, default=10000
        Number of rows.
    n_features : int, default=None
        Number of features. Required unless ``preset`` is given.
    n_factors : int, default=None
        Number of true factors. Required unless ``preset`` is given.
    preset : {'FA15', 'FA24', 'FA100'}, default=None
        Named design: 15 features / 3 factors, 24 / 4 and 100 / 5, in equal blocks.
        Overrides ``n_features`` and ``n_factors``.
    block_sizes : array-like of int, default=None
        Number of features per factor; must sum to ``n_features``. Default: blocks as
        equal as possible.
    loadings_range : tuple of float, default=(0.6, 0.9)
        Range of the uniform distribution of the loadings, inside ``(0, 1)``.
    factor_distribution : {'uniform', 'laplace', 'gaussian'}, default='uniform'
        Distribution of the factors (all standardised to unit variance). Non-Gaussian
        factors make the factor axes identifiable; with Gaussian factors any rotation of the
        factors fits equally well, so no method can recover the axes.
    factor_correlation : float, default=0.0
        Correlation between every pair of factors, in ``[0, 1)``.
    link : {'linear', 'tanh', 'nonlinear'}, default='linear'
        ``'tanh'`` applies a monotone squashing to each factor; ``'nonlinear'`` cycles the
        features of a block through the identity, the square and ``sin(2 f)``, a non-monotone
        structure that hides the blocks from linear methods. Nonlinear signals are
        standardised before loading.
    random_state : int, RandomState instance or None, default=None
        Pass an int for reproducible output across multiple function calls.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The simulated table (float64).
    factors : ndarray of shape (n_samples, n_factors)
        The true factors.
    loadings : ndarray of shape (n_factors, n_features)
        The loading of each feature on its factor (zero off its block).

    Examples
    --------
    >>> from skvae.datasets import make_factor_analysis
    >>> X, factors, loadings = make_factor_analysis(1000, preset="FA15", random_state=0)
    >>> X.shape, factors.shape, loadings.shape
    ((1000, 15), (1000, 3), (3, 15))
    """
    if preset is not None:
        n_features, n_factors = FA_PRESETS[preset]
    if n_features is None or n_factors is None:
        raise ValueError("Give n_features and n_factors, or a preset ('FA15', 'FA24', 'FA100').")
    if n_factors > n_features:
        raise ValueError(f"n_factors={n_factors} exceeds n_features={n_features}.")
    try:
        low, high = (float(v) for v in loadings_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"loadings_range must be a pair (low, high) of numbers, got {loadings_range!r}."
        ) from None
    if not 0 < low <= high < 1:
        raise ValueError(f"loadings_range must satisfy 0 < low <= high < 1, got {loadings_range}.")
    if block_sizes is None:
        block_sizes = np.full(n_factors, n_features // n_factors)
        block_sizes[: n_features % n_factors] += 1
    _check_positive_integers("block_sizes", block_sizes)  # no silent truncation of 2.5
    block_sizes = np.asarray(block_sizes, dtype=int)
    bad_blocks = block_sizes.shape != (n_factors,) or (block_sizes < 1).any()
    if bad_blocks or block_sizes.sum() != n_features:
        raise ValueError(
            f"block_sizes must hold {n_factors} positive sizes summing to {n_features}, "
            f"got {block_sizes.tolist()}."
        )

    rng = check_random_state(random_state)
    factors = _draw_factors(rng, n_samples, n_factors, factor_distribution)
    if factor_correlation > 0:
        corr = np.full((n_factors, n_factors), factor_correlation)
        np.fill_diagonal(corr, 1.0)
        factors = factors @ np.linalg.cholesky(corr).T

    owner = np.repeat(np.arange(n_factors), block_sizes)
    position = np.concatenate([np.arange(size) for size in block_sizes])
    load = rng.uniform(low, high, size=n_features)
    loadings = np.zeros((n_factors, n_features))
    loadings[owner, np.arange(n_features)] = load

    signal = factors[:, owner]
    if link == "tanh":
        signal = _standardize(_LINKS["tanh"](signal))
    elif link == "nonlinear":
        for j in range(n_features):
            name = _NONLINEAR_CYCLE[position[j] % len(_NONLINEAR_CYCLE)]
            if name != "linear":
                signal[:, j] = _standardize(_LINKS[name](signal[:, j]))
    noise = rng.standard_normal(size=(n_samples, n_features))
    X = signal * load + noise * np.sqrt(1.0 - load**2)
    return X, factors, loadings
