"""VAE, BetaVAE and AnnealedVAE: the KL-only special cases of bfVAE."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

from skvae._base import _BaseVAE
from skvae.estimators import _docstrings as doc
from skvae.utils._sklearn_compat import Interval


class VAE(_BaseVAE):
    __doc__ = f"""Variational auto-encoder (Kingma & Welling, 2014).

    The special case ``beta=1``, ``capacity=0``, ``gamma=0`` of :class:`BFVAE`: the negative
    ELBO. {doc.OBJECTIVE_NOTE}

    Read more in the :ref:`User Guide <estimators>`.

    Parameters
    ----------
    {doc.N_COMPONENTS}
    {doc.SHARED}

    {doc.ATTRIBUTES}

    See Also
    --------
    BFVAE : The unified framework.

    Examples
    --------
    >>> from skvae import VAE
    >>> from skvae.datasets import make_factor_analysis
    >>> X, _, _ = make_factor_analysis(500, preset="FA15", random_state=0)
    >>> model = VAE(n_components=4, max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (500, 4)
    """

    def __init__(
        self,
        n_components=10,
        *,
        hidden_layer_sizes=(128, 64),
        architecture="mlp",
        input_shape=None,
        likelihood="gaussian",
        max_iter=100,
        batch_size=256,
        learning_rate=1e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        precision="float32",
        cuda_graph=False,
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        super().__init__(**self._shared(locals()))

    def _objective_params(self, total_steps):
        return {"beta": 1.0}


class BetaVAE(_BaseVAE):
    __doc__ = f"""Beta-VAE (Higgins et al., 2017): the KL term weighted by ``beta``.

    The special case ``capacity=0``, ``gamma=0`` of :class:`BFVAE`. {doc.OBJECTIVE_NOTE}

    Read more in the :ref:`User Guide <estimators>`.

    Parameters
    ----------
    {doc.N_COMPONENTS}
    beta : float, default=4.0
        Weight of the KL term. With the unit-variance Gaussian likelihood on standardised
        data, a latent survives only if its signal variance exceeds about ``beta``.
    {doc.SHARED}

    {doc.ATTRIBUTES}

    See Also
    --------
    AnnealedVAE : Beta-VAE with a capacity target.

    Examples
    --------
    >>> from skvae import BetaVAE
    >>> from skvae.datasets import make_factor_analysis
    >>> X, _, _ = make_factor_analysis(500, preset="FA15", random_state=0)
    >>> model = BetaVAE(n_components=4, beta=2.0, max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (500, 4)
    """

    _parameter_constraints: dict = {
        **_BaseVAE._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components=10,
        *,
        beta=4.0,
        hidden_layer_sizes=(128, 64),
        architecture="mlp",
        input_shape=None,
        likelihood="gaussian",
        max_iter=100,
        batch_size=256,
        learning_rate=1e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        precision="float32",
        cuda_graph=False,
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        super().__init__(**self._shared(locals()))
        self.beta = beta

    def _objective_params(self, total_steps):
        return {"beta": self.beta}


class AnnealedVAE(_BaseVAE):
    __doc__ = f"""Beta-VAE with controlled capacity increase (Burgess et al., 2018).

    A large ``beta`` pins the KL to a target ``C(t)`` that grows linearly from 0 to
    ``capacity`` nats; the special case ``gamma=0`` of :class:`BFVAE`. {doc.OBJECTIVE_NOTE}

    Read more in the :ref:`User Guide <estimators>`.

    Parameters
    ----------
    {doc.N_COMPONENTS}
    beta : float, default=100.0
        Weight of ``|KL - C(t)|``; large values keep the KL on the ramp.
    capacity : float, default=25.0
        Final capacity C in nats (total over latents).
    capacity_iter : int, default=None
        Optimisation steps of the ramp; None ramps over the first half of training.
    {doc.SHARED}

    {doc.ATTRIBUTES}

    See Also
    --------
    BFVAE : Adds a total-correlation term to the same bottleneck.

    Examples
    --------
    >>> from skvae import AnnealedVAE
    >>> from skvae.datasets import make_factor_analysis
    >>> X, _, _ = make_factor_analysis(500, preset="FA15", random_state=0)
    >>> model = AnnealedVAE(n_components=4, max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (500, 4)
    """

    _parameter_constraints: dict = {
        **_BaseVAE._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
        "capacity": [Interval(Real, 0, None, closed="left")],
        "capacity_iter": [Interval(Integral, 0, None, closed="left"), None],
    }

    def __init__(
        self,
        n_components=10,
        *,
        beta=100.0,
        capacity=25.0,
        capacity_iter=None,
        hidden_layer_sizes=(128, 64),
        architecture="mlp",
        input_shape=None,
        likelihood="gaussian",
        max_iter=100,
        batch_size=256,
        learning_rate=1e-3,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="cpu",
        precision="float32",
        cuda_graph=False,
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        super().__init__(**self._shared(locals()))
        self.beta = beta
        self.capacity = capacity
        self.capacity_iter = capacity_iter

    def _objective_params(self, total_steps):
        capacity_iter = total_steps // 2 if self.capacity_iter is None else self.capacity_iter
        return {"beta": self.beta, "capacity": self.capacity, "capacity_iter": capacity_iter}
