"""Label-free disentanglement scorers for GridSearchCV, cross_validate and friends."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from types import SimpleNamespace

import numpy as np

from skvae.metrics._evaluation import _check_evaluate_arguments, _evaluate_fvh_lt, evaluate

__all__ = [
    "DisentanglementScorer",
    "dbsr_ls_scorer",
    "fvh_lt_scorer",
    "lsdi_scorer",
    "make_disentanglement_scorer",
]

#: Metric name -> (extractor of the value from an evaluation, description).
_METRICS = {
    "lsdi": (lambda ev: ev.lsdi, "headline LSDI: mean of the FVH-LT and DBSR-LS LSDIs"),
    "fvh_lt": (lambda ev: ev.lsdi_fvh_lt.lsdi, "LSDI of the FVH-LT variances V"),
    "dbsr_ls": (lambda ev: ev.lsdi_dbsr_ls.lsdi, "LSDI of the DBSR-LS Theta**2"),
    "exclusivity": (
        lambda ev: 0.5 * (ev.lsdi_fvh_lt.exclusivity + ev.lsdi_dbsr_ls.exclusivity),
        "mean exclusivity factor of the two LSDIs",
    ),
    "balance": (
        lambda ev: 0.5 * (ev.lsdi_fvh_lt.balance + ev.lsdi_dbsr_ls.balance),
        "mean balance factor of the two LSDIs",
    ),
    "n_informative": (lambda ev: ev.n_informative, "number of informative latents"),
    "stability": (
        lambda ev: _mean_stability(ev),
        "AlignedEnsemble only: mean GAS stability of the informative reference latents",
    ),
}
#: Metrics read from FVH-LT alone: a scorer of only these skips DBSR-LS (same values).
_FVH_LT_METRICS = {"fvh_lt", "n_informative"}
_EVALUATE_PARAMS = ("threshold", "informative", "fvh_lt_params", "dbsr_ls_params",
                    "random_state")
#: Defaults of the scorers: fixed seed, so that every candidate of a search is scored on
#: the same anchors and folds, and scores are reproducible.
_DEFAULT_PARAMS = {"random_state": 0}


def _mean_stability(evaluation):
    stability = getattr(evaluation, "stability", None)
    if stability is None:
        raise TypeError(
            "metric='stability' needs an AlignedEnsemble (repeated runs aligned by GAS); "
            "a single model has no stability."
        )
    mask = evaluation.informative
    return float(np.mean(stability[mask])) if mask.any() else 0.0


class DisentanglementScorer:
    """A label-free scorer ``scorer(estimator, X, y=None)``: greater is better.

    Runs :func:`~skvae.metrics.evaluate` once on ``(estimator, X)`` and returns the
    requested metric(s); a scorer of only ``'fvh_lt'`` and ``'n_informative'`` runs the
    FVH-LT part alone (same values, without DBSR-LS). Works on any fitted
    transformer with ``transform`` and ``inverse_transform`` (skvae estimators,
    :class:`~skvae.AlignedEnsemble`, PCA, FastICA, ...), and on a
    :class:`~sklearn.pipeline.Pipeline` ending in one (its leading steps transform
    ``X``). Picklable, so it can be used by
    :class:`~sklearn.model_selection.GridSearchCV` with ``n_jobs > 1``. Build it
    with :func:`make_disentanglement_scorer`.

    Parameters
    ----------
    metric : str or list of str, default='lsdi'
        See :func:`make_disentanglement_scorer`. A list makes the scorer return a
        dict ``{metric: value}`` from a single evaluation.
    **params : dict
        Keyword arguments of :func:`~skvae.metrics.evaluate`.
    """

    def __init__(self, metric="lsdi", **params):
        try:
            metrics = [metric] if isinstance(metric, str) else list(metric)
        except TypeError:  # None, a number: not a name nor a list of names
            metrics = []
        if not metrics or not all(isinstance(m, str) for m in metrics):
            raise ValueError(
                f"metric must be a metric name or a non-empty list of names, got {metric!r}."
            )
        unknown = [m for m in metrics if m not in _METRICS]
        if unknown:
            raise ValueError(f"Unknown metric(s) {unknown}; choose from {sorted(_METRICS)}.")
        if len(set(metrics)) != len(metrics):
            raise ValueError(f"metric names must be unique, got {metrics}.")
        bad = sorted(set(params) - set(_EVALUATE_PARAMS))
        if bad:
            raise TypeError(
                f"Unknown parameter(s) {bad} for evaluate; valid ones: {list(_EVALUATE_PARAMS)}."
            )
        # Now, not at the first scoring: a grid search would turn the error into NaN scores.
        _check_evaluate_arguments(params)
        self.metric = metric if isinstance(metric, str) else list(metrics)
        self.params = {**_DEFAULT_PARAMS, **params}

    def __call__(self, estimator, X, y=None):
        """Score a fitted estimator on ``X``.

        Parameters
        ----------
        estimator : fitted transformer or Pipeline
            The model to score.
        X : array-like of shape (n_samples, n_features)
            Data (e.g. a held-out CV fold).
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float or dict of str to float
            The metric (greater is better), or a dict of them when ``metric`` is a
            list.
        """
        metrics = {self.metric} if isinstance(self.metric, str) else set(self.metric)
        partial = (_evaluate_fvh_lt(estimator, X, **self.params)
                   if metrics <= _FVH_LT_METRICS else None)
        if partial is None:
            evaluation = evaluate(estimator, X, **self.params)
        else:  # the parts of an evaluation that these metrics read
            evaluation = SimpleNamespace(lsdi_fvh_lt=partial[0], n_informative=partial[1])
        if isinstance(self.metric, str):
            return float(_METRICS[self.metric][0](evaluation))
        return {m: float(_METRICS[m][0](evaluation)) for m in self.metric}

    def __repr__(self):
        args = [repr(self.metric)]
        args += [f"{k}={v!r}" for k, v in self.params.items()]
        return f"make_disentanglement_scorer({', '.join(args)})"

    def __eq__(self, other):
        return (
            type(other) is type(self)
            and self.metric == other.metric
            and repr(self.params) == repr(other.params)
        )

    __hash__ = None


def make_disentanglement_scorer(metric="lsdi", **params):
    """Make a label-free disentanglement scorer (greater is better).

    The scorer ``scorer(estimator, X, y=None)`` runs
    :func:`~skvae.metrics.evaluate` on the fitted ``estimator`` (unwrapping a
    :class:`~sklearn.pipeline.Pipeline`; aggregating the runs of an
    :class:`~skvae.AlignedEnsemble`) and returns one metric:

    - ``'lsdi'``: the headline LSDI, mean of ``'fvh_lt'`` and ``'dbsr_ls'``;
    - ``'fvh_lt'``: the LSDI of the FVH-LT variances ``V``;
    - ``'dbsr_ls'``: the LSDI of the DBSR-LS ``Theta**2``;
    - ``'exclusivity'`` / ``'balance'``: the mean over the two LSDIs of that factor
      (a diagnostic of why the LSDI is low);
    - ``'n_informative'``: the number of informative latents (a diagnostic to
      report next to the scores, not a quality to maximise);
    - ``'stability'``: for an :class:`~skvae.AlignedEnsemble` only, the mean GAS
      stability (matched absolute correlation) of the reference run's informative
      latents (0 without any); a single model raises :class:`TypeError`.

    A list of metric names returns one scorer computing them all from a single
    evaluation and returning a dict, which scikit-learn accepts as a multi-metric
    ``scoring`` (``cv_results_`` gets a ``mean_test_<name>`` column per metric;
    pick one with ``refit='<name>'``). This is cheaper than a dict of scorers,
    which evaluates once per scorer. A scorer of only ``'fvh_lt'`` and
    ``'n_informative'`` skips DBSR-LS, which they do not read (the values are
    those of the full evaluation; not for an :class:`~skvae.AlignedEnsemble`,
    whose aggregated evaluation always runs whole).

    Parameters
    ----------
    metric : str or list of str, default='lsdi'
        One of ``'lsdi'``, ``'fvh_lt'``, ``'dbsr_ls'``, ``'exclusivity'``,
        ``'balance'``, ``'n_informative'``, ``'stability'``, or a list of them.
    **params : dict
        Keyword arguments routed to :func:`~skvae.metrics.evaluate`:
        ``threshold``, ``informative``, ``fvh_lt_params``, ``dbsr_ls_params``,
        ``random_state``. ``random_state`` defaults to 0 here (not None), so that
        every candidate of a search is scored on the same anchors and folds.

    Returns
    -------
    scorer : DisentanglementScorer
        A picklable callable ``scorer(estimator, X, y=None)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import FastICA
    >>> from skvae.metrics import make_disentanglement_scorer
    >>> rng = np.random.RandomState(0)
    >>> S = rng.uniform(-1, 1, size=(500, 2))
    >>> X = S @ [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]] + 0.05 * rng.normal(size=(500, 4))
    >>> scorer = make_disentanglement_scorer(["lsdi", "n_informative"])
    >>> scorer
    make_disentanglement_scorer(['lsdi', 'n_informative'], random_state=0)
    >>> scores = scorer(FastICA(2, random_state=0).fit(X), X)
    >>> round(scores["lsdi"], 1), scores["n_informative"]
    (1.0, 2.0)
    """
    return DisentanglementScorer(metric, **params)


_LSDI = DisentanglementScorer("lsdi")
_FVH_LT = DisentanglementScorer("fvh_lt")
_DBSR_LS = DisentanglementScorer("dbsr_ls")

_SCORER_NOTES = """
    Greater is better. A :class:`~sklearn.pipeline.Pipeline` is unwrapped (its
    leading steps transform ``X``, the last step is scored), and so is a fitted
    search (its ``best_estimator_``); an
    :class:`~skvae.AlignedEnsemble` is scored on its aligned, aggregated
    evaluation. Uses :func:`~skvae.metrics.evaluate` with its defaults and
    ``random_state=0``; for other settings use :func:`make_disentanglement_scorer`.

    Parameters
    ----------
    estimator : fitted transformer or Pipeline
        A model with ``transform`` and ``inverse_transform`` (skvae estimators,
        AlignedEnsemble, PCA, FastICA, ...).
    X : array-like of shape (n_samples, n_features)
        Data to score on (e.g. a held-out CV fold).
    y : Ignored
        Not used, present for API consistency by convention.

    Returns
    -------
    score : float
        In [0, 1].
"""


def lsdi_scorer(estimator, X, y=None):
    return _LSDI(estimator, X)


def fvh_lt_scorer(estimator, X, y=None):
    return _FVH_LT(estimator, X)


def dbsr_ls_scorer(estimator, X, y=None):
    return _DBSR_LS(estimator, X)


lsdi_scorer.__doc__ = (
    "Scorer: the headline LSDI, mean of the FVH-LT and DBSR-LS LSDIs.\n" + _SCORER_NOTES
)
fvh_lt_scorer.__doc__ = (
    "Scorer: the LSDI of the FVH-LT variances ``V`` on the informative latents.\n"
    + _SCORER_NOTES
)
dbsr_ls_scorer.__doc__ = (
    "Scorer: the LSDI of the DBSR-LS ``Theta**2`` on the informative latents.\n"
    + _SCORER_NOTES
)
