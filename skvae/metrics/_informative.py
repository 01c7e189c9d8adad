"""Informative latents of a fitted estimator, and latent/feature names for the metrics."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils.validation import check_is_fitted

from skvae.utils._sklearn_compat import Interval, validate_params

__all__ = ["informative_latents"]


def _final_step(estimator):
    """``(leading steps or None, model)``: the model that a fitted wrapper stands for.

    A fitted search (``best_estimator_``, as of
    :class:`~sklearn.model_selection.GridSearchCV`) stands for its best estimator and a
    :class:`~sklearn.pipeline.Pipeline` for its last step, recursively. The leading
    steps met on the way (which transform ``X`` into the model's input) are returned as
    one Pipeline, or None when there are none.
    """
    leading = []
    while True:
        if isinstance(estimator, Pipeline):
            if len(estimator) > 1:
                leading.append(estimator[:-1])
            estimator = estimator[-1]
        elif hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        else:
            break
    if not leading:
        return None, estimator
    return (leading[0] if len(leading) == 1 else make_pipeline(*leading)), estimator


def _input_feature_names(leading, final, X, n_features):
    """Names of the features the model sees (those of the heat-map columns).

    ``leading`` and ``final`` as returned by :func:`_final_step`; ``X`` is the
    model's input.
    """
    names = getattr(final, "feature_names_in_", None)
    if names is None and leading is not None:
        try:
            names = leading.get_feature_names_out()
        except (AttributeError, TypeError, ValueError):
            names = None
    if names is None:
        names = getattr(X, "columns", None)
    if names is None or len(names) != n_features:
        return [f"x{j}" for j in range(n_features)]
    return [str(n) for n in names]


def _n_latents(estimator):
    """Number of latents of a fitted estimator, or None when it cannot be told.

    Looked up in this order: ``kl_per_latent_``, ``n_components_``,
    ``components_.shape[0]``, ``len(get_feature_names_out())``.
    """
    kl = getattr(estimator, "kl_per_latent_", None)
    if kl is not None:
        return int(np.size(kl))
    n = getattr(estimator, "n_components_", None)
    if n is not None:
        return int(n)
    components = getattr(estimator, "components_", None)
    if components is not None:
        return int(np.shape(components)[0])
    try:
        return len(estimator.get_feature_names_out())
    except (AttributeError, TypeError, ValueError, NotFittedError):
        return None


def _validate_mask(mask, n_latents, name="mask"):
    """Return ``mask`` as a 1-D boolean array of length ``n_latents``."""
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(
            f"{name} must be an array of booleans (one per latent), got dtype {mask.dtype}."
        )
    if mask.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one boolean per latent), got shape {mask.shape}.")
    if n_latents is not None and mask.shape[0] != n_latents:
        raise ValueError(
            f"{name} has {mask.shape[0]} entries, one per latent, but there are {n_latents} "
            "latents."
        )
    return mask.copy()


def _informative_mask(estimator, *, threshold=0.1, mask=None, n_latents=None):
    """Implementation of :func:`informative_latents` with a known width ``n_latents``."""
    check_is_fitted(estimator)
    width = _n_latents(estimator)
    if width is None:
        width = n_latents
    elif n_latents is not None and width != n_latents:
        raise ValueError(
            f"The estimator reports {width} latents but its codes have {n_latents} columns."
        )
    if mask is not None:
        return _validate_mask(mask, width, name="informative")
    kl = getattr(estimator, "kl_per_latent_", None)
    if kl is not None:
        kl = np.asarray(kl, dtype=float).ravel()
        return kl > threshold
    if width is None:
        raise TypeError(
            f"Cannot tell how many latents {type(estimator).__name__} has (no kl_per_latent_, "
            "n_components_, components_ or get_feature_names_out); pass the mask explicitly."
        )
    return np.ones(width, dtype=bool)


@validate_params(
    {
        "estimator": "no_validation",
        "threshold": [Interval(Real, 0, None, closed="left")],
        "mask": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def informative_latents(estimator, *, threshold=0.1, mask=None):
    """Boolean mask of the informative latents of a fitted estimator.

    A latent is informative when its mean KL divergence to the prior on the training
    data (``estimator.kl_per_latent_``, in nats) exceeds ``threshold``. Estimators
    without ``kl_per_latent_`` (PCA, FastICA, FactorAnalysis, ...) have no collapsed
    latents: every component counts as informative.

    Parameters
    ----------
    estimator : object
        A fitted transformer. Its width is read from ``kl_per_latent_``,
        ``n_components_``, ``components_`` or ``get_feature_names_out()``. A
        :class:`~sklearn.pipeline.Pipeline` stands for its last step and a fitted
        search (``best_estimator_``) for its best estimator.
    threshold : float, default=0.1
        KL threshold in nats; only used with ``kl_per_latent_``.
    mask : array-like of bool of shape (n_latents,), default=None
        An explicit mask. When given it is validated (boolean, one entry per
        latent) and returned instead.

    Returns
    -------
    informative : ndarray of bool of shape (n_latents,)
        True for the informative latents.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from skvae.metrics import informative_latents
    >>> pca = PCA(n_components=2).fit(np.random.RandomState(0).rand(20, 4))
    >>> informative_latents(pca)
    array([ True,  True])
    """
    return _informative_mask(_final_step(estimator)[1], threshold=threshold, mask=mask)


def _latent_and_feature_names(estimator, n_latents=None, n_features=None):
    """Latent and input feature names of a fitted estimator.

    Latent names come from ``estimator.get_feature_names_out()`` (for example
    ``pca0, pca1, ...``), else ``z0, z1, ...``. Feature names come from
    ``estimator.feature_names_in_``, else ``x0, x1, ...``. A name list whose length
    disagrees with ``n_latents`` / ``n_features`` (when given) is replaced by the
    default names.

    Parameters
    ----------
    estimator : object
        A fitted transformer.
    n_latents : int, default=None
        Expected number of latents.
    n_features : int, default=None
        Expected number of input features; default ``estimator.n_features_in_``.

    Returns
    -------
    latent_names : list of str
    feature_names : list of str
    """
    try:
        latent_names = [str(n) for n in estimator.get_feature_names_out()]
    except (AttributeError, TypeError, ValueError, NotFittedError):
        latent_names = None
    if n_latents is None:
        n_latents = _n_latents(estimator)
    if latent_names is None or (n_latents is not None and len(latent_names) != n_latents):
        latent_names = [f"z{k}" for k in range(n_latents or 0)]

    if n_features is None:
        n_features = getattr(estimator, "n_features_in_", None)
    names_in = getattr(estimator, "feature_names_in_", None)
    if names_in is not None and (n_features is None or len(names_in) == n_features):
        feature_names = [str(n) for n in names_in]
    else:
        feature_names = [f"x{j}" for j in range(n_features or 0)]
    return latent_names, feature_names
