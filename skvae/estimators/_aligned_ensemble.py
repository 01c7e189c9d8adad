"""AlignedEnsemble: repeated runs of one estimator, aligned by GAS and evaluated together."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import logging
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from sklearn.utils import check_random_state, get_tags, resample
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from skvae._base import _discard_fitted_state
from skvae.metrics._evaluation import _evaluate_runs
from skvae.metrics._gas import gas_align
from skvae.metrics._informative import _final_step, _informative_mask
from skvae.utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    validate_data,
)

__all__ = ["AlignedEnsemble"]

#: Rows the evaluation in ``fit`` needs: the folds of DBSR-LS's default cross-validation.
_MIN_EVAL_ROWS = 5

logger = logging.getLogger(__name__)


def _seed_keys(estimator):
    """Names of every ``random_state`` parameter of ``estimator`` (nested ones included)."""
    return [
        key
        for key in estimator.get_params(deep=True)
        if key == "random_state" or key.endswith("__random_state")
    ]


def _fit_run(estimator, X, seed):
    """Fit one clone with every ``random_state`` set to ``seed``; module level for joblib."""
    estimator.set_params(**dict.fromkeys(_seed_keys(estimator), seed))
    return estimator.fit(X)


def _runs_have(method):
    """``available_if`` check: the ensemble offers ``method`` when its runs do."""
    return lambda ensemble: hasattr(ensemble._base_estimator(), method)


def _final_validation_loss(estimator):
    scores = getattr(_final_step(estimator)[1], "validation_scores_", None)
    if scores is None or len(scores) == 0:
        return None
    return float(scores[-1])


class AlignedEnsemble(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Repeated runs of one estimator, aligned by GAS, with an aggregated evaluation.

    Fits ``n_runs`` clones of ``estimator`` with independent seeds, picks a
    reference run, aligns every run's latents to it with the greedy alignment
    strategy (GAS: label switching makes latents come out permuted and sign-flipped
    from run to run) and evaluates the runs together: FVH-LT ``V`` and DBSR-LS
    ``Theta**2`` of every run, aligned and aggregated (mean, SD, selection
    frequency, per-latent stability) and the LSDI of the aggregated matrices.

    Read more in the :ref:`User Guide <evaluation>`.

    Parameters
    ----------
    estimator : estimator object, default=None
        The model to repeat: a transformer with ``fit``, ``transform`` (codes) and
        ``inverse_transform`` (decoder means), or a
        :class:`~sklearn.pipeline.Pipeline` ending in one. None means
        :class:`~skvae.BFVAE` with its defaults. Each run is a
        :func:`~sklearn.base.clone` whose ``random_state`` parameters (every one of
        them, in all steps of a Pipeline or nested estimator) are set to the run's
        seed.
    n_runs : int, default=10
        Number of runs (at least 2).
    method : {'greedy', 'hungarian'}, default='greedy'
        Matching of latents to the reference run (see
        :func:`~skvae.metrics.gas_align`): greedy, as in the method, or the optimal
        assignment.
    threshold : float, default=0.1
        KL threshold in nats for each run's informative latents (matched first by
        the alignment; the LSDI uses the reference run's).
    n_eval_samples : int, default=5000
        At most this many training rows, drawn without replacement, are used to
        choose the reference run (by ELBO), to align the runs and to compute
        :attr:`evaluation_`. All rows when there are fewer. At least 5 (the folds of
        DBSR-LS's cross-validation), and ``fit`` needs at least 5 rows.
    n_jobs : int, default=None
        Number of runs fitted in parallel by :class:`joblib.Parallel`. None means 1
        unless in a :func:`joblib.parallel_config` context (which also picks the
        backend, e.g. Dask's); -1 means all processors.
    random_state : int, RandomState instance or None, default=None
        Draws the runs' seeds, the evaluation rows and the evaluation's FVH-LT
        anchors and DBSR-LS folds. Pass an int for reproducible results across
        multiple function calls. See :term:`Glossary <random_state>`.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted runs.
    seeds_ : ndarray of int of shape (n_runs,)
        The seed of each run.
    reference_ : int
        Index in ``estimators_`` of the reference run.
    reference_criterion_ : {'validation_loss', 'score', 'none'}
        How the reference run was chosen: lowest final validation loss (every run
        has a non-empty ``validation_scores_``, i.e. ``early_stopping=True``), else
        highest ``score`` (the ELBO for skvae estimators) on the evaluation rows,
        else (no ``score``) the first run.
    reference_scores_ : ndarray of shape (n_runs,) or None
        The per-run values of that criterion.
    alignment_ : GASAlignment
        Alignment of every run's latents to the reference run's (permutations,
        signs, matched correlations), computed on the evaluation rows.
    n_components_ : int
        Number of latents.
    kl_per_latent_ : ndarray of shape (n_components_,)
        Mean over runs of the aligned ``kl_per_latent_``; only set when every run has
        one.
    stability_ : ndarray of shape (n_components_,)
        Per reference latent, the mean matched absolute correlation over the other
        runs.
    evaluation_ : GASEvaluation
        The aggregated evaluation on the evaluation rows (see :meth:`evaluate`).
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    skvae.metrics.gas_align : The alignment.
    skvae.metrics.evaluate : Evaluation of one model.

    Notes
    -----
    :meth:`transform` returns the *aligned mean code*: for every run, its codes
    are permuted and sign-flipped into the reference run's latent order
    (``codes[:, permutations[r]] * signs[r]``), and the result is the mean over
    runs. :meth:`inverse_transform` decodes with the reference run, whose latent
    order the aligned codes follow.

    Examples
    --------
    >>> from skvae import AlignedEnsemble, BFVAE
    >>> from skvae.datasets import make_factor_analysis
    >>> X, _, _ = make_factor_analysis(300, preset="FA15", random_state=0)
    >>> ensemble = AlignedEnsemble(BFVAE(n_components=3, max_iter=2), n_runs=2,
    ...                            random_state=0).fit(X)
    >>> ensemble.transform(X).shape
    (300, 3)
    >>> 0 <= ensemble.evaluation_.lsdi <= 1
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "transform", "inverse_transform"]), None],
        "n_runs": [Interval(Integral, 2, None, closed="left")],
        "method": [StrOptions({"greedy", "hungarian"})],
        "threshold": [Interval(Real, 0, None, closed="left")],
        "n_eval_samples": [Interval(Integral, _MIN_EVAL_ROWS, None, closed="left")],
        # joblib: -1 all processors, -2 all but one...; 0 means nothing
        "n_jobs": [Interval(Integral, None, -1, closed="right"),
                   Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_runs=10,
        method="greedy",
        threshold=0.1,
        n_eval_samples=5000,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_runs = n_runs
        self.method = method
        self.threshold = threshold
        self.n_eval_samples = n_eval_samples
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _base_estimator(self):
        if self.estimator is None:
            from skvae.estimators._bfvae import BFVAE

            return BFVAE()
        return self.estimator

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit ``n_runs`` clones, choose the reference, align and evaluate the runs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, passed unchanged to every run's ``fit`` (each run
            validates it).
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted ensemble.
        """
        _discard_fitted_state(self)  # a fit that fails leaves it unfitted, not half updated
        n_samples = self._check_X(X, reset=True).shape[0]
        if n_samples < _MIN_EVAL_ROWS:
            raise ValueError(
                f"AlignedEnsemble needs at least {_MIN_EVAL_ROWS} rows (the folds of the "
                f"DBSR-LS cross-validation in its evaluation); got n_samples={n_samples}."
            )
        base = self._base_estimator()
        if not _seed_keys(base):
            warnings.warn(
                f"{type(base).__name__} has no random_state parameter: every run is the "
                "same model unless the estimator is randomised otherwise.",
                UserWarning,
                stacklevel=2,
            )
        rng = check_random_state(self.random_state)
        self.seeds_ = rng.randint(np.iinfo(np.int32).max, size=self.n_runs)
        eval_rows_seed, eval_seed = rng.randint(np.iinfo(np.int32).max, size=2)
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_run)(clone(base), X, int(seed)) for seed in self.seeds_
        )

        X_eval = X
        if n_samples > self.n_eval_samples:
            X_eval = resample(
                X, replace=False, n_samples=self.n_eval_samples, random_state=eval_rows_seed
            )
        self._choose_reference(X_eval)
        codes = [np.asarray(run.transform(X_eval), dtype=np.float64) for run in self.estimators_]
        n_latents = codes[0].shape[1]
        masks = [
            _informative_mask(_final_step(run)[1], threshold=self.threshold, n_latents=n_latents)
            for run in self.estimators_
        ]
        self.alignment_ = gas_align(
            codes, reference=self.reference_, informative=masks, method=self.method
        )
        self.n_components_ = n_latents
        self.stability_ = self.alignment_.stability.copy()
        kls = [getattr(_final_step(run)[1], "kl_per_latent_", None) for run in self.estimators_]
        if all(kl is not None for kl in kls):
            aligned = self.alignment_.apply([np.asarray(kl, float)[:, None] for kl in kls])
            self.kl_per_latent_ = aligned[:, :, 0].mean(axis=0)
        self.evaluation_ = self.evaluate(X_eval, random_state=int(eval_seed))
        logger.info(
            "AlignedEnsemble: %d runs, reference %d (%s), LSDI %.4f",
            self.n_runs, self.reference_, self.reference_criterion_, self.evaluation_.lsdi,
        )
        return self

    def _check_X(self, X, reset):
        """Check shape and feature names (set them when ``reset``); return an array view.

        The runs get ``X`` itself (a DataFrame keeps its column names) and validate
        its values (dtype, finiteness) themselves.
        """
        return validate_data(
            self, X, reset=reset, dtype=None, ensure_all_finite=False, ensure_min_samples=1
        )

    def _choose_reference(self, X_eval):
        """Set ``reference_``, ``reference_criterion_`` and ``reference_scores_``."""
        losses = [_final_validation_loss(run) for run in self.estimators_]
        if all(loss is not None for loss in losses):
            self.reference_criterion_ = "validation_loss"
            self.reference_scores_ = np.asarray(losses)
            self.reference_ = int(np.argmin(self.reference_scores_))
        elif all(callable(getattr(run, "score", None)) for run in self.estimators_):
            self.reference_criterion_ = "score"
            self.reference_scores_ = np.array([run.score(X_eval) for run in self.estimators_])
            self.reference_ = int(np.nanargmax(self.reference_scores_))
        else:
            self.reference_criterion_ = "none"
            self.reference_scores_ = None
            self.reference_ = 0

    def evaluate(
        self,
        X,
        *,
        threshold=None,
        informative=None,
        fvh_lt_params=None,
        dbsr_ls_params=None,
        random_state=None,
    ):
        """Aligned, aggregated evaluation of the runs on ``X`` (what the scorers use).

        Every run is evaluated as by :func:`skvae.metrics.evaluate` with the same
        FVH-LT anchors and DBSR-LS folds; the fitted :attr:`alignment_` (not a new
        one) permutes the per-run matrices into the reference order; they are
        aggregated by :func:`skvae.metrics.gas_aggregate`, and the LSDI is computed
        on the mean matrices on the reference run's informative latents.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to evaluate on.
        threshold : float, default=None
            KL threshold in nats; None uses the ensemble's ``threshold``.
        informative : array-like of bool of shape (n_components_,), default=None
            Explicit informative mask in the reference order (overrides
            ``threshold``).
        fvh_lt_params : dict, default=None
            Extra keyword arguments of :func:`skvae.metrics.fvh_lt`.
        dbsr_ls_params : dict, default=None
            Extra keyword arguments of :func:`skvae.metrics.dbsr_ls_from_codes`.
        random_state : int, RandomState instance or None, default=None
            Draws the seed shared by every run's FVH-LT anchors and DBSR-LS folds.
            Pass an int for reproducible results across multiple function calls.
            See :term:`Glossary <random_state>`.

        Returns
        -------
        evaluation : GASEvaluation
            Aggregated matrices, stability, per-run and aggregated LSDI.
        """
        check_is_fitted(self)
        self._check_X(X, reset=False)
        return _evaluate_runs(
            self.estimators_,
            X,
            self.alignment_,
            threshold=self.threshold if threshold is None else threshold,
            informative=informative,
            fvh_lt_params=fvh_lt_params,
            dbsr_ls_params=dbsr_ls_params,
            random_state=random_state,
            latent_names=list(self.get_feature_names_out()),
        )

    def transform(self, X):
        """Aligned mean codes: each run's codes in the reference order, averaged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
            ``mean_r(codes_r[:, permutations[r]] * signs[r])``, float64.
        """
        check_is_fitted(self)
        self._check_X(X, reset=False)
        total = None
        for r, run in enumerate(self.estimators_):
            aligned = self.alignment_.align(run.transform(X), r)
            total = aligned if total is None else total + aligned
        return total / len(self.estimators_)

    def inverse_transform(self, X):
        """Decode aligned codes with the reference run.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components_)
            Codes in the reference run's latent order (e.g. from :meth:`transform`).

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            The reference run's ``inverse_transform(X)``.
        """
        check_is_fitted(self)
        return self.estimators_[self.reference_].inverse_transform(X)

    @available_if(_runs_have("score_samples"))
    def score_samples(self, X):
        """Mean over runs of each run's ``score_samples`` (skvae: the per-sample ELBO).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``mean_r(estimators_[r].score_samples(X))``.
        """
        check_is_fitted(self)
        self._check_X(X, reset=False)
        return np.mean([run.score_samples(X) for run in self.estimators_], axis=0)

    @available_if(_runs_have("score"))
    def score(self, X, y=None):
        """Mean over runs of each run's ``score`` (skvae: the mean ELBO in nats).

        The score of the configuration rather than of one seed, so that
        :class:`~sklearn.model_selection.GridSearchCV` without ``scoring`` compares
        repeated runs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float
            ``mean_r(estimators_[r].score(X))``.
        """
        check_is_fitted(self)
        self._check_X(X, reset=False)
        return float(np.mean([run.score(X) for run in self.estimators_]))

    @available_if(_runs_have("sample"))
    def sample(self, n_samples=1, random_state=None):
        """Draw from the reference run's prior and decode with it.

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples.
        random_state : int, RandomState instance or None, default=None
            Seed of the latent draws. Pass an int for reproducible output.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Decoder means of the sampled codes.
        Z : ndarray of shape (n_samples, n_components_)
            The sampled codes, in the reference run's latent order (that of
            :meth:`transform`).
        """
        check_is_fitted(self)
        return self.estimators_[self.reference_].sample(n_samples, random_state=random_state)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "alignment_")  # set once the runs are fitted and aligned

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        base_tags = get_tags(self._base_estimator())
        tags.input_tags.allow_nan = base_tags.input_tags.allow_nan
        tags.non_deterministic = base_tags.non_deterministic
        return tags

    def get_feature_names_out(self, input_features=None):
        """Get the names of the aligned latents: those of the reference run.

        The ensemble's latents are the reference run's latents (the others are aligned to
        them), so they keep its names, e.g. ``bfvae0`` ... for BFVAE runs, as a
        meta-estimator such as :class:`~sklearn.model_selection.GridSearchCV` does. Runs
        without ``get_feature_names_out`` give ``alignedensemble0`` ...

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against ``feature_names_in_``; the names do not depend on it.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per latent.
        """
        check_is_fitted(self)
        reference = self.estimators_[self.reference_]
        if not hasattr(reference, "get_feature_names_out"):
            return super().get_feature_names_out(input_features)
        return reference.get_feature_names_out(input_features)

    @property
    def _n_features_out(self):
        return self.n_components_
