"""Factor analysis with the factor model's decoder, for evaluation next to the VAEs."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.decomposition import FactorAnalysis
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted


class DecodingFactorAnalysis(FactorAnalysis):
    """Factor analysis with ``inverse_transform``, the linear baseline of the VAEs.

    scikit-learn's :class:`~sklearn.decomposition.FactorAnalysis` with the same
    parameters, plus the decoder of the factor model, ``E[x | z] = z W + mean``: FVH-LT
    (and so :func:`~skvae.evaluate`, the LSDI and the scorers) needs a decoder to traverse
    the latents. With ``rotation='varimax'`` it is the strongest linear baseline of
    :ref:`the paper comparison <reproduction>`.

    Parameters
    ----------
    n_components : int, default=None
        Number of factors (all features when None).
    tol : float, default=1e-2
        Stopping tolerance of the log-likelihood increase.
    copy : bool, default=True
        Copy X before fitting.
    max_iter : int, default=1000
        Maximum number of iterations.
    noise_variance_init : array-like of shape (n_features,), default=None
        Initial noise variance of each feature.
    svd_method : {'lapack', 'randomized'}, default='randomized'
        SVD solver.
    iterated_power : int, default=3
        Power iterations of the randomized SVD.
    rotation : {'varimax', 'quartimax'}, default=None
        Rotation of the loadings; ``'varimax'`` favours one factor per feature.
    random_state : int or RandomState instance, default=0
        Seed of the randomized SVD.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Loadings ``W``.
    mean_ : ndarray of shape (n_features,)
        Per-feature mean.
    noise_variance_ : ndarray of shape (n_features,)
        Estimated noise variance of each feature.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.
    n_iter_ : int
        Number of iterations run.
    loglike_ : list of float
        Log-likelihood at each iteration.

    See Also
    --------
    sklearn.decomposition.FactorAnalysis : The model, without a decoder.
    skvae.evaluate : The label-free evaluation this decoder enables.

    Examples
    --------
    >>> from skvae.datasets import make_factor_analysis
    >>> from skvae.estimators import DecodingFactorAnalysis
    >>> X, _, _ = make_factor_analysis(500, preset="FA15", random_state=0)
    >>> fa = DecodingFactorAnalysis(n_components=3, rotation="varimax").fit(X)
    >>> fa.inverse_transform(fa.transform(X[:2])).shape
    (2, 15)
    """

    def inverse_transform(self, X):
        """Mean of the data given factor scores: ``X @ components_ + mean_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Factor scores, e.g. from :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            The decoded rows (float64).
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=np.float64)
        n_components = self.components_.shape[0]
        if Z.shape[1] != n_components:
            raise ValueError(
                f"X has {Z.shape[1]} columns, but this model has {n_components} factors."
            )
        return Z @ self.components_ + self.mean_
