"""Training callbacks: a label-free disentanglement index in the training history.

Pass them in an estimator's ``callbacks``; they run with skorch's callback protocol, so
skorch's ``EarlyStopping`` and ``Checkpoint`` can monitor what they record.
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
import torch
from sklearn.utils import check_array, check_random_state

# The engine is the one module that imports skorch; its callback base class comes from there.
from skvae._engine import Callback
from skvae.losses._objective import TERM_NAMES
from skvae.metrics._scorers import DisentanglementScorer

__all__ = ["DisentanglementScoring"]

_RESERVED_KEYS = {"epoch", "dur", "batches", "train_loss", "valid_loss",
                  "train_loss_best", "valid_loss_best", *TERM_NAMES}


def _is_scorer(scoring):
    """Whether ``scoring`` is a scorer callable rather than metric names."""
    return callable(scoring) and not isinstance(scoring, str)


class DisentanglementScoring(Callback):
    """Score the model being trained by a label-free index at the end of every epoch.

    The score is recorded in the estimator's ``history_`` under ``name`` (and
    ``f"{name}_best"``: True at an epoch whose score is the best so far, greater being
    better), where skorch's ``EarlyStopping(monitor=name, lower_is_better=False)`` and
    ``Checkpoint(monitor=f"{name}_best")`` find it, and
    :func:`~skvae.plotting.plot_training_history` draws it. So a fit can stop when the
    disentanglement of its latent space stops improving, and keep the best epoch's model
    (``load_best=True``), not only when its loss stalls.

    Each epoch the model is evaluated as if training stopped there: the informative
    latents are those whose KL from the prior, averaged over the scored rows, exceeds the
    threshold, then FVH-LT and DBSR-LS run as in :func:`~skvae.metrics.evaluate`. The
    evaluation neither draws from the training's random generators nor changes the
    model, so a fit with this callback trains exactly as without it.

    Parameters
    ----------
    scoring : str, list of str or callable, default='lsdi'
        A metric of :func:`~skvae.metrics.make_disentanglement_scorer` (``'lsdi'``,
        ``'fvh_lt'``, ``'dbsr_ls'``, ``'exclusivity'``, ``'balance'``,
        ``'n_informative'``), a list of them (each recorded under its own name, from one
        evaluation; the ``_best`` flag follows the first), or a callable
        ``scorer(estimator, X)`` returning a number, such as a
        :class:`~skvae.metrics.DisentanglementScorer` with its own evaluation settings.
        ``'fvh_lt'`` and ``'n_informative'`` (alone or together) skip DBSR-LS; the
        other metrics run the whole evaluation.
    name : str, default=None
        History key of the score. Default: the metric's name, or ``'score'`` for a
        callable. Must be None when ``scoring`` is a list.
    X : array-like of shape (n_samples, n_features), default=None
        Rows to score, as the estimator sees them (after the leading steps of a
        Pipeline, e.g. standardised). Default: the fit's validation rows
        (``early_stopping=True``), else its training rows.
    max_rows : int or None, default=10000
        Score a fixed random subset of at most this many rows (drawn once per fit from
        ``random_state``), which bounds the time and memory of each evaluation. None
        scores every row.
    random_state : int, RandomState instance or None, default=0
        Seeds the subset of rows and the evaluation (FVH-LT anchors, DBSR-LS folds). The
        same at every epoch, so that scores of different epochs compare.

    Attributes
    ----------
    keys_ : list of str
        The history keys of the scores, set when training begins.

    See Also
    --------
    skvae.metrics.make_disentanglement_scorer : The same indices as scorers of fitted
        models, for ``GridSearchCV``.

    Examples
    --------
    >>> from skorch.callbacks import EarlyStopping
    >>> from skvae import BFVAE
    >>> from skvae.callbacks import DisentanglementScoring
    >>> from skvae.datasets import make_factor_analysis
    >>> X, _, _ = make_factor_analysis(1000, preset="FA15", random_state=0)
    >>> model = BFVAE(max_iter=40, random_state=0, callbacks=[
    ...     DisentanglementScoring("fvh_lt"),
    ...     EarlyStopping(monitor="fvh_lt", lower_is_better=False, patience=10,
    ...                   load_best=True),
    ... ]).fit(X)
    >>> len(model.history_) <= 40 and "fvh_lt" in model.history_[-1]
    True
    """

    def __init__(self, scoring="lsdi", *, name=None, X=None, max_rows=10_000, random_state=0):
        self.scoring = scoring
        self.name = name
        self.X = X
        self.max_rows = max_rows
        self.random_state = random_state

    def initialize(self):
        """Check the parameters (called by skorch before training).

        Returns
        -------
        self : DisentanglementScoring
            This callback.
        """
        is_callable = _is_scorer(self.scoring)
        is_list = isinstance(self.scoring, (list, tuple))
        if not (is_callable or is_list or isinstance(self.scoring, str)):
            raise ValueError(
                "scoring must be a metric name, a list of metric names or a callable "
                f"scorer(estimator, X); got {self.scoring!r}."
            )
        if not is_callable:
            DisentanglementScorer(self.scoring)  # checks the metric names, with its messages
            if "stability" in ([self.scoring] if isinstance(self.scoring, str) else self.scoring):
                raise ValueError(
                    "scoring='stability' needs repeated runs aligned by GAS (an "
                    "AlignedEnsemble), but the callback scores one model as it trains."
                )
        if is_list and self.name is not None:
            raise ValueError(
                "name must be None when scoring is a list (each metric is recorded under "
                f"its own name); got name={self.name!r}."
            )
        if is_list:
            self.keys_ = list(self.scoring)
        elif self.name is not None:
            self.keys_ = [self.name]
        else:
            self.keys_ = ["score" if is_callable else self.scoring]
        for key in self.keys_:
            if not isinstance(key, str) or not key or key in _RESERVED_KEYS:
                raise ValueError(
                    "name must be a non-empty string other than the history's own keys "
                    f"{sorted(_RESERVED_KEYS)}; got {key!r}."
                )
        if self.max_rows is not None and not (
            isinstance(self.max_rows, numbers.Integral) and not isinstance(self.max_rows, bool)
            and self.max_rows >= 2
        ):
            raise ValueError(f"max_rows must be an integer >= 2 or None, got {self.max_rows!r}.")
        self.rows_ = None
        return self

    def on_train_begin(self, net, X=None, **kwargs):
        """Fix the seed and the scorer of this fit; check the user's rows.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained.
        X : torch.Tensor of shape (n_samples, n_features)
            The training data.
        **kwargs : dict
            Other arguments of skorch's callback protocol (unused).
        """
        # One seed for the whole fit, so that every epoch is scored on the same rows,
        # anchors and folds (a RandomState would advance from one epoch to the next).
        self.seed_ = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
                         if not isinstance(self.random_state, numbers.Integral)
                         else self.random_state)
        self.scorer_ = (self.scoring if _is_scorer(self.scoring)
                        else DisentanglementScorer(self.scoring, random_state=self.seed_))
        if self.X is not None:
            rows = check_array(self.X, dtype=np.float32, input_name="X", ensure_min_samples=2)
            if rows.shape[1] != X.shape[1]:
                raise ValueError(
                    f"DisentanglementScoring's X has {rows.shape[1]} features, but the "
                    f"estimator is fitted on {X.shape[1]}."
                )
            self.rows_ = rows[self._subset(len(rows))]
        self.best_ = -np.inf

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """Evaluate the current model and record the score(s) in the history.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net being trained; its ``snapshot`` gives the estimator to score.
        dataset_train, dataset_valid : dataset
            The training and validation rows of the fit (``dataset_valid`` is None
            without a validation split).
        **kwargs : dict
            Other arguments of skorch's callback protocol (unused).
        """
        if self.rows_ is None:  # the fit's own rows, fixed for the whole fit
            dataset = dataset_train if dataset_valid is None else dataset_valid
            index = (np.arange(len(dataset)) if dataset.index is None
                     else dataset.index.cpu().numpy())[self._subset(len(dataset))]
            index = torch.from_numpy(index).to(dataset.data.device)
            self.rows_ = dataset.data[index].cpu().numpy()
        result = self.scorer_(net.snapshot(self.rows_), self.rows_)
        scores = result if isinstance(self.scoring, (list, tuple)) else {self.keys_[0]: result}
        for key in self.keys_:
            value = scores[key]
            if not isinstance(value, numbers.Real) or isinstance(value, bool):
                raise TypeError(f"The scorer returned {value!r} for {key!r}; expected a number.")
            net.history.record(key, float(value))
        first = net.history[-1, self.keys_[0]]
        net.history.record(f"{self.keys_[0]}_best", bool(first > self.best_))
        self.best_ = max(self.best_, first)

    def on_train_end(self, net, **kwargs):
        """Drop the scored rows: the estimator keeps its callbacks, not their data.

        Parameters
        ----------
        net : skorch.NeuralNet
            The net that was trained.
        **kwargs : dict
            Other arguments of skorch's callback protocol (unused).
        """
        self.rows_ = None

    def _subset(self, n_rows):
        """Positions of the rows scored out of ``n_rows``: all, or a sorted random subset."""
        if self.max_rows is None or n_rows <= self.max_rows:
            return slice(None)
        chosen = np.random.RandomState(self.seed_).choice(n_rows, self.max_rows, replace=False)
        return np.sort(chosen)
