"""Full label-free evaluation of a fitted transformer: FVH-LT, DBSR-LS, LSDI, GAS-aggregated."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import base64
import html
import inspect
import io
import math
from dataclasses import dataclass
from numbers import Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from skvae.metrics._dbsr_ls import _COMMON_PARAMS, DBSRLSResult, dbsr_ls_from_codes
from skvae.metrics._fvh_lt import _FVH_LT_CONSTRAINTS, FVHLTResult, _rename_fvh_features, fvh_lt
from skvae.metrics._gas import GASAggregate, GASAlignment, gas_aggregate
from skvae.metrics._informative import (
    _final_step,
    _informative_mask,
    _input_feature_names,
    _latent_and_feature_names,
)
from skvae.metrics._lsdi import LSDIComponents, _entropy, _lsdi
from skvae.utils._sklearn_compat import (
    Interval,
    validate_parameter_constraints,
    validate_params,
)

__all__ = ["DisentanglementEvaluation", "GASEvaluation", "evaluate"]

#: Parameters that :func:`evaluate` sets itself and that the ``*_params`` dicts may not hold.
_RESERVED = {
    "fvh_lt_params": ("informative", "threshold", "random_state"),
    "dbsr_ls_params": ("informative", "random_state", "latent_names", "feature_names"),
}
#: The function each parameter dict is passed to, and that function's parameter constraints.
_TARGETS = {"fvh_lt_params": (fvh_lt, _FVH_LT_CONSTRAINTS),
            "dbsr_ls_params": (dbsr_ls_from_codes, _COMMON_PARAMS)}
#: Largest matrix (entries) shown as a table in the HTML representations.
_MAX_HTML_TABLE = 2000


# --------------------------------------------------------------------------- helpers
def _plain(value):
    """Convert numpy scalars/arrays (recursively) to JSON-ready Python objects; NaN -> None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def _components_dict(components):
    return {name: float(getattr(components, name)) for name in components._fields}


def _check_decoder(estimator, caller):
    missing = [m for m in ("transform", "inverse_transform") if not hasattr(estimator, m)]
    if missing:
        raise TypeError(
            f"{caller} needs a transformer with transform (encoder) and inverse_transform "
            f"(decoder): FVH-LT traverses the latent space through the decoder. "
            f"{type(estimator).__name__} has no {' or '.join(missing)}."
        )


def _check_width(estimator, X):
    """Raise a ValueError when X's column count disagrees with ``n_features_in_``."""
    expected = getattr(estimator, "n_features_in_", None)
    shape = getattr(X, "shape", None)
    if expected is None or shape is None or len(shape) != 2:
        return
    if shape[1] != expected:
        raise ValueError(
            f"X has {shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{expected} features as input."
        )


def _check_params(params, name):
    params = {} if params is None else dict(params)
    clash = sorted(set(params) & set(_RESERVED[name]))
    if clash:
        raise ValueError(
            f"{name} may not set {clash}: evaluate passes them itself (use evaluate's "
            "own informative, threshold and random_state arguments)."
        )
    target, constraints = _TARGETS[name]
    allowed = set(inspect.signature(target).parameters) - set(_RESERVED[name])
    allowed -= {"estimator", "X", "Z"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(
            f"{name} has unknown keys {unknown}; {target.__name__} accepts "
            f"{sorted(allowed)}."
        )
    # The values too, before any work (and when a scorer is built, not at its first use).
    validate_parameter_constraints({key: constraints[key] for key in params}, params,
                                   caller_name=target.__name__)
    return params


def _check_evaluate_arguments(arguments):
    """Check (any subset of) :func:`evaluate`'s arguments by name, the dicts' values included.

    Returns the checked ``fvh_lt_params`` and ``dbsr_ls_params`` dicts ({} for None).
    """
    validate_parameter_constraints({name: _EVALUATE_CONSTRAINTS[name] for name in arguments},
                                   arguments, caller_name="evaluate")
    return {name: _check_params(arguments.get(name), name) for name in _TARGETS}


def _heterogeneity(matrix):
    """``1 - H(row / row sum) / log(n_features)`` per row; 0 for all-zero rows."""
    row_sum = matrix.sum(axis=1)
    nonzero = row_sum > 0
    if matrix.shape[1] < 2:
        return nonzero.astype(np.float64)
    p = matrix / np.where(nonzero, row_sum, 1.0)[:, None]
    het = np.where(nonzero, 1.0 - _entropy(p, axis=1) / np.log(matrix.shape[1]), 0.0)
    return np.clip(het, 0.0, 1.0)


def _join(names):
    return ", ".join(names)


def _ranked(names, feature_names, values):
    """``names``, a subset of ``feature_names``, largest ``values`` first (ties in order)."""
    position = {name: j for j, name in enumerate(feature_names)}
    return sorted(names, key=lambda name: -values[position[name]])


def _figure_png(draw, figsize):
    """Base64 PNG of a figure drawn by ``draw(fig)``, or None without matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    fig = Figure(figsize=figsize, layout="constrained")
    draw(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _lsdi_line(title, lsdi, fvh, dbsr):
    return (
        f"<p><b>{html.escape(title)}</b>: LSDI <b>{lsdi:.3f}</b> = mean of FVH-LT "
        f"{fvh.lsdi:.3f} (exclusivity {fvh.exclusivity:.3f}, balance {fvh.balance:.3f}) "
        f"and DBSR-LS {dbsr.lsdi:.3f} (exclusivity {dbsr.exclusivity:.3f}, balance "
        f"{dbsr.balance:.3f})</p>"
    )


def _html(header, frame, png, alt):
    parts = [header]
    if frame is not None:
        parts.append(frame.to_html(float_format=lambda v: f"{v:.3g}"))
    if png is not None:
        parts.append(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{png}"/>')
    return "\n".join(parts)


def _figsize(n_latents, n_features, n_panels_top):
    width = min(24.0, max(8.0, 0.7 * n_features + 4.0, 3.5 * n_panels_top))
    height = min(16.0, 3.5 + 0.7 * n_latents)
    return width, height


def _draw_panels(fig, *, kl, threshold, bars, latent_names, feature_names, heatmaps):
    """Top row: KL bars (when ``kl``) and extra bar charts; below: one heat map per row.

    ``bars`` is a list of ``(values, title, ylabel)``; ``heatmaps`` a list of
    ``(matrix, title, colorbar_label)``.
    """
    from skvae.plotting._heatmap import latent_ticks, plot_heatmap, plot_kl

    n_top = int(kl is not None) + len(bars)
    n_rows = int(n_top > 0) + len(heatmaps)
    grid = fig.add_gridspec(n_rows, max(n_top, 1))
    row = 0
    if n_top:
        col = 0
        if kl is not None:
            plot_kl(
                np.maximum(kl, 0.0),
                threshold=threshold,
                labels=latent_names,
                ax=fig.add_subplot(grid[0, col]),
                title="KL per latent",
            )
            col += 1
        for values, title, ylabel in bars:
            ax = fig.add_subplot(grid[0, col])
            ax.bar(np.arange(len(values)), values, color="tab:blue", edgecolor="black")
            latent_ticks(ax, latent_names)
            ax.set_ylim(0, 1.05)
            ax.set_xlabel("latent")
            ax.set_ylabel(ylabel)
            ax.set_title(title)
            col += 1
        row = 1
    for matrix, title, label in heatmaps:
        plot_heatmap(
            matrix,
            row_labels=latent_names,
            col_labels=feature_names,
            ax=fig.add_subplot(grid[row, :]),
            title=title,
            colorbar_label=label,
        )
        row += 1
    return fig


def _new_figure(caller, figsize):
    from skvae.plotting._heatmap import _pyplot

    plt = _pyplot(caller)
    return plt.figure(figsize=figsize, layout="constrained")


# --------------------------------------------------------------------------- single model
@dataclass(repr=False, eq=False)
class DisentanglementEvaluation:
    """Label-free evaluation of one fitted transformer (from :func:`evaluate`).

    Parameters
    ----------
    kl : ndarray of shape (n_latents,) or None
        ``kl_per_latent_`` of the estimator (mean KL per latent in nats), None for
        estimators without it (PCA, FastICA, ...).
    informative : ndarray of bool of shape (n_latents,)
        Informative latents (KL above ``threshold``; all latents without KL).
    fvh_lt : FVHLTResult
        FVH-LT result: variances ``V``, heterogeneity, feature sets, traversals.
    dbsr_ls : DBSRLSResult
        DBSR-LS result on the informative latents: ``Theta``, its support,
        ``Theta**2``, feature sets and the CV curve.
    lsdi : float
        The headline index: ``(lsdi_fvh_lt.lsdi + lsdi_dbsr_ls.lsdi) / 2``.
    lsdi_fvh_lt : LSDIComponents
        LSDI, exclusivity and balance of ``V`` on the informative latents.
    lsdi_dbsr_ls : LSDIComponents
        LSDI, exclusivity and balance of ``Theta**2`` on the informative latents.
    latent_names : list of str
        Latent (row) names.
    feature_names : list of str
        Feature (column) names: the features the last step of the model sees.
    threshold : float
        KL threshold (nats) used for ``informative``.

    Attributes
    ----------
    n_informative : int
        Number of informative latents.
    """

    kl: np.ndarray | None
    informative: np.ndarray
    fvh_lt: FVHLTResult
    dbsr_ls: DBSRLSResult
    lsdi: float
    lsdi_fvh_lt: LSDIComponents
    lsdi_dbsr_ls: LSDIComponents
    latent_names: list
    feature_names: list
    threshold: float

    @property
    def n_informative(self):
        """Number of informative latents."""
        return int(self.informative.sum())

    def __repr__(self):
        return (
            f"DisentanglementEvaluation(n_latents={len(self.latent_names)}, "
            f"n_features={len(self.feature_names)}, n_informative={self.n_informative}, "
            f"lsdi={self.lsdi:.4f}, lsdi_fvh_lt={self.lsdi_fvh_lt.lsdi:.4f}, "
            f"lsdi_dbsr_ls={self.lsdi_dbsr_ls.lsdi:.4f})"
        )

    def summary(self):
        """The evaluation as a JSON-serialisable dict of plain numbers, strings and lists.

        Returns
        -------
        summary : dict
            Keys ``lsdi``, ``lsdi_fvh_lt`` and ``lsdi_dbsr_ls`` (dicts of ``lsdi``,
            ``exclusivity``, ``balance``), ``n_latents``, ``n_informative``,
            ``threshold``, ``latent_names``, ``feature_names``, ``informative``,
            ``kl_per_latent`` (None without KL), ``heterogeneity``,
            ``fvh_lt_feature_sets`` and ``dbsr_ls_feature_sets`` (latent name ->
            feature names), ``dbsr_ls_lambda_b`` and ``dbsr_ls_lambda_s`` (None when
            undefined). Non-finite floats become None.
        """
        return _plain(
            {
                "lsdi": self.lsdi,
                "lsdi_fvh_lt": _components_dict(self.lsdi_fvh_lt),
                "lsdi_dbsr_ls": _components_dict(self.lsdi_dbsr_ls),
                "n_latents": len(self.latent_names),
                "n_informative": self.n_informative,
                "threshold": self.threshold,
                "latent_names": list(self.latent_names),
                "feature_names": list(self.feature_names),
                "informative": self.informative,
                "kl_per_latent": self.kl,
                "heterogeneity": self.fvh_lt.heterogeneity,
                "fvh_lt_feature_sets": self.fvh_lt.feature_sets,
                "dbsr_ls_feature_sets": dict(
                    zip(self.latent_names, self.dbsr_ls.feature_sets)
                ),
                "dbsr_ls_lambda_b": self.dbsr_ls.lambda_b,
                "dbsr_ls_lambda_s": self.dbsr_ls.lambda_s,
            }
        )

    def to_frame(self):
        """One row per latent: KL, informative, heterogeneity and both feature sets.

        Returns
        -------
        frame : pandas.DataFrame of shape (n_latents, 5)
            Columns ``kl`` (NaN without KL), ``informative``, ``heterogeneity``
            (FVH-LT), ``fvh_lt_features`` and ``dbsr_ls_features`` (comma-separated
            feature names, the largest traversal variance or importance first), indexed by
            latent name.
        """
        import pandas as pd

        n = len(self.latent_names)
        return pd.DataFrame(
            {
                "kl": np.full(n, np.nan) if self.kl is None else self.kl,
                "informative": self.informative,
                "heterogeneity": self.fvh_lt.heterogeneity,
                "fvh_lt_features": [
                    _join(_ranked(self.fvh_lt.feature_sets[name], self.feature_names, v))
                    for name, v in zip(self.latent_names, self.fvh_lt.variances)
                ],
                "dbsr_ls_features": [
                    _join(_ranked(names, self.feature_names, importance))
                    for names, importance in zip(self.dbsr_ls.feature_sets,
                                                 self.dbsr_ls.importance)
                ],
            },
            index=pd.Index(self.latent_names, name="latent"),
        )

    def _draw(self, fig):
        return _draw_panels(
            fig,
            kl=self.kl,
            threshold=self.threshold,
            bars=[],
            latent_names=self.latent_names,
            feature_names=self.feature_names,
            heatmaps=[
                (self.fvh_lt.variances, "FVH-LT variances V", "variance over traversal"),
                (self.dbsr_ls.importance, "DBSR-LS Theta^2", "variance explained"),
            ],
        )

    def plot(self, *, figsize=None):
        """Figure with the KL bar chart (when available) and the two heat maps.

        Parameters
        ----------
        figsize : tuple of float, default=None
            Figure size in inches; by default sized to the matrices.

        Returns
        -------
        fig : matplotlib.figure.Figure
            KL per latent on top (log axis, informative latents coloured), then the
            FVH-LT ``V`` and DBSR-LS ``Theta**2`` heat maps.
        """
        k, p = len(self.latent_names), len(self.feature_names)
        figsize = figsize or _figsize(k, p, 1)
        return self._draw(_new_figure("DisentanglementEvaluation.plot", figsize))

    def _repr_html_(self):
        k, p = len(self.latent_names), len(self.feature_names)
        header = _lsdi_line(
            f"Disentanglement evaluation ({k} latents, {self.n_informative} informative, "
            f"{p} features)",
            self.lsdi,
            self.lsdi_fvh_lt,
            self.lsdi_dbsr_ls,
        )
        frame = self.to_frame() if k * p <= _MAX_HTML_TABLE else None
        png = _figure_png(self._draw, _figsize(k, p, 1))
        return _html(header, frame, png, "KL per latent and FVH-LT / DBSR-LS heat maps")


def _encode_single(estimator, X, *, threshold, informative):
    """Check one model (Pipeline or plain transformer) and encode ``X``.

    Returns ``(leading, final, X_inner, Z, mask)``: the Pipeline's leading steps (or None)
    and last step, ``X`` as the last step sees it, its codes and the informative mask.
    """
    leading, final = _final_step(estimator)
    _check_decoder(final, "evaluate")
    check_is_fitted(estimator)
    _check_width(estimator, X)
    X_inner = X if leading is None else leading.transform(X)
    if not hasattr(X_inner, "shape"):  # lists and other array-likes; frames keep names
        X_inner = np.asarray(X_inner)
    Z = np.asarray(final.transform(X_inner), dtype=np.float64)
    if Z.ndim != 2:
        raise ValueError(f"transform returned an array of shape {Z.shape}; expected 2-D codes.")
    mask = _informative_mask(final, threshold=threshold, mask=informative, n_latents=Z.shape[1])
    return leading, final, X_inner, Z, mask


def _evaluate_single(estimator, X, *, threshold, informative, fvh_lt_params,
                     dbsr_ls_params, random_state):
    """:func:`evaluate` for one model (Pipeline or plain transformer), checked params."""
    leading, final, X_inner, Z, mask = _encode_single(
        estimator, X, threshold=threshold, informative=informative)
    n_latents = Z.shape[1]
    fvh = fvh_lt(
        final, X_inner, informative=mask, threshold=threshold, random_state=random_state,
        **fvh_lt_params,
    )
    n_features = fvh.variances.shape[1]
    latent_names, _ = _latent_and_feature_names(final, n_latents=n_latents)
    feature_names = _input_feature_names(leading, final, X_inner, n_features)
    fvh = _rename_fvh_features(fvh, feature_names)
    dbsr = dbsr_ls_from_codes(
        Z, X_inner, informative=mask, random_state=random_state,
        latent_names=latent_names, feature_names=feature_names, **dbsr_ls_params,
    )
    lsdi_fvh = fvh.lsdi
    lsdi_dbsr = _lsdi(dbsr.importance, mask)
    kl = getattr(final, "kl_per_latent_", None)
    return DisentanglementEvaluation(
        kl=None if kl is None else np.asarray(kl, dtype=np.float64).ravel().copy(),
        informative=mask,
        fvh_lt=fvh,
        dbsr_ls=dbsr,
        lsdi=0.5 * (lsdi_fvh.lsdi + lsdi_dbsr.lsdi),
        lsdi_fvh_lt=lsdi_fvh,
        lsdi_dbsr_ls=lsdi_dbsr,
        latent_names=latent_names,
        feature_names=feature_names,
        threshold=float(threshold),
    )


_EVALUATE_CONSTRAINTS = {
    "estimator": "no_validation",
    "X": ["array-like"],
    "threshold": [Interval(Real, 0, None, closed="left"), None],
    "informative": ["array-like", None],
    "fvh_lt_params": [dict, None],
    "dbsr_ls_params": [dict, None],
    "random_state": ["random_state"],
}


@validate_params(
    _EVALUATE_CONSTRAINTS,
    # False: fvh_lt and dbsr_ls_from_codes check what evaluate passes them (the user's
    # fvh_lt_params / dbsr_ls_params are also checked up front, by _check_params)
    prefer_skip_nested_validation=False,
)
def evaluate(
    estimator,
    X,
    *,
    threshold=None,
    informative=None,
    fvh_lt_params=None,
    dbsr_ls_params=None,
    random_state=None,
):
    """Full label-free disentanglement evaluation of a fitted transformer on ``X``.

    Steps (see the Method page): the informative latents
    (:func:`~skvae.metrics.informative_latents`: KL above ``threshold``; every latent
    of a model without ``kl_per_latent_``); FVH-LT (:func:`~skvae.metrics.fvh_lt`),
    giving ``V``; DBSR-LS (:func:`~skvae.metrics.dbsr_ls_from_codes` on the codes
    ``estimator.transform(X)``) on the informative latents only, giving
    ``Theta**2``; the LSDI (with exclusivity and balance) of ``V`` and of
    ``Theta**2`` on the informative latents; and the headline ``lsdi``, their mean.

    A :class:`~sklearn.pipeline.Pipeline` is unwrapped: its leading steps transform
    ``X`` and its last step is evaluated on the result (so DBSR-LS regresses, and
    the heat maps show, the features the last step sees, e.g. standardised ones);
    nested Pipelines are unwrapped in turn, and a fitted search such as
    :class:`~sklearn.model_selection.GridSearchCV` stands for its ``best_estimator_``.
    An :class:`~skvae.AlignedEnsemble` (also as a Pipeline's last step) is
    evaluated with its own :meth:`~skvae.AlignedEnsemble.evaluate`: per-run
    matrices aligned by its fitted GAS alignment and aggregated, returned as a
    :class:`GASEvaluation`.

    Parameters
    ----------
    estimator : fitted transformer or Pipeline
        A model with ``transform`` (encoder means) and ``inverse_transform``
        (decoder means): any skvae estimator, :class:`~skvae.AlignedEnsemble`, or a
        linear model such as :class:`~sklearn.decomposition.PCA` or
        :class:`~sklearn.decomposition.FastICA`.
    X : array-like of shape (n_samples, n_features)
        Data to evaluate on (FVH-LT anchors and grid scales, DBSR-LS regression).
    threshold : float, default=None
        KL threshold in nats for the informative latents. None means 0.1, or the
        ``threshold`` of an :class:`~skvae.AlignedEnsemble`.
    informative : array-like of bool of shape (n_latents,), default=None
        Explicit informative mask, overriding ``threshold`` (for an ensemble: in
        the reference run's latent order).
    fvh_lt_params : dict, default=None
        Extra keyword arguments of :func:`~skvae.metrics.fvh_lt` (``n_grid``,
        ``grid_range``, ``anchors``, ``n_anchors``, ``grid_scale``,
        ``feature_threshold``, ``batch_size``).
    dbsr_ls_params : dict, default=None
        Extra keyword arguments of :func:`~skvae.metrics.dbsr_ls_from_codes`
        (``lambdas``, ``n_lambdas``, ``lambda_min_ratio``, ``cv``, ``one_se``,
        ``max_iter``, ``tol``).
    random_state : int, RandomState instance or None, default=None
        Passed to FVH-LT (anchor draw) and DBSR-LS (CV folds). Pass an int for
        reproducible results across multiple function calls. See
        :term:`Glossary <random_state>`.

    Returns
    -------
    evaluation : DisentanglementEvaluation or GASEvaluation
        :class:`DisentanglementEvaluation` for a single model,
        :class:`GASEvaluation` for an :class:`~skvae.AlignedEnsemble`. Both have
        ``lsdi``, ``lsdi_fvh_lt``, ``lsdi_dbsr_ls``, ``summary()``, ``to_frame()``
        and ``plot()``.

    Raises
    ------
    TypeError
        If the (last step of the) estimator lacks ``transform`` or
        ``inverse_transform``.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If ``X`` does not have the number of features the estimator was fitted on.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import FastICA
    >>> from skvae.metrics import evaluate
    >>> rng = np.random.RandomState(0)
    >>> S = rng.uniform(-1, 1, size=(500, 2))
    >>> X = S @ [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]] + 0.05 * rng.normal(size=(500, 4))
    >>> result = evaluate(FastICA(2, random_state=0).fit(X), X, random_state=0)
    >>> round(result.lsdi, 1)
    1.0
    """
    fvh_lt_params = _check_params(fvh_lt_params, "fvh_lt_params")
    dbsr_ls_params = _check_params(dbsr_ls_params, "dbsr_ls_params")
    leading, final = _final_step(estimator)

    from skvae.estimators._aligned_ensemble import AlignedEnsemble  # avoid an import cycle

    if isinstance(final, AlignedEnsemble):
        check_is_fitted(estimator)
        _check_width(estimator, X)
        X_inner = X if leading is None else leading.transform(X)
        return final.evaluate(
            X_inner, threshold=threshold, informative=informative,
            fvh_lt_params=fvh_lt_params, dbsr_ls_params=dbsr_ls_params,
            random_state=random_state,
        )
    return _evaluate_single(
        estimator, X, threshold=0.1 if threshold is None else threshold,
        informative=informative, fvh_lt_params=fvh_lt_params,
        dbsr_ls_params=dbsr_ls_params, random_state=random_state,
    )


def _evaluate_fvh_lt(
    estimator,
    X,
    *,
    threshold=None,
    informative=None,
    fvh_lt_params=None,
    dbsr_ls_params=None,
    random_state=None,
):
    """The FVH-LT part of :func:`evaluate` alone, for scorers that need nothing else.

    Takes :func:`evaluate`'s arguments, checked alike (``dbsr_ls_params`` included, though
    unused), and returns ``(lsdi_fvh_lt, n_informative)`` equal to those of
    ``evaluate(estimator, X, ...)``, or None for an :class:`~skvae.AlignedEnsemble`, whose
    FVH-LT is aggregated over its aligned runs by :func:`evaluate`.
    """
    arguments = {"estimator": estimator, "X": X, "threshold": threshold,
                 "informative": informative, "fvh_lt_params": fvh_lt_params,
                 "dbsr_ls_params": dbsr_ls_params, "random_state": random_state}
    fvh_lt_params = _check_evaluate_arguments(arguments)["fvh_lt_params"]

    from skvae.estimators._aligned_ensemble import AlignedEnsemble  # avoid an import cycle

    if isinstance(_final_step(estimator)[1], AlignedEnsemble):
        return None
    threshold = 0.1 if threshold is None else threshold
    _, final, X_inner, _, mask = _encode_single(estimator, X, threshold=threshold,
                                                informative=informative)
    fvh = fvh_lt(final, X_inner, informative=mask, threshold=threshold,
                 random_state=random_state, **fvh_lt_params)
    return fvh.lsdi, int(mask.sum())


# --------------------------------------------------------------------------- aligned runs
@dataclass(repr=False, eq=False)
class GASEvaluation:
    """Evaluation of repeated runs aligned by GAS and aggregated (from an AlignedEnsemble).

    Every run is evaluated as by :func:`evaluate` (same data, same anchors and CV
    folds); its FVH-LT ``V`` and DBSR-LS ``Theta**2`` are permuted into the
    reference run's latent order with the alignment and aggregated with
    :func:`~skvae.metrics.gas_aggregate`. The LSDI is computed on the mean
    matrices, restricted to the reference run's informative latents.

    Parameters
    ----------
    kl : ndarray of shape (n_latents,) or None
        Mean over runs of the aligned ``kl_per_latent_`` (None without KL).
    informative : ndarray of bool of shape (n_latents,)
        The reference run's informative latents (the rows the LSDI uses).
    informative_frequency : ndarray of shape (n_latents,)
        Fraction of runs in which the latent aligned to each reference latent is
        informative.
    fvh_lt : GASAggregate
        ``mean`` and ``std`` over runs of the aligned FVH-LT variances ``V``.
    dbsr_ls : GASAggregate
        ``mean`` and ``std`` of the aligned DBSR-LS ``Theta**2``, and the
        ``selection_frequency`` of each entry of the support ``Theta != 0``.
    alignment : GASAlignment
        The alignment used (permutations, signs, matched correlations).
    stability : ndarray of shape (n_latents,)
        Per reference latent, the mean matched absolute correlation over the other
        runs.
    lsdi : float
        Headline index: ``(lsdi_fvh_lt.lsdi + lsdi_dbsr_ls.lsdi) / 2``.
    lsdi_fvh_lt : LSDIComponents
        LSDI of the mean ``V`` on the reference's informative latents.
    lsdi_dbsr_ls : LSDIComponents
        LSDI of the mean ``Theta**2`` on the reference's informative latents.
    run_lsdi : ndarray of shape (n_runs,)
        Headline LSDI of each run on its own (its own informative latents).
    run_lsdi_fvh_lt : ndarray of shape (n_runs,)
        LSDI of each run's ``V``.
    run_lsdi_dbsr_ls : ndarray of shape (n_runs,)
        LSDI of each run's ``Theta**2``.
    latent_names : list of str
        Latent names (reference order).
    feature_names : list of str
        Feature names.
    threshold : float
        KL threshold (nats) used for the informative latents.
    feature_threshold : float, default=0.5
        Fraction of a row's maximum that puts a feature in a latent's FVH-LT
        feature set (of the mean ``V``).

    Attributes
    ----------
    n_runs : int
        Number of runs.
    n_informative : int
        Number of informative latents of the reference run.
    heterogeneity : ndarray of shape (n_latents,)
        FVH-LT heterogeneity of each row of the mean ``V``.
    fvh_lt_feature_sets : dict of str to list of str
        Per latent, the features with mean ``V_kj >= feature_threshold * max_j``.
    dbsr_ls_feature_sets : dict of str to list of str
        Per latent, the features DBSR-LS selects in at least half of the runs.
    """

    kl: np.ndarray | None
    informative: np.ndarray
    informative_frequency: np.ndarray
    fvh_lt: GASAggregate
    dbsr_ls: GASAggregate
    alignment: GASAlignment
    stability: np.ndarray
    lsdi: float
    lsdi_fvh_lt: LSDIComponents
    lsdi_dbsr_ls: LSDIComponents
    run_lsdi: np.ndarray
    run_lsdi_fvh_lt: np.ndarray
    run_lsdi_dbsr_ls: np.ndarray
    latent_names: list
    feature_names: list
    threshold: float
    feature_threshold: float = 0.5

    @property
    def n_runs(self):
        """Number of runs."""
        return int(self.run_lsdi.shape[0])

    @property
    def n_informative(self):
        """Number of informative latents of the reference run."""
        return int(self.informative.sum())

    @property
    def heterogeneity(self):
        """FVH-LT heterogeneity of each row of the mean ``V``."""
        return _heterogeneity(self.fvh_lt.mean)

    @property
    def fvh_lt_feature_sets(self):
        """Per latent, features with mean ``V_kj >= feature_threshold * max_j``, ranked."""
        v = self.fvh_lt.mean
        row_max = v.max(axis=1, keepdims=True)
        selected = (v >= self.feature_threshold * row_max) & (row_max > 0)
        return {
            name: _ranked([self.feature_names[j] for j in np.flatnonzero(row)],
                          self.feature_names, values)
            for name, row, values in zip(self.latent_names, selected, v)
        }

    @property
    def dbsr_ls_feature_sets(self):
        """Per latent, features selected by DBSR-LS in half of the runs or more, ranked."""
        selected = self.dbsr_ls.selection_frequency >= 0.5
        return {
            name: _ranked([self.feature_names[j] for j in np.flatnonzero(row)],
                          self.feature_names, values)
            for name, row, values in zip(self.latent_names, selected, self.dbsr_ls.mean)
        }

    def __repr__(self):
        return (
            f"GASEvaluation(n_runs={self.n_runs}, n_latents={len(self.latent_names)}, "
            f"n_informative={self.n_informative}, lsdi={self.lsdi:.4f}, "
            f"lsdi_fvh_lt={self.lsdi_fvh_lt.lsdi:.4f}, "
            f"lsdi_dbsr_ls={self.lsdi_dbsr_ls.lsdi:.4f})"
        )

    def summary(self):
        """The evaluation as a JSON-serialisable dict of plain numbers, strings and lists.

        Returns
        -------
        summary : dict
            Keys ``lsdi``, ``lsdi_fvh_lt``, ``lsdi_dbsr_ls`` (dicts of ``lsdi``,
            ``exclusivity``, ``balance``), ``n_runs``, ``reference``, ``method``,
            ``n_latents``, ``n_informative``, ``threshold``, ``latent_names``,
            ``feature_names``, ``informative``, ``informative_frequency``,
            ``stability``, ``kl_per_latent`` (None without KL), ``heterogeneity``,
            ``run_lsdi`` (and its ``run_lsdi_mean`` / ``run_lsdi_std``),
            ``run_lsdi_fvh_lt``, ``run_lsdi_dbsr_ls``, ``fvh_lt_feature_sets`` and
            ``dbsr_ls_feature_sets``. Non-finite floats become None.
        """
        return _plain(
            {
                "lsdi": self.lsdi,
                "lsdi_fvh_lt": _components_dict(self.lsdi_fvh_lt),
                "lsdi_dbsr_ls": _components_dict(self.lsdi_dbsr_ls),
                "n_runs": self.n_runs,
                "reference": self.alignment.reference,
                "method": self.alignment.method,
                "n_latents": len(self.latent_names),
                "n_informative": self.n_informative,
                "threshold": self.threshold,
                "latent_names": list(self.latent_names),
                "feature_names": list(self.feature_names),
                "informative": self.informative,
                "informative_frequency": self.informative_frequency,
                "stability": self.stability,
                "kl_per_latent": self.kl,
                "heterogeneity": self.heterogeneity,
                "run_lsdi": self.run_lsdi,
                "run_lsdi_mean": float(np.mean(self.run_lsdi)),
                "run_lsdi_std": float(np.std(self.run_lsdi)),
                "run_lsdi_fvh_lt": self.run_lsdi_fvh_lt,
                "run_lsdi_dbsr_ls": self.run_lsdi_dbsr_ls,
                "fvh_lt_feature_sets": self.fvh_lt_feature_sets,
                "dbsr_ls_feature_sets": self.dbsr_ls_feature_sets,
            }
        )

    def to_frame(self):
        """One row per (reference) latent: KL, informative, stability, feature sets.

        Returns
        -------
        frame : pandas.DataFrame of shape (n_latents, 7)
            Columns ``kl`` (aligned mean; NaN without KL), ``informative``
            (reference), ``informative_frequency``, ``stability``,
            ``heterogeneity`` (of the mean ``V``), ``fvh_lt_features`` (of the mean
            ``V``) and ``dbsr_ls_features`` (selected in at least half of the runs),
            the largest mean value first, indexed by latent name.
        """
        import pandas as pd

        n = len(self.latent_names)
        fvh_sets, dbsr_sets = self.fvh_lt_feature_sets, self.dbsr_ls_feature_sets
        return pd.DataFrame(
            {
                "kl": np.full(n, np.nan) if self.kl is None else self.kl,
                "informative": self.informative,
                "informative_frequency": self.informative_frequency,
                "stability": self.stability,
                "heterogeneity": self.heterogeneity,
                "fvh_lt_features": [_join(fvh_sets[name]) for name in self.latent_names],
                "dbsr_ls_features": [_join(dbsr_sets[name]) for name in self.latent_names],
            },
            index=pd.Index(self.latent_names, name="latent"),
        )

    def _draw(self, fig, statistic="mean"):
        fvh = getattr(self.fvh_lt, statistic)
        dbsr = getattr(self.dbsr_ls, statistic)
        word = "mean" if statistic == "mean" else "SD"
        return _draw_panels(
            fig,
            kl=self.kl,
            threshold=self.threshold,
            bars=[(self.stability, f"GAS stability ({self.n_runs} runs)",
                   "mean matched |corr|")],
            latent_names=self.latent_names,
            feature_names=self.feature_names,
            heatmaps=[
                (fvh, f"FVH-LT V, {word} over runs", "variance over traversal"),
                (dbsr, f"DBSR-LS Theta^2, {word} over runs", "variance explained"),
            ],
        )

    def plot(self, statistic="mean", *, figsize=None):
        """Figure with KL and stability bar charts and the aggregated heat maps.

        Parameters
        ----------
        statistic : {'mean', 'std'}, default='mean'
            Which aggregate of the aligned per-run matrices the heat maps show.
        figsize : tuple of float, default=None
            Figure size in inches; by default sized to the matrices.

        Returns
        -------
        fig : matplotlib.figure.Figure
            Top: aligned mean KL per latent (when available) and the per-latent GAS
            stability; below: FVH-LT ``V`` and DBSR-LS ``Theta**2`` heat maps.
        """
        if statistic not in ("mean", "std"):
            raise ValueError(f"statistic must be 'mean' or 'std', got {statistic!r}.")
        k, p = len(self.latent_names), len(self.feature_names)
        figsize = figsize or _figsize(k, p, 2)
        return self._draw(_new_figure("GASEvaluation.plot", figsize), statistic)

    def _repr_html_(self):
        k, p = len(self.latent_names), len(self.feature_names)
        header = _lsdi_line(
            f"GAS evaluation ({self.n_runs} runs, {k} latents, {self.n_informative} "
            f"informative in the reference run, {p} features)",
            self.lsdi,
            self.lsdi_fvh_lt,
            self.lsdi_dbsr_ls,
        )
        header += (
            f"\n<p>Per-run LSDI: mean {np.mean(self.run_lsdi):.3f}, "
            f"SD {np.std(self.run_lsdi):.3f}</p>"
        )
        frame = self.to_frame() if k * p <= _MAX_HTML_TABLE else None
        png = _figure_png(self._draw, _figsize(k, p, 2))
        return _html(header, frame, png, "KL, stability and aggregated heat maps")


def _evaluate_runs(runs, X, alignment, *, threshold=0.1, informative=None,
                   fvh_lt_params=None, dbsr_ls_params=None, random_state=None,
                   latent_names=None):
    """Evaluate every run on ``X`` and aggregate with a fitted GAS alignment.

    Parameters
    ----------
    runs : list of fitted transformers (or Pipelines)
        The runs, in the order of the alignment's rows.
    X : array-like of shape (n_samples, n_features)
        Data (the runs' input).
    alignment : GASAlignment
        Alignment of the runs' latents to the reference run.
    threshold : float, default=0.1
        KL threshold of each run's informative latents.
    informative : array-like of bool of shape (n_latents,), default=None
        Explicit informative mask in the reference order; each run gets it permuted
        into its own latent order.
    fvh_lt_params, dbsr_ls_params : dict, default=None
        As in :func:`evaluate`.
    random_state : int, RandomState instance or None, default=None
        One seed is drawn and shared by all runs, so that every run uses the same
        FVH-LT anchors and DBSR-LS folds.
    latent_names : list of str, default=None
        Names of the aligned latents; default: the reference run's.

    Returns
    -------
    evaluation : GASEvaluation
    """
    fvh_lt_params = _check_params(fvh_lt_params, "fvh_lt_params")
    dbsr_ls_params = _check_params(dbsr_ls_params, "dbsr_ls_params")
    n_runs, n_latents = alignment.permutations.shape
    if len(runs) != n_runs:
        raise ValueError(f"The alignment has {n_runs} runs but {len(runs)} were given.")
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    masks = [None] * n_runs
    if informative is not None:
        informative = np.asarray(informative)
        if informative.dtype != bool or informative.shape != (n_latents,):
            raise ValueError(
                f"informative must be a boolean mask of shape ({n_latents},) in the "
                f"reference run's latent order; got dtype {informative.dtype} and shape "
                f"{informative.shape}."
            )
        for r in range(n_runs):  # run latent permutations[r, a] is reference latent a
            masks[r] = np.empty(n_latents, dtype=bool)
            masks[r][alignment.permutations[r]] = informative
    evaluations = [
        _evaluate_single(
            run, X, threshold=threshold, informative=masks[r], fvh_lt_params=fvh_lt_params,
            dbsr_ls_params=dbsr_ls_params, random_state=seed,
        )
        for r, run in enumerate(runs)
    ]
    ref = evaluations[alignment.reference]
    fvh = gas_aggregate(alignment, [e.fvh_lt.variances for e in evaluations])
    dbsr = gas_aggregate(
        alignment,
        [e.dbsr_ls.importance for e in evaluations],
        support=[e.dbsr_ls.support for e in evaluations],
    )
    mask = ref.informative
    lsdi_fvh, lsdi_dbsr = _lsdi(fvh.mean, mask), _lsdi(dbsr.mean, mask)
    frequency = alignment.apply([e.informative[:, None] for e in evaluations])[:, :, 0]
    kls = [e.kl for e in evaluations]
    kl = None
    if all(k is not None for k in kls):
        kl = alignment.apply([k[:, None] for k in kls])[:, :, 0].mean(axis=0)
    return GASEvaluation(
        kl=kl,
        informative=mask.copy(),
        informative_frequency=frequency.mean(axis=0),
        fvh_lt=fvh,
        dbsr_ls=dbsr,
        alignment=alignment,
        stability=alignment.stability.copy(),
        lsdi=0.5 * (lsdi_fvh.lsdi + lsdi_dbsr.lsdi),
        lsdi_fvh_lt=lsdi_fvh,
        lsdi_dbsr_ls=lsdi_dbsr,
        run_lsdi=np.array([e.lsdi for e in evaluations]),
        run_lsdi_fvh_lt=np.array([e.lsdi_fvh_lt.lsdi for e in evaluations]),
        run_lsdi_dbsr_ls=np.array([e.lsdi_dbsr_ls.lsdi for e in evaluations]),
        latent_names=list(ref.latent_names if latent_names is None else latent_names),
        feature_names=list(ref.feature_names),
        threshold=float(threshold),
        feature_threshold=float(fvh_lt_params.get("feature_threshold", 0.5)),
    )
