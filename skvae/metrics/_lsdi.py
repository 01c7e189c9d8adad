"""LSDI: the latent space disentanglement index of a latents x features importance matrix."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import NamedTuple

import numpy as np
from sklearn.utils import check_array

from skvae.metrics._informative import _validate_mask
from skvae.utils._sklearn_compat import validate_params

__all__ = ["LSDIComponents", "combined_lsdi", "lsdi_components", "lsdi_score"]


class LSDIComponents(NamedTuple):
    """The LSDI of an importance matrix and its two factors.

    Parameters
    ----------
    lsdi : float
        ``exclusivity * balance``, in [0, 1].
    exclusivity : float
        Mass-weighted mean over features of ``1 - H(P_.j) / log K*``: 1 when every
        feature is driven by a single latent.
    balance : float
        ``min(1, exp(H(u)) - 1)`` with ``u`` the soft share of features each latent
        owns: 0 when one latent owns every feature, 1 once ownership is at least as
        spread as two equal groups.
    """

    lsdi: float
    exclusivity: float
    balance: float


def _entropy(p, axis=None):
    """Shannon entropy in nats along ``axis``, with 0 log 0 = 0."""
    p = np.asarray(p, dtype=float)
    return -np.sum(p * np.log(np.where(p > 0, p, 1.0)), axis=axis)


def _check_importance(importance, informative, name="importance"):
    """Validate an importance matrix and an optional row mask; return both."""
    m = check_array(importance, dtype=np.float64, input_name=name, ensure_all_finite=True)
    if np.any(m < 0):
        raise ValueError(f"{name} must be non-negative; it has negative entries.")
    if informative is None:
        mask = np.ones(m.shape[0], dtype=bool)
    else:
        mask = _validate_mask(informative, m.shape[0], name="informative")
    return m, mask


def _lsdi(m, mask):
    """LSDIComponents of a validated matrix ``m`` restricted to the rows in ``mask``."""
    m = m[mask]
    if m.shape[0] < 2 or not np.any(m > 0):
        return LSDIComponents(0.0, 0.0, 0.0)
    m = m / m.max()  # scale invariance without underflow
    col = m.sum(axis=0)
    keep = col > 0
    m, col = m[:, keep], col[keep]
    n_latents = m.shape[0]
    p = m / col  # column j: who drives feature j
    omega = col / col.sum()  # share of feature j in the total mass
    exclusivity = float(omega @ (1.0 - _entropy(p, axis=0) / np.log(n_latents)))
    u = p.mean(axis=1)  # soft share of the features each latent owns
    balance = min(1.0, float(np.exp(_entropy(u))) - 1.0)
    exclusivity = float(np.clip(exclusivity, 0.0, 1.0))
    balance = float(np.clip(balance, 0.0, 1.0))
    return LSDIComponents(exclusivity * balance, exclusivity, balance)


@validate_params(
    {"importance": ["array-like"], "informative": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def lsdi_components(importance, *, informative=None):
    """LSDI of an importance matrix, with its exclusivity and balance factors.

    The matrix ``M`` (latents x features; for example FVH-LT's variances ``V`` or
    DBSR-LS's ``Theta**2``) is restricted to the ``K*`` informative latents, and
    features with zero total mass are dropped. With ``P_.j`` column ``j`` normalised
    over latents, ``omega_j`` the share of feature ``j`` in the total mass and
    ``u_k = mean_j P_kj``::

        E    = sum_j omega_j * (1 - H(P_.j) / log K*)
        Bal  = min(1, exp(H(u)) - 1)
        LSDI = E * Bal

    with ``H`` the Shannon entropy in nats (``0 log 0 = 0``). When ``K* < 2`` or the
    restricted matrix is all zero, LSDI, exclusivity and balance are all 0.

    Parameters
    ----------
    importance : array-like of shape (n_latents, n_features)
        Non-negative, finite importance matrix.
    informative : array-like of bool of shape (n_latents,), default=None
        Rows to keep. Default: all latents.

    Returns
    -------
    components : LSDIComponents
        Named tuple ``(lsdi, exclusivity, balance)``, each in [0, 1].

    Examples
    --------
    >>> from skvae.metrics import lsdi_components
    >>> lsdi_components([[3, 3, 0], [0, 0, 1]]).balance  # doctest: +ELLIPSIS
    0.88988...
    """
    return _lsdi(*_check_importance(importance, informative))


@validate_params(
    {"importance": ["array-like"], "informative": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def lsdi_score(importance, *, informative=None):
    """LSDI (latent space disentanglement index) of an importance matrix.

    See :func:`lsdi_components` for the definition; this returns its ``lsdi``.

    Parameters
    ----------
    importance : array-like of shape (n_latents, n_features)
        Non-negative, finite importance matrix.
    informative : array-like of bool of shape (n_latents,), default=None
        Rows to keep. Default: all latents.

    Returns
    -------
    lsdi : float
        In [0, 1]; 1 for at least two latents owning disjoint, equally sized feature
        blocks, 0 when no more than one latent is informative or one latent owns
        every feature.

    Examples
    --------
    >>> from skvae.metrics import lsdi_score
    >>> lsdi_score([[1, 1, 0, 0], [0, 0, 1, 1]])
    1.0
    >>> lsdi_score([[1, 1, 1, 1], [0, 0, 0, 0]])
    0.0
    """
    return _lsdi(*_check_importance(importance, informative)).lsdi


@validate_params(
    {
        "fvh_importance": ["array-like"],
        "dbsr_importance": ["array-like"],
        "informative": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def combined_lsdi(fvh_importance, dbsr_importance, *, informative=None):
    """The headline LSDI: mean of the LSDIs of the FVH-LT and DBSR-LS matrices.

    Parameters
    ----------
    fvh_importance : array-like of shape (n_latents, n_features)
        FVH-LT variances ``V`` (non-negative).
    dbsr_importance : array-like of shape (n_latents, n_features)
        DBSR-LS squared coefficients ``Theta**2`` (non-negative).
    informative : array-like of bool of shape (n_latents,), default=None
        Rows to keep in both. Default: all latents.

    Returns
    -------
    lsdi : float
        ``(lsdi_score(fvh_importance) + lsdi_score(dbsr_importance)) / 2``.

    Examples
    --------
    >>> from skvae.metrics import combined_lsdi
    >>> combined_lsdi([[1, 1, 0, 0], [0, 0, 1, 1]], [[1, 1, 1, 1], [0, 0, 0, 0]])
    0.5
    """
    fvh, mask = _check_importance(fvh_importance, informative, name="fvh_importance")
    dbsr, _ = _check_importance(dbsr_importance, informative, name="dbsr_importance")
    if fvh.shape != dbsr.shape:
        raise ValueError(
            f"fvh_importance has shape {fvh.shape} but dbsr_importance has {dbsr.shape}; "
            "both must describe the same latents (rows) and features (columns)."
        )
    return 0.5 * (_lsdi(fvh, mask).lsdi + _lsdi(dbsr, mask).lsdi)
