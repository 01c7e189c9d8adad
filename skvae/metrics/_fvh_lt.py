"""FVH-LT: feature variance heterogeneity via latent traversal."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import base64
import dataclasses
import html
import io
import logging
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted

from skvae.metrics._informative import (
    _final_step,
    _informative_mask,
    _input_feature_names,
    _latent_and_feature_names,
)
from skvae.metrics._lsdi import LSDIComponents, _entropy, _lsdi
from skvae.utils._sklearn_compat import Interval, StrOptions, _safe_indexing, validate_params

__all__ = ["FVHLTResult", "fvh_lt"]

logger = logging.getLogger(__name__)

# Default decode chunk: at most this many rows, and at most about this many output
# entries per call (so that image decoders do not build multi-GB arrays).
_MAX_ROWS = 250_000
_MAX_ENTRIES = 2**25


@dataclass(repr=False, eq=False)
class FVHLTResult:
    """Result of :func:`fvh_lt`.

    Parameters
    ----------
    variances : ndarray of shape (n_latents, n_features)
        ``V``: variance of each decoded feature over the traversal grid of each
        latent, averaged over anchors.
    heterogeneity : ndarray of shape (n_latents,)
        ``1 - H(V_k. / sum V_k.) / log(n_features)`` per latent (natural log); 0 for
        an all-zero row, and 1 for a non-zero row when there is a single feature.
    feature_sets : dict of str to list of str
        For every latent (informative or not), the features with
        ``V_kj >= feature_threshold * max_j V_kj``; empty for an all-zero row.
    informative : ndarray of bool of shape (n_latents,)
        Informative latents (see :func:`~skvae.metrics._informative.informative_latents`).
    grid : ndarray of shape (n_latents, n_grid)
        Latent values of each traversal, after scaling.
    curves : ndarray of shape (n_latents, n_grid, n_features)
        Decoded means along each latent's grid, the other latents held at the mean
        of the anchors (at 0 for ``anchors='prior'``).
    anchors : ndarray of shape (n_anchors, n_latents)
        The anchor codes the traversals start from.
    latent_names : list of str
        Row names.
    feature_names : list of str
        Column names.
    lsdi : LSDIComponents
        :func:`~skvae.metrics._lsdi.lsdi_components` of ``variances`` restricted to
        the informative latents.
    grid_scale : str
        The grid scaling used, ``'prior'`` or ``'data'``.
    """

    variances: np.ndarray
    heterogeneity: np.ndarray
    feature_sets: dict
    informative: np.ndarray
    grid: np.ndarray
    curves: np.ndarray
    anchors: np.ndarray
    latent_names: list
    feature_names: list
    lsdi: LSDIComponents
    grid_scale: str

    @property
    def importance(self):
        """Alias of :attr:`variances` (the matrix the LSDI is computed on)."""
        return self.variances

    def __repr__(self):
        k, p = self.variances.shape
        return (
            f"FVHLTResult(n_latents={k}, n_features={p}, "
            f"n_informative={int(self.informative.sum())}, lsdi={self.lsdi.lsdi:.4f})"
        )

    def to_frame(self):
        """The variance matrix as a DataFrame (latents x features).

        Returns
        -------
        frame : pandas.DataFrame of shape (n_latents, n_features)
        """
        import pandas as pd

        return pd.DataFrame(self.variances, index=self.latent_names, columns=self.feature_names)

    def plot(self, ax=None, *, title="FVH-LT variances", cmap="viridis"):
        """Heat map of the variance matrix.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        title : str, default="FVH-LT variances"
            Axes title.
        cmap : str, default="viridis"
            Colour map.

        Returns
        -------
        ax : matplotlib Axes
        """
        from skvae.plotting import plot_heatmap

        return plot_heatmap(
            self.variances,
            row_labels=self.latent_names,
            col_labels=self.feature_names,
            ax=ax,
            title=title,
            cmap=cmap,
            colorbar_label="variance over traversal",
        )

    def plot_traversals(self, latents=None, features=None, *, max_features=8):
        """Decoded features along each latent's traversal (a table of line plots).

        Parameters
        ----------
        latents : list, default=None
            Latents to show (see :func:`skvae.plotting.plot_traversals`); all by
            default.
        features : list, default=None
            Features to show; by default the ``max_features`` that vary most.
        max_features : int, default=8
            Cap on the number of features shown when ``features`` is None.

        Returns
        -------
        fig : matplotlib Figure
        """
        from skvae.plotting import plot_traversals

        return plot_traversals(
            self.grid,
            self.curves,
            latent_labels=self.latent_names,
            feature_labels=self.feature_names,
            latents=latents,
            features=features,
            max_features=max_features,
        )

    def plot_traversal_images(self, image_shape, *, latents=None):
        """Traversal curves shown as images (one row of images per latent).

        Parameters
        ----------
        image_shape : tuple of int
            Shape each decoded row reshapes to, e.g. ``(28, 28)``.
        latents : list, default=None
            Latents to show; all by default.

        Returns
        -------
        fig : matplotlib Figure
        """
        from skvae.plotting import plot_traversal_images

        return plot_traversal_images(
            self.curves, image_shape, latent_labels=self.latent_names, latents=latents
        )

    def _heatmap_png(self):
        """Base64 PNG of the heat map, or None when plotting is unavailable."""
        try:
            from matplotlib.figure import Figure

            import skvae.plotting  # noqa: F401
        except ImportError:
            return None
        k, p = self.variances.shape
        fig = Figure(figsize=(min(12.0, 2.0 + 0.35 * p), min(8.0, 1.5 + 0.35 * k)))
        self.plot(ax=fig.add_subplot())
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=72, bbox_inches="tight")
        return base64.b64encode(buf.getvalue()).decode("ascii")

    def _repr_html_(self):
        k, p = self.variances.shape
        lsdi = self.lsdi
        parts = [
            f"<p><b>FVH-LT</b>: {k} latents ({int(self.informative.sum())} informative) x "
            f"{p} features; LSDI {lsdi.lsdi:.3f} (exclusivity {lsdi.exclusivity:.3f}, "
            f"balance {lsdi.balance:.3f})</p>"
        ]
        if self.variances.size <= 1000:
            parts.append(self.to_frame().to_html(float_format=lambda v: f"{v:.3g}"))
        png = self._heatmap_png()
        if png is not None:
            alt = html.escape("FVH-LT heat map")
            parts.append(f'<img alt="{alt}" src="data:image/png;base64,{png}"/>')
        return "\n".join(parts)


def _check_decoder(estimator):
    missing = [m for m in ("transform", "inverse_transform") if not hasattr(estimator, m)]
    if missing:
        hint = ""
        if "inverse_transform" in missing:
            hint = (
                " FVH-LT traverses the latent space through a decoder; for a linear model "
                "without one (e.g. FactorAnalysis) use its squared loadings "
                "(components_**2) as the importance matrix instead."
            )
        raise TypeError(
            f"fvh_lt needs an estimator with transform and inverse_transform; "
            f"{type(estimator).__name__} has no {' or '.join(missing)}.{hint}"
        )


def _check_grid_range(grid_range):
    try:
        lo, hi = (float(v) for v in grid_range)
    except (TypeError, ValueError):
        raise ValueError(
            f"grid_range must be a pair (low, high) of numbers, got {grid_range!r}."
        ) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"grid_range must be finite with low < high, got {grid_range!r}.")
    return lo, hi


def _traversal_variances(estimator, grid, starts, batch_size):
    """Decode every traversal and return the grid variances and the first K curves.

    Traversal ``t = a * K + k`` moves latent ``k`` over ``grid[k]`` from anchor
    ``starts[a]``; its ``n_grid`` rows are contiguous, so a chunk of whole traversals
    is decoded per ``inverse_transform`` call.
    """
    n_latents, n_grid = grid.shape
    n_trav = starts.shape[0] * n_latents
    per_call = max(1, batch_size // n_grid)
    variances, curves = None, None
    for begin in range(0, n_trav, per_call):
        t = np.arange(begin, min(begin + per_call, n_trav))
        a, k = np.divmod(t, n_latents)
        z = np.repeat(starts[a][:, None, :], n_grid, axis=1)  # (len(t), n_grid, K)
        z[np.arange(t.size), :, k] = grid[k]
        decoded = np.asarray(estimator.inverse_transform(z.reshape(-1, n_latents)))
        if decoded.ndim != 2 or decoded.shape[0] != t.size * n_grid:
            raise ValueError(
                f"inverse_transform returned shape {decoded.shape} for {t.size * n_grid} "
                "latent rows; expected a 2-D array with one row per latent row."
            )
        decoded = decoded.astype(np.float64, copy=False).reshape(t.size, n_grid, -1)
        if not np.isfinite(decoded).all():
            raise ValueError(
                "inverse_transform returned non-finite values (NaN or inf) for latent codes "
                "of the traversal grid; FVH-LT needs a decoder with finite outputs."
            )
        if variances is None:
            variances = np.empty((n_trav, decoded.shape[2]))
            curves = np.empty((n_latents, n_grid, decoded.shape[2]))
        # Shift by the first grid point: a feature that does not move has variance 0 exactly.
        variances[t] = np.var(decoded - decoded[:, :1], axis=1)
        first = t < n_latents
        curves[t[first]] = decoded[first]
    return variances, curves


def _rename_fvh_features(result, feature_names):
    """Return ``result`` with its feature names (and feature sets) replaced."""
    if list(result.feature_names) == list(feature_names):
        return result
    index = {name: j for j, name in enumerate(result.feature_names)}
    feature_sets = {
        latent: [feature_names[index[f]] for f in features]
        for latent, features in result.feature_sets.items()
    }
    return dataclasses.replace(
        result, feature_names=list(feature_names), feature_sets=feature_sets
    )


_FVH_LT_CONSTRAINTS = {
    "estimator": "no_validation",
    "X": ["array-like"],
    "n_grid": [Interval(Integral, 2, None, closed="left")],
    "grid_range": ["array-like"],
    "anchors": [StrOptions({"data", "prior"})],
    "n_anchors": [Interval(Integral, 1, None, closed="left")],
    "grid_scale": [StrOptions({"auto", "prior", "data"})],
    "feature_threshold": [Interval(Real, 0, 1, closed="both")],
    "informative": ["array-like", None],
    "threshold": [Interval(Real, 0, None, closed="left")],
    "random_state": ["random_state"],
    "batch_size": [Interval(Integral, 1, None, closed="left"), None],
}


@validate_params(_FVH_LT_CONSTRAINTS, prefer_skip_nested_validation=True)
def fvh_lt(
    estimator,
    X,
    *,
    n_grid=21,
    grid_range=(-3.0, 3.0),
    anchors="data",
    n_anchors=100,
    grid_scale="auto",
    feature_threshold=0.5,
    informative=None,
    threshold=0.1,
    random_state=None,
    batch_size=None,
):
    """Feature variance heterogeneity via latent traversal (FVH-LT).

    For each latent ``k``: hold the other latents at an anchor, move ``z_k`` over a
    grid, decode the mean with ``estimator.inverse_transform`` and take each output
    feature's variance over the grid (``ddof=0``); average over anchors. The result
    ``V`` (latents x features) is the FVH-LT heat map. All traversals are stacked and
    decoded in as few ``inverse_transform`` calls as possible.

    Parameters
    ----------
    estimator : object
        A fitted transformer with ``transform`` (encoder means) and
        ``inverse_transform`` (decoder means), e.g. a skvae VAE or PCA. A
        :class:`~sklearn.pipeline.Pipeline` is unwrapped as in
        :func:`~skvae.metrics.evaluate`: its leading steps transform ``X`` and the
        traversals decode with its last step, so the columns of ``V`` are the features
        that step sees; a fitted search (``best_estimator_``) stands for its best
        estimator.
    X : array-like of shape (n_samples, n_features)
        Data for the anchors and, with ``grid_scale='data'``, the code scales.
    n_grid : int, default=21
        Number of grid points per traversal (at least 2).
    grid_range : tuple of float, default=(-3.0, 3.0)
        Ends of the evenly spaced grid, before scaling.
    anchors : {'data', 'prior'}, default='data'
        ``'data'``: the codes (``estimator.transform``) of ``n_anchors`` rows of
        ``X`` drawn without replacement (all rows if fewer). ``'prior'``: the single
        anchor ``z = 0``.
    n_anchors : int, default=100
        Number of data anchors.
    grid_scale : {'auto', 'prior', 'data'}, default='auto'
        ``'prior'``: the grid values are the latent values themselves (a VAE with a
        standard normal prior). ``'data'``: the grid of latent ``k`` is multiplied by
        the standard deviation (``ddof=0``) of latent ``k``'s codes on ``X``, for
        models whose codes do not have unit variance (PCA: then ``V_kj`` is
        proportional to ``explained_variance_[k] * components_[k, j]**2``); the
        grid stays centred at 0, the code mean of centred linear models.
        ``'auto'``: ``'prior'`` when the estimator has ``kl_per_latent_`` (a VAE),
        else ``'data'``.
    feature_threshold : float, default=0.5
        A latent's feature set holds the features with ``V_kj`` at least this
        fraction of the row maximum.
    informative : array-like of bool of shape (n_latents,), default=None
        Informative latents; default from ``kl_per_latent_ > threshold`` (all
        latents when the estimator has no ``kl_per_latent_``).
    threshold : float, default=0.1
        KL threshold in nats for the default ``informative``.
    random_state : int, RandomState instance or None, default=None
        Draws the data anchors. Pass an int for reproducible results across multiple
        function calls. See :term:`Glossary <random_state>`.
    batch_size : int, default=None
        Latent rows per ``inverse_transform`` call, rounded down to whole traversals
        (a multiple of ``n_grid``, at least one traversal). Default: up to 250,000
        rows and about 2**25 decoded entries per call, so a tabular model decodes
        in one call.

    Returns
    -------
    result : FVHLTResult
        Variances, heterogeneity, feature sets, informative mask, traversal grid and
        curves, names, and the LSDI of the variances over the informative latents.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from skvae.metrics import fvh_lt
    >>> X = np.random.RandomState(0).normal(size=(200, 4)) * [3, 3, 1, 1]
    >>> result = fvh_lt(PCA(n_components=2).fit(X), X, random_state=0)
    >>> result.variances.shape
    (2, 4)
    """
    leading, model = _final_step(estimator)
    if model is not estimator:
        check_is_fitted(estimator)
        X_model = X if leading is None else leading.transform(X)
        result = fvh_lt(
            model, X_model, n_grid=n_grid, grid_range=grid_range, anchors=anchors,
            n_anchors=n_anchors, grid_scale=grid_scale, feature_threshold=feature_threshold,
            informative=informative, threshold=threshold, random_state=random_state,
            batch_size=batch_size,
        )
        names = _input_feature_names(leading, model, X_model, len(result.feature_names))
        return _rename_fvh_features(result, names)
    _check_decoder(estimator)
    check_is_fitted(estimator)
    lo, hi = _check_grid_range(grid_range)
    X_checked = check_array(X, input_name="X", dtype="numeric")
    n_samples, n_features = X_checked.shape
    n_features_in = getattr(estimator, "n_features_in_", None)
    if n_features_in is not None and n_features != n_features_in:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is expecting "
            f"{n_features_in} features as input."
        )
    if grid_scale == "auto":
        grid_scale = "prior" if hasattr(estimator, "kl_per_latent_") else "data"
    if grid_scale == "data" and n_samples < 2:
        raise ValueError(
            "grid_scale='data' scales the grid by the latents' standard deviations over X, "
            f"which needs at least 2 rows; got {n_samples}."
        )

    rng = check_random_state(random_state)
    idx = rng.choice(n_samples, size=min(n_anchors, n_samples), replace=False)
    if grid_scale == "data":
        codes = np.asarray(estimator.transform(X), dtype=np.float64)
        anchor_codes = codes[idx]
    else:
        anchor_codes = np.asarray(estimator.transform(_safe_indexing(X, idx)), dtype=np.float64)
    n_latents = anchor_codes.shape[1]
    mask = _informative_mask(
        estimator, threshold=threshold, mask=informative, n_latents=n_latents
    )

    base = np.linspace(lo, hi, n_grid)
    if grid_scale == "data":
        grid = codes.std(axis=0)[:, None] * base
    else:
        grid = np.tile(base, (n_latents, 1))

    if anchors == "prior":
        anchor_codes = np.zeros((1, n_latents))
        starts, n_extra = anchor_codes, 0
    else:  # the anchors' mean first: its traversals are the plotted curves
        starts, n_extra = np.vstack([anchor_codes.mean(axis=0), anchor_codes]), 1

    if batch_size is None:
        batch_size = min(_MAX_ROWS, max(n_grid, _MAX_ENTRIES // max(n_features, 1)))
    logger.debug(
        "fvh_lt: decoding %d traversals of %d points in chunks of %d rows",
        starts.shape[0] * n_latents,
        n_grid,
        batch_size,
    )
    trav_var, curves = _traversal_variances(estimator, grid, starts, batch_size)
    n_out = trav_var.shape[1]
    variances = trav_var.reshape(starts.shape[0], n_latents, n_out)[n_extra:].mean(axis=0)

    row_sum = variances.sum(axis=1)
    nonzero = row_sum > 0
    if n_out > 1:
        p = variances / np.where(nonzero, row_sum, 1.0)[:, None]
        heterogeneity = np.where(nonzero, 1.0 - _entropy(p, axis=1) / np.log(n_out), 0.0)
    else:
        heterogeneity = nonzero.astype(np.float64)
    heterogeneity = np.clip(heterogeneity, 0.0, 1.0)

    latent_names, feature_names = _latent_and_feature_names(
        estimator, n_latents=n_latents, n_features=n_out
    )
    columns = getattr(X, "columns", None)
    if getattr(estimator, "feature_names_in_", None) is None and columns is not None:
        if len(columns) == n_out:
            feature_names = [str(c) for c in columns]

    row_max = variances.max(axis=1, keepdims=True)
    selected = (variances >= feature_threshold * row_max) & (row_max > 0)
    feature_sets = {
        name: [feature_names[j] for j in np.flatnonzero(row)]
        for name, row in zip(latent_names, selected)
    }

    return FVHLTResult(
        variances=variances,
        heterogeneity=heterogeneity,
        feature_sets=feature_sets,
        informative=mask,
        grid=grid,
        curves=curves,
        anchors=anchor_codes,
        latent_names=latent_names,
        feature_names=feature_names,
        lsdi=_lsdi(variances, mask),
        grid_scale=grid_scale,
    )
