"""Ground-truth disentanglement metrics (MIG, DCI, SAP, UDR, modularity, FDR) for simulated data."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

# The formulas follow disentanglement_lib (commit 86a644d4), re-implemented with numpy and
# scikit-learn; see the "Notes" of each function for where and why they differ.

import numbers

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor
from sklearn.linear_model import Lasso
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_consistent_length

from skvae.utils._sklearn_compat import HasMethods, Interval, StrOptions, validate_params

__all__ = [
    "dci_completeness",
    "dci_disentanglement",
    "dci_importance",
    "dci_scorer",
    "dci_scores",
    "gaussian_total_correlation",
    "gaussian_wasserstein_correlation",
    "informative_fdr",
    "mig_score",
    "mig_scorer",
    "modularity",
    "modularity_score",
    "mutual_info_matrix",
    "sap_score",
    "sap_score_matrix",
    "sap_scorer",
    "udr_relative_strength",
    "udr_score",
]


# --------------------------------------------------------------------------------------
# input checks and shared helpers
# --------------------------------------------------------------------------------------
def _check_codes_factors(codes, factors, metric=None):
    """Validate codes (n, K) and factors (n, L); a 1-D factor array is one factor.

    With a ``metric`` name, a constant factor is an error: that metric is undefined for it.
    """
    codes = check_array(codes, dtype=np.float64, input_name="codes", ensure_min_samples=2)
    factors = check_array(factors, dtype=np.float64, input_name="factors", ensure_2d=False)
    if factors.ndim == 1:
        factors = factors[:, None]
    factors = check_array(factors, dtype=np.float64, input_name="factors")
    check_consistent_length(codes, factors)
    if metric is not None:
        constant = np.flatnonzero(np.ptp(factors, axis=0) == 0)
        if constant.size:
            raise ValueError(f"factors {constant.tolist()} are constant: {metric} is undefined.")
    return codes, factors


def _check_nonnegative_matrix(matrix, name):
    matrix = check_array(matrix, dtype=np.float64, input_name=name, ensure_min_samples=1)
    if (matrix < 0).any():
        raise ValueError(f"{name} must be non-negative; got a minimum of {matrix.min():g}.")
    return matrix


def _histogram_discretize(values, n_bins):
    """Discretise each column into ``n_bins`` equal-width bins, as dlib's discretiser.

    Equivalent, column by column, to
    ``np.digitize(v, np.histogram(v, n_bins)[1][:-1])`` (labels 1..n_bins; a constant
    column falls in one bin).
    """
    lo, hi = values.min(axis=0), values.max(axis=0)
    same = lo == hi
    lo, hi = np.where(same, lo - 0.5, lo), np.where(same, hi + 0.5, hi)
    edges = np.linspace(lo, hi, n_bins + 1)[:-1]  # (n_bins, n_columns)
    return (values[:, None, :] >= edges[None, :, :]).sum(axis=1)


def _encode_labels(labels):
    """Map each column of a label matrix to consecutive integers 0..n_levels-1."""
    return np.column_stack([np.unique(col, return_inverse=True)[1] for col in labels.T])


def _one_hot_columns(labels):
    """One-hot encode every column of an integer label matrix (labels 0..m-1).

    Returns an (n, n_columns, m) float array with m the largest number of levels.
    """
    n_levels = labels.max() + 1
    return (labels[:, :, None] == np.arange(n_levels)).astype(np.float64)


def _mutual_info_labels(a, b):
    """Discrete mutual information (nats) between every column of ``a`` and of ``b``.

    Same contingency definition as :func:`sklearn.metrics.mutual_info_score`, vectorised.
    """
    n = a.shape[0]
    oa, ob = _one_hot_columns(a), _one_hot_columns(b)
    (_, ka, ma), (_, kb, mb) = oa.shape, ob.shape
    joint = oa.reshape(n, ka * ma).T @ ob.reshape(n, kb * mb) / n
    joint = joint.reshape(ka, ma, kb, mb).transpose(0, 2, 1, 3)  # (ka, kb, ma, mb)
    pa = oa.mean(axis=0)[:, None, :, None]
    pb = ob.mean(axis=0)[None, :, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(joint > 0, joint * np.log(joint / (pa * pb)), 0.0)
    return np.clip(terms.sum(axis=(2, 3)), 0.0, None)


_MAX_DISCRETE_LEVELS = 1000


def _factor_labels(factors, n_bins, discrete_factors):
    if not discrete_factors:
        labels = _histogram_discretize(factors, n_bins)
        # A factor with at most n_bins distinct values keeps them as its levels: equal-width
        # bins would merge unevenly spaced levels (0, 1, 2 and 100 in two bins).
        for j, column in enumerate(factors.T):
            levels, inverse = np.unique(column, return_inverse=True)
            if levels.size <= n_bins:
                labels[:, j] = inverse
        return labels
    labels = _encode_labels(factors)
    if labels.max() + 1 > _MAX_DISCRETE_LEVELS:
        raise ValueError(
            f"a discrete factor has {labels.max() + 1} levels (more than "
            f"{_MAX_DISCRETE_LEVELS}): continuous factors need discrete_factors=False."
        )
    return labels


def _top_two_gap(matrix):
    """Mean over columns of (largest - second largest) entry; a missing second row counts 0."""
    if matrix.shape[0] < 2:
        matrix = np.vstack([matrix, np.zeros((2 - matrix.shape[0], matrix.shape[1]))])
    ordered = np.sort(matrix, axis=0)
    return ordered[-1] - ordered[-2]


#: Constraints shared by the metrics that take them (scikit-learn parameter validation).
_BINNED = {"discrete_factors": ["boolean"]}
_SPLIT = {
    # a fraction of the rows, or a number of rows (as train_test_split)
    "test_size": [Interval(numbers.Real, 0, 1, closed="neither"),
                  Interval(numbers.Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
}


def _check_n_bins(n_bins):
    if not isinstance(n_bins, numbers.Integral) or n_bins < 2:
        raise ValueError(f"n_bins must be an integer >= 2, got {n_bins!r}.")


# --------------------------------------------------------------------------------------
# MIG and modularity
# --------------------------------------------------------------------------------------
@validate_params(_BINNED, prefer_skip_nested_validation=True)
def mutual_info_matrix(codes, factors, *, n_bins=20, discrete_factors=False):
    """Discrete mutual information between every latent and every factor.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
        Latent codes (posterior means).
    factors : array-like of shape (n_samples, n_factors)
        True factors.
    n_bins : int, default=20
        Number of equal-width histogram bins used to discretise each latent (and each
        factor unless ``discrete_factors=True``).
    discrete_factors : bool, default=False
        If True, the factors are used as class labels as they are (at most 1000 levels).

    Returns
    -------
    mi : ndarray of shape (n_latents, n_factors)
        Mutual information in nats.
    factor_entropy : ndarray of shape (n_factors,)
        Entropy of each (discretised) factor in nats.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.repeat([0, 1], 50)
    >>> mi, h = mutual_info_matrix(np.c_[y, np.zeros(100)], y, discrete_factors=True)
    >>> np.round(mi.ravel(), 4).tolist(), np.round(h, 4).tolist()
    ([0.6931, 0.0], [0.6931])
    """
    _check_n_bins(n_bins)
    codes, factors = _check_codes_factors(codes, factors)
    zdisc = _histogram_discretize(codes, n_bins)
    ydisc = _factor_labels(factors, n_bins, discrete_factors)
    ydisc = _encode_labels(ydisc)
    zdisc = _encode_labels(zdisc)
    mi = _mutual_info_labels(zdisc, ydisc)
    counts = _one_hot_columns(ydisc).mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(counts > 0, counts * np.log(counts), 0.0).sum(axis=1)
    return mi, entropy


@validate_params(_BINNED, prefer_skip_nested_validation=True)
def mig_score(codes, factors, *, n_bins=20, discrete_factors=False):
    """Mutual information gap (MIG) of latent codes against known factors.

    For each factor the gap between the largest and the second largest mutual information
    with a latent, divided by the factor's entropy; averaged over factors (Chen et al.
    2018, as computed by disentanglement_lib's ``_compute_mig``).

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
        Latent codes (posterior means).
    factors : array-like of shape (n_samples, n_factors)
        True factors.
    n_bins : int, default=20
        Number of equal-width histogram bins of the discretiser.
    discrete_factors : bool, default=False
        If True the factors are integer class labels and used as they are; otherwise each
        factor is discretised with the same histogram discretiser as the codes (an
        integer factor with at most ``n_bins`` levels keeps its levels either way).

    Returns
    -------
    score : float
        MIG in [0, 1]; greater is better.

    Notes
    -----
    Mutual information is in nats, with the contingency definition of
    :func:`sklearn.metrics.mutual_info_score`. disentanglement_lib only accepts discrete
    factors; discretising continuous factors with the latent discretiser is this project's
    choice. With a single latent the missing second latent counts as zero information.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.repeat([0, 1, 2, 3], 25)
    >>> round(mig_score(np.c_[y, np.zeros(100)], y), 6)
    1.0
    """
    mi, entropy = mutual_info_matrix(
        codes, factors, n_bins=n_bins, discrete_factors=discrete_factors
    )
    if (entropy <= 0).any():
        raise ValueError(
            f"factors {np.flatnonzero(entropy <= 0).tolist()} are constant: MIG is undefined."
        )
    return float(np.mean(_top_two_gap(mi) / entropy))


def modularity(mutual_info):
    """Modularity of a latents x factors mutual-information matrix (Ridgeway & Mozer 2018).

    Per latent ``1 - (sum_j m_ij^2 - max_j m_ij^2) / (max_j m_ij^2 * (n_factors - 1))``,
    0 for a latent with no information; averaged over latents.

    Parameters
    ----------
    mutual_info : array-like of shape (n_latents, n_factors)
        Non-negative mutual information of each latent with each factor.

    Returns
    -------
    score : float
        Modularity in [0, 1]; greater is better.

    Examples
    --------
    >>> round(modularity([[1, 0], [0.5, 0.5], [0, 0]]), 4)
    0.3333
    """
    sq = _check_nonnegative_matrix(mutual_info, "mutual_info") ** 2
    if sq.shape[1] < 2:
        raise ValueError("modularity needs at least 2 factors.")
    top = sq.max(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (sq.sum(axis=1) - top) / (top * (sq.shape[1] - 1))
    return float(np.mean(np.where(top > 0, 1.0 - delta, 0.0)))


@validate_params(_BINNED, prefer_skip_nested_validation=True)
def modularity_score(codes, factors, *, n_bins=20, discrete_factors=False):
    """Modularity of latent codes against known factors.

    :func:`modularity` of :func:`mutual_info_matrix`, as disentanglement_lib's
    ``modularity_explicitness`` (the explicitness part is not computed).

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
        Latent codes (posterior means).
    factors : array-like of shape (n_samples, n_factors)
        True factors (at least 2).
    n_bins : int, default=20
        Number of equal-width histogram bins of the discretiser.
    discrete_factors : bool, default=False
        If True the factors are used as class labels as they are.

    Returns
    -------
    score : float
        Modularity in [0, 1]; greater is better.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.indices((4, 4)).reshape(2, -1).T  # two independent 4-level factors
    >>> round(modularity_score(f, f), 6)
    1.0
    """
    mi, _ = mutual_info_matrix(codes, factors, n_bins=n_bins, discrete_factors=discrete_factors)
    return modularity(mi)


# --------------------------------------------------------------------------------------
# DCI
# --------------------------------------------------------------------------------------
def _weighted_normalised_entropy(importance):
    """sum_i w_i (1 - H_base(P_i.)) over rows, dlib's definition (with +1e-11 smoothing)."""
    n_cols = importance.shape[1]
    if n_cols < 2:
        return 1.0 if importance.sum() > 0 else 0.0
    smoothed = importance + 1e-11
    p = smoothed / smoothed.sum(axis=1, keepdims=True)
    per_row = 1.0 + (p * np.log(p)).sum(axis=1) / np.log(n_cols)
    total = importance.sum()
    weights = importance.sum(axis=1) / total if total > 0 else np.full(len(p), 1 / len(p))
    return float(np.sum(per_row * weights))


def dci_disentanglement(importance):
    """DCI disentanglement of an importance matrix (Eastwood & Williams 2018).

    Each latent's score is one minus the entropy (base ``n_factors``) of its row normalised
    to a distribution; latents are weighted by their share of the total importance
    (uniformly if the matrix is all zero).

    Parameters
    ----------
    importance : array-like of shape (n_latents, n_factors)
        Non-negative importance of each latent for predicting each factor.

    Returns
    -------
    score : float
        Disentanglement in [0, 1]. With a single factor it is 1 (0 for an all-zero matrix),
        where dlib's base-1 entropy is undefined.

    Examples
    --------
    >>> round(dci_disentanglement([[1, 1], [0, 0]]), 6)
    0.0
    >>> round(dci_disentanglement([[1, 0], [0, 1], [0, 0]]), 6)
    1.0
    """
    return _weighted_normalised_entropy(_check_nonnegative_matrix(importance, "importance"))


def dci_completeness(importance):
    """DCI completeness of an importance matrix (Eastwood & Williams 2018).

    :func:`dci_disentanglement` with latents and factors swapped: each factor's score is one
    minus the entropy (base ``n_latents``) of its normalised column.

    Parameters
    ----------
    importance : array-like of shape (n_latents, n_factors)
        Non-negative importance of each latent for predicting each factor.

    Returns
    -------
    score : float
        Completeness in [0, 1]. With a single latent it is 1 (0 for an all-zero matrix).

    Examples
    --------
    >>> round(dci_completeness([[1, 0], [0, 1], [0, 0]]), 6)
    1.0
    """
    return _weighted_normalised_entropy(_check_nonnegative_matrix(importance, "importance").T)


def _default_dci_model(discrete_factors, random_state):
    params = dict(n_estimators=50, min_samples_leaf=20, max_features=1.0, random_state=random_state)
    if discrete_factors:
        return ExtraTreesClassifier(**params)
    return ExtraTreesRegressor(**params)


def _importance_of(model):
    if hasattr(model, "feature_importances_"):
        return np.abs(np.asarray(model.feature_importances_, dtype=np.float64))
    if hasattr(model, "coef_"):
        coef = np.abs(np.asarray(model.coef_, dtype=np.float64))
        return coef.reshape(-1, coef.shape[-1]).sum(axis=0)
    raise TypeError(
        f"{type(model).__name__} has neither feature_importances_ nor coef_; "
        "DCI needs one of them."
    )


@validate_params(
    {"estimator": [HasMethods(["fit"]), None], **_BINNED, **_SPLIT},
    prefer_skip_nested_validation=True,
)
def dci_importance(
    codes, factors, *, estimator=None, discrete_factors=False, test_size=1 / 3, random_state=None
):
    """Importance matrix and informativeness of DCI, one fitted model per factor.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
        Latent codes (posterior means).
    factors : array-like of shape (n_samples, n_factors)
        True factors.
    estimator : estimator, default=None
        Model fitted (as a clone) for each factor on all latents; its
        ``feature_importances_`` (or ``|coef_|``) fill the importance matrix. Default:
        ``ExtraTreesRegressor(n_estimators=50, min_samples_leaf=20, max_features=1.0)``
        (``ExtraTreesClassifier`` if ``discrete_factors``). Pass
        ``GradientBoostingClassifier()`` with discrete factors for disentanglement_lib's
        choice.
    discrete_factors : bool, default=False
        If True the factors are class labels and informativeness is test accuracy;
        otherwise it is the test R^2 (clipped at 0).
    test_size : float, default=1/3
        Share of the rows held out to measure informativeness (dlib: 5000 of 15000).
    random_state : int, RandomState instance or None, default=None
        Seeds the train/test split and the estimator.

    Returns
    -------
    importance : ndarray of shape (n_latents, n_factors)
        Non-negative importance of each latent for each factor.
    informativeness : ndarray of shape (n_factors,)
        Test R^2 (clipped at 0) or accuracy of each factor's model.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> f = rng.uniform(size=(300, 2))
    >>> R, info = dci_importance(np.c_[f, rng.normal(size=300)], f, random_state=0)
    >>> R.shape, bool(info.min() > 0.9)
    ((3, 2), True)
    """
    codes, factors = _check_codes_factors(codes, factors, "DCI")
    rng = check_random_state(random_state)
    seed = rng.randint(np.iinfo(np.int32).max)
    if estimator is None:
        estimator = _default_dci_model(discrete_factors, seed)
    elif "random_state" in estimator.get_params():
        estimator = clone(estimator).set_params(random_state=seed)
    if discrete_factors != is_classifier(estimator):
        kind = "a classifier" if discrete_factors else "a regressor"
        raise ValueError(f"discrete_factors={discrete_factors} needs {kind} as estimator.")
    c_train, c_test, f_train, f_test = train_test_split(
        codes, factors, test_size=test_size, random_state=rng
    )
    importance, informativeness = [], []
    for j in range(factors.shape[1]):
        model = clone(estimator).fit(c_train, f_train[:, j])
        importance.append(_importance_of(model))
        informativeness.append(max(0.0, model.score(c_test, f_test[:, j])))
    return np.column_stack(importance), np.asarray(informativeness)


@validate_params(
    {"estimator": [HasMethods(["fit"]), None], **_BINNED, **_SPLIT},
    prefer_skip_nested_validation=True,
)
def dci_scores(
    codes, factors, *, estimator=None, discrete_factors=False, test_size=1 / 3, random_state=None
):
    """DCI disentanglement, completeness and informativeness (Eastwood & Williams 2018).

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
        Latent codes (posterior means).
    factors : array-like of shape (n_samples, n_factors)
        True factors.
    estimator : estimator, default=None
        Per-factor model giving the importances; see :func:`dci_importance`.
    discrete_factors : bool, default=False
        If True the factors are class labels (informativeness = accuracy); otherwise
        continuous (informativeness = R^2 clipped at 0).
    test_size : float, default=1/3
        Share of the rows held out to measure informativeness.
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the estimator.

    Returns
    -------
    disentanglement : float
        :func:`dci_disentanglement` of the importance matrix.
    completeness : float
        :func:`dci_completeness` of the importance matrix.
    informativeness : float
        Mean test R^2 (or accuracy) over factors.

    Notes
    -----
    disentanglement_lib fits ``GradientBoostingClassifier()`` to discrete factors and
    reports accuracy. The factors here are continuous, so the default is an extra-trees
    regressor (50 trees, leaves of at least 20 rows, all features per split): about ten
    times faster than gradient boosting and within about 0.03 of its D and C on simulated
    factor data.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> f = rng.uniform(size=(1000, 2))
    >>> d, c, i = dci_scores(np.c_[f, 0.01 * rng.normal(size=1000)], f, random_state=0)
    >>> bool(d > 0.9 and c > 0.9 and i > 0.9)
    True
    """
    importance, informativeness = dci_importance(
        codes,
        factors,
        estimator=estimator,
        discrete_factors=discrete_factors,
        test_size=test_size,
        random_state=random_state,
    )
    return (
        dci_disentanglement(importance),
        dci_completeness(importance),
        float(np.mean(informativeness)),
    )


# --------------------------------------------------------------------------------------
# SAP
# --------------------------------------------------------------------------------------
@validate_params({"continuous_factors": ["boolean"], **_SPLIT},
                 prefer_skip_nested_validation=True)
def sap_score_matrix(
    codes, factors, *, continuous_factors=True, test_size=1 / 3, random_state=None
):
    """Score matrix of the SAP metric: how well each single latent predicts each factor.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
        Latent codes (posterior means).
    factors : array-like of shape (n_samples, n_factors)
        True factors.
    continuous_factors : bool, default=True
        If True, ``S_ij`` is the squared correlation of latent i and factor j (0 when the
        latent's variance is at most 1e-12). If False, the factors are class labels and
        ``S_ij`` is the test accuracy of ``LinearSVC(C=0.01, class_weight='balanced')``
        trained on latent i alone.
    test_size : float, default=1/3
        Held-out share for the classifiers (``continuous_factors=False`` only).
    random_state : int, RandomState instance or None, default=None
        Seeds the train/test split (``continuous_factors=False`` only).

    Returns
    -------
    score_matrix : ndarray of shape (n_latents, n_factors)

    Examples
    --------
    >>> import numpy as np
    >>> f = np.arange(10.0)
    >>> np.round(sap_score_matrix(np.c_[f, -2 * f, f % 2], f), 3).ravel().tolist()
    [1.0, 1.0, 0.03]
    """
    codes, factors = _check_codes_factors(codes, factors, "SAP")
    if continuous_factors:
        zc, yc = codes - codes.mean(axis=0), factors - factors.mean(axis=0)
        n = len(codes)
        var_z = (zc**2).sum(axis=0) / (n - 1)
        var_y = (yc**2).sum(axis=0) / (n - 1)
        cov = zc.T @ yc / (n - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = cov**2 / np.outer(var_z, var_y)
        score[var_z <= 1e-12] = 0.0
        return np.nan_to_num(score, nan=0.0, posinf=0.0)
    c_train, c_test, f_train, f_test = train_test_split(
        codes, factors, test_size=test_size, random_state=check_random_state(random_state)
    )
    svc = LinearSVC(C=0.01, class_weight="balanced")
    score = np.zeros((codes.shape[1], factors.shape[1]))
    for i in range(codes.shape[1]):  # one classifier per latent and factor, as dlib
        for j in range(factors.shape[1]):
            model = clone(svc).fit(c_train[:, [i]], f_train[:, j])
            score[i, j] = model.score(c_test[:, [i]], f_test[:, j])
    return score


@validate_params({"continuous_factors": ["boolean"], **_SPLIT},
                 prefer_skip_nested_validation=True)
def sap_score(codes, factors, *, continuous_factors=True, test_size=1 / 3, random_state=None):
    """Separated attribute predictability (SAP, Kumar et al. 2018).

    The mean over factors of the gap between the two largest entries of the factor's
    column of :func:`sap_score_matrix`.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
        Latent codes (posterior means).
    factors : array-like of shape (n_samples, n_factors)
        True factors.
    continuous_factors : bool, default=True
        Squared correlations if True, single-latent linear SVM accuracies if False (dlib's
        study default, for discrete factors).
    test_size : float, default=1/3
        Held-out share for the classifiers (``continuous_factors=False`` only).
    random_state : int, RandomState instance or None, default=None
        Seeds the train/test split (``continuous_factors=False`` only).

    Returns
    -------
    score : float
        SAP in [0, 1]; greater is better. With a single latent the second entry counts 0.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.arange(10.0)
    >>> round(sap_score(np.c_[f, np.ones(10)], f), 6)
    1.0
    """
    score = sap_score_matrix(
        codes,
        factors,
        continuous_factors=continuous_factors,
        test_size=test_size,
        random_state=random_state,
    )
    return float(np.mean(_top_two_gap(score)))


# --------------------------------------------------------------------------------------
# UDR
# --------------------------------------------------------------------------------------
def udr_relative_strength(similarity):
    """Relative-strength score of a latents x latents similarity matrix (dlib's UDR pair).

    ``(mean_b max_a R_ab^2 / sum_a R_ab + mean_a max_b R_ab^2 / sum_b R_ab) / 2``, where an
    all-zero row or column scores 0 and still counts in its mean.

    Parameters
    ----------
    similarity : array-like of shape (n_latents_a, n_latents_b)
        Non-negative similarity between the latents of two models.

    Returns
    -------
    score : float
        In [0, 1]; 1 for a (scaled) permutation matrix. 0 for an empty matrix.

    Examples
    --------
    >>> round(udr_relative_strength([[0.9, 0.1], [0.2, 0.8]]), 6)
    0.724369
    """
    r = check_array(similarity, dtype=np.float64, input_name="similarity", ensure_2d=False,
                    allow_nd=True, ensure_min_samples=0, ensure_min_features=0)
    if r.ndim != 2:
        raise ValueError(f"similarity must be a 2-D matrix, got shape {r.shape}.")
    if r.size == 0:
        return 0.0
    r = _check_nonnegative_matrix(r, "similarity")

    def side(axis):
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = r.max(axis=axis) ** 2 / r.sum(axis=axis)
        return np.mean(np.nan_to_num(ratio, nan=0.0))

    return float((side(0) + side(1)) / 2)


def _spearman_matrix(a, b):
    """|Spearman correlation| between every column of a and every column of b (0 if constant)."""
    from scipy.stats import rankdata

    ra, rb = rankdata(a, axis=0), rankdata(b, axis=0)
    ra, rb = ra - ra.mean(axis=0), rb - rb.mean(axis=0)
    na, nb = np.linalg.norm(ra, axis=0), np.linalg.norm(rb, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = (ra.T @ rb) / np.outer(na, nb)
    return np.abs(np.nan_to_num(corr, nan=0.0))


@validate_params(
    {
        "codes_list": ["array-like"],
        "kl_list": ["array-like", None],
        "method": [StrOptions({"lasso", "spearman"})],
        "kl_threshold": [Interval(numbers.Real, 0, None, closed="left")],
        "filter_low_kl": ["boolean"],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def udr_score(
    codes_list,
    kl_list=None,
    *,
    method="lasso",
    kl_threshold=0.01,
    filter_low_kl=True,
    alpha=0.1,
    random_state=None,
):
    """Unsupervised disentanglement ranking (UDR, Duan et al. 2020), dlib's sklearn variant.

    Every model's codes are standardised and, given ``kl_list``, latents with KL at most
    ``kl_threshold`` are zeroed. For each ordered pair (i, j) of models a latents x latents
    similarity matrix is computed (``'lasso'``: ``|Lasso(alpha).fit(z_i, z_j).coef_|^T``;
    ``'spearman'``: absolute Spearman correlations), the rows of model i's and the columns
    of model j's uninformative latents are dropped (``filter_low_kl``), and the pair scores
    :func:`udr_relative_strength`. A model's score is the median of the pair scores with
    the model in second place.

    Parameters
    ----------
    codes_list : list of array-like of shape (n_samples, n_latents)
        Codes (posterior means) of each model on the same observations; at least 2 models.
    kl_list : list of array-like of shape (n_latents,), default=None
        Mean KL (nats) of each latent of each model. If None every latent counts as
        informative.
    method : {'lasso', 'spearman'}, default='lasso'
        Similarity between latents of two models.
    kl_threshold : float, default=0.01
        Latents with KL above it are informative (dlib hard-codes 0.01 for the zeroing and
        uses ``kl_filter_threshold=0.01`` for the filtering; here both use this value).
    filter_low_kl : bool, default=True
        Drop uninformative latents from each pair's similarity matrix.
    alpha : float, default=0.1
        Lasso penalty (``method='lasso'``).
    random_state : int, RandomState instance or None, default=None
        Passed to the Lasso (only matters for its random coordinate selection; unused with
        the default cyclic solver).

    Returns
    -------
    model_scores : ndarray of shape (n_models,)
        UDR of each model; greater is better.
    pairwise : ndarray of shape (n_models, n_models)
        ``pairwise[i, j]`` is the score of the pair (i, j); NaN on the diagonal.

    Notes
    -----
    This is disentanglement_lib's ``compute_udr_sklearn``. The paper's weighting of the
    two directions by the numbers of informative latents differs when models keep
    different numbers of informative latents. A pair where either model has no informative
    latent scores 0.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.random.RandomState(0).uniform(size=(500, 3))
    >>> scores, pairwise = udr_score([z, -z[:, ::-1], z[:, [1, 0, 2]]])
    >>> np.round(scores, 3).tolist()  # Lasso shrinks each matched coefficient to 0.9
    [0.9, 0.9, 0.9]
    """
    if len(codes_list) < 2:
        raise ValueError(f"udr_score needs at least 2 models, got {len(codes_list)}.")
    reps = [check_array(c, dtype=np.float64, input_name="codes") for c in codes_list]
    check_consistent_length(*reps)
    if kl_list is None:
        masks = [np.ones(r.shape[1], dtype=bool) for r in reps]
    else:
        if len(kl_list) != len(reps):
            raise ValueError(f"kl_list has {len(kl_list)} entries for {len(reps)} models.")
        kls = [check_array(kl, dtype=np.float64, ensure_2d=False, input_name=f"kl_list[{i}]")
               .ravel() for i, kl in enumerate(kl_list)]
        for i, (kl, r) in enumerate(zip(kls, reps)):
            if kl.shape[0] != r.shape[1]:
                raise ValueError(
                    f"kl_list[{i}] has {kl.shape[0]} values for {r.shape[1]} latents."
                )
        masks = [kl > kl_threshold for kl in kls]
    reps = [StandardScaler().fit_transform(r) * m for r, m in zip(reps, masks)]

    n_models = len(reps)
    pairwise = np.full((n_models, n_models), np.nan)
    for i in range(n_models):  # one regression or correlation per model pair
        for j in range(n_models):
            if i == j:
                continue
            if method == "lasso":
                lasso = Lasso(alpha=alpha, random_state=random_state).fit(reps[i], reps[j])
                sim = np.abs(np.atleast_2d(lasso.coef_)).T
            else:
                sim = _spearman_matrix(reps[i], reps[j])
            if filter_low_kl:
                sim = sim[masks[i]][:, masks[j]]
            pairwise[i, j] = udr_relative_strength(sim)
    off = ~np.eye(n_models, dtype=bool)
    model_scores = np.median(pairwise.T[off].reshape(n_models, n_models - 1), axis=1)
    return model_scores, pairwise


# --------------------------------------------------------------------------------------
# Gaussian total / Wasserstein correlation (label-free)
# --------------------------------------------------------------------------------------
def _code_covariance(codes):
    codes = check_array(codes, dtype=np.float64, input_name="codes", ensure_min_samples=2)
    return np.atleast_2d(np.cov(codes, rowvar=False))


def gaussian_total_correlation(codes):
    """Total correlation of a Gaussian with the covariance of the codes.

    ``TC = (sum_i log Sigma_ii - log det Sigma) / 2`` in nats, as disentanglement_lib's
    ``gaussian_total_correlation``.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
        Latent codes (posterior means).

    Returns
    -------
    tc : float
        Non-negative; 0 for uncorrelated codes; lower is more factorised. ``inf`` if the
        covariance is singular.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.random.RandomState(0).normal(size=(1000, 2))
    >>> round(gaussian_total_correlation(np.c_[z[:, 0], z[:, 0] + z[:, 1]]), 2)
    0.34
    """
    cov = _code_covariance(codes)
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        return float("inf")
    return float(0.5 * (np.sum(np.log(np.diag(cov))) - logdet))


@validate_params({"normalize": ["boolean"]}, prefer_skip_nested_validation=True)
def gaussian_wasserstein_correlation(codes, normalize=False):
    """Wasserstein correlation of a Gaussian with the covariance of the codes.

    ``WC = 2 tr Sigma - 2 tr sqrt(D Sigma)`` with ``D = diag(Sigma)``: the squared
    2-Wasserstein distance between ``N(0, Sigma)`` and ``N(0, D)``, as disentanglement_lib's
    ``gaussian_wasserstein_correlation``.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_latents)
        Latent codes (posterior means).
    normalize : bool, default=False
        Divide by ``tr Sigma`` (dlib's ``gaussian_wasserstein_correlation_norm``).

    Returns
    -------
    wc : float
        Non-negative; 0 for uncorrelated codes; lower is more factorised.

    Notes
    -----
    ``tr sqrt(D Sigma)`` is computed as the sum of the square roots of the eigenvalues of
    the symmetric ``D^(1/2) Sigma D^(1/2)`` (similar to ``D Sigma``), which avoids a complex
    matrix square root.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.random.RandomState(0).normal(size=(1000, 2))
    >>> round(gaussian_wasserstein_correlation(np.c_[z[:, 0], z[:, 0]]), 6) > 0
    True
    """
    cov = _code_covariance(codes)
    d_half = np.sqrt(np.diag(cov))
    eig = np.linalg.eigvalsh(d_half[:, None] * cov * d_half[None, :])
    wc = 2.0 * np.trace(cov) - 2.0 * np.sum(np.sqrt(np.clip(eig, 0.0, None)))
    wc = max(0.0, float(wc))
    if normalize:
        total = np.trace(cov)
        return wc / total if total > 0 else 0.0
    return wc


# --------------------------------------------------------------------------------------
# FDR of informative latents (method.md section 2)
# --------------------------------------------------------------------------------------
@validate_params({"return_assignment": ["boolean"]}, prefer_skip_nested_validation=True)
def informative_fdr(importance, informative, feature_blocks, *, return_assignment=False):
    """False discovery rate of informative latents on data with known factor blocks.

    Each informative latent is matched to the factor block that receives most of its
    importance mass (the sum of its row of ``importance`` over the block's features).
    A latent is a false discovery when

    - it is matched to nothing: its mass is zero, or the features of no factor
      (``feature_blocks < 0``) receive more of it than any block (ties go to the block); or
    - another informative latent is matched to the same block with a larger mass on that
      block (the one with the largest mass is kept; ties keep the lower latent index).

    ``FDR = false discoveries / max(1, number of informative latents)``.

    Parameters
    ----------
    importance : array-like of shape (n_latents, n_features)
        Non-negative latent x feature importance, e.g. the FVH-LT matrix V or DBSR-LS
        Theta^2.
    informative : array-like of bool of shape (n_latents,)
        Which latents are informative (e.g. KL above 0.1 nats).
    feature_blocks : array-like of int of shape (n_features,)
        The true factor of each feature (e.g. ``abs(loadings).argmax(axis=0)``); a negative
        value marks a feature that belongs to no factor.
    return_assignment : bool, default=False
        Also return the factor matched to each latent.

    Returns
    -------
    fdr : float
        In [0, 1]; 0 when every informative latent finds its own factor.
    assignment : ndarray of int of shape (n_latents,)
        Only if ``return_assignment``: the block label each latent is matched to and kept
        for, -1 for non-informative latents and false discoveries.

    Examples
    --------
    >>> V = [[1, 1, 0, 0], [0.9, 0.8, 0, 0.1], [0, 0, 1, 1], [0, 0, 0, 0]]
    >>> informative_fdr(V, [True, True, True, False], [0, 0, 1, 1])
    0.3333333333333333
    """
    importance = _check_nonnegative_matrix(importance, "importance")
    informative = np.asarray(informative)
    if informative.dtype != bool:
        raise TypeError(f"informative must be a boolean mask, got dtype {informative.dtype}.")
    blocks = np.asarray(feature_blocks)
    if not np.issubdtype(blocks.dtype, np.integer):
        raise TypeError(f"feature_blocks must hold integers, got dtype {blocks.dtype}.")
    n_latents, n_features = importance.shape
    if informative.shape != (n_latents,):
        raise ValueError(
            f"informative has shape {informative.shape}; expected ({n_latents},) for "
            f"{n_latents} latents."
        )
    if blocks.shape != (n_features,):
        raise ValueError(
            f"feature_blocks has shape {blocks.shape}; expected ({n_features},) for "
            f"{n_features} features."
        )

    labels = np.unique(blocks[blocks >= 0])
    # columns: the factor blocks in label order, then the pool of features of no factor
    member = np.column_stack([blocks[:, None] == labels[None, :], blocks < 0])
    mass = importance @ member.astype(np.float64)  # (n_latents, n_blocks + 1)
    best = mass.argmax(axis=1)
    matched = informative & (best < len(labels)) & (mass.max(axis=1) > 0)

    # for each block, the matched latent with the largest mass on it (first on ties)
    on_block = matched[:, None] & (best[:, None] == np.arange(len(labels)))
    winner = np.where(on_block, mass[:, : len(labels)], -np.inf).argmax(axis=0)
    kept = np.zeros(n_latents, dtype=bool)
    kept[winner[on_block.any(axis=0)]] = True

    n_informative = int(informative.sum())
    fdr = float((n_informative - kept.sum()) / max(1, n_informative))
    if not return_assignment:
        return fdr
    assignment = np.full(n_latents, -1)
    assignment[kept] = labels[best[kept]]
    return fdr, assignment


# --------------------------------------------------------------------------------------
# scorers: callables (estimator, X, y) -> float, y the factor matrix
# --------------------------------------------------------------------------------------
def _codes_for_scoring(estimator, X, y, name):
    if y is None:
        raise ValueError(
            f"{name} needs the true factors as y (an array of shape (n_samples, n_factors)); "
            "got y=None. Pass them to cross_validate/GridSearchCV.fit as y."
        )
    # A Pipeline's transform already runs X through every step, the last one included.
    return estimator.transform(X), np.asarray(y)


def mig_scorer(estimator, X, y):
    """Scorer: :func:`mig_score` of ``estimator.transform(X)`` against the factors ``y``.

    Greater is better. A :class:`~sklearn.pipeline.Pipeline` is unwrapped: its first
    steps transform ``X``, its last step gives the codes.

    Parameters
    ----------
    estimator : fitted transformer or Pipeline
        Gives the codes through ``transform``.
    X : array-like of shape (n_samples, n_features)
        Data to encode.
    y : array-like of shape (n_samples, n_factors)
        True factors (required).

    Returns
    -------
    score : float
        MIG with 20 bins.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> X = np.random.RandomState(0).normal(size=(100, 3))
    >>> 0 <= mig_scorer(PCA(2).fit(X), X, X[:, :2]) <= 1
    True
    """
    codes, factors = _codes_for_scoring(estimator, X, y, "mig_scorer")
    return mig_score(codes, factors)


def dci_scorer(estimator, X, y):
    """Scorer: DCI disentanglement of ``estimator.transform(X)`` against the factors ``y``.

    Greater is better. Uses :func:`dci_scores` with its defaults and ``random_state=0``
    and returns the disentanglement D. A Pipeline is unwrapped as in :func:`mig_scorer`.

    Parameters
    ----------
    estimator : fitted transformer or Pipeline
        Gives the codes through ``transform``.
    X : array-like of shape (n_samples, n_features)
        Data to encode.
    y : array-like of shape (n_samples, n_factors)
        True factors (required).

    Returns
    -------
    score : float
        DCI disentanglement in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> X = np.random.RandomState(0).normal(size=(100, 3))
    >>> 0 <= dci_scorer(PCA(2).fit(X), X, X[:, :2]) <= 1
    True
    """
    codes, factors = _codes_for_scoring(estimator, X, y, "dci_scorer")
    return dci_scores(codes, factors, random_state=0)[0]


def sap_scorer(estimator, X, y):
    """Scorer: :func:`sap_score` (continuous factors) of ``estimator.transform(X)``.

    Greater is better. A Pipeline is unwrapped as in :func:`mig_scorer`.

    Parameters
    ----------
    estimator : fitted transformer or Pipeline
        Gives the codes through ``transform``.
    X : array-like of shape (n_samples, n_features)
        Data to encode.
    y : array-like of shape (n_samples, n_factors)
        True factors (required).

    Returns
    -------
    score : float
        SAP in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> X = np.random.RandomState(0).normal(size=(100, 3))
    >>> 0 <= sap_scorer(PCA(2).fit(X), X, X[:, :2]) <= 1
    True
    """
    codes, factors = _codes_for_scoring(estimator, X, y, "sap_scorer")
    return sap_score(codes, factors)
