"""FactorVAE: total correlation penalised through a discriminator."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

from skvae._base import _BaseVAE
from skvae.estimators import _docstrings as doc
from skvae.utils._sklearn_compat import Interval


class FactorVAE(_BaseVAE):
    __doc__ = f"""FactorVAE (Kim & Mnih, 2018): ELBO plus ``gamma`` times a discriminator's TC.

    A discriminator learns to tell samples of q(z) from dimension-wise permuted ones; its
    log-odds estimate the total correlation. VAE and discriminator take alternating Adam
    steps on each minibatch. The special case ``beta=1``, ``tc_estimator='discriminator'`` of
    :class:`BFVAE`. {doc.OBJECTIVE_NOTE}

    Read more in the :ref:`User Guide <estimators>`.

    Parameters
    ----------
    {doc.N_COMPONENTS}
    gamma : float, default=10.0
        Weight of the total-correlation term.
    discriminator_hidden_layer_sizes : tuple of int, default=(256, 256)
        Hidden widths of the discriminator (LeakyReLU 0.2). Kim & Mnih used six layers of
        1000, which costs about 30 times the CPU time of this default for no visible
        gain on tables with a few factors; pass ``(1000,) * 6`` to reproduce them.
    discriminator_learning_rate : float, default=1e-4
        Adam step of the discriminator (betas 0.5, 0.9).
    {doc.SHARED}

    {doc.ATTRIBUTES}
    discriminator_ : torch.nn.Module
        The trained discriminator.

    See Also
    --------
    BetaTCVAE : Estimates the same term without a discriminator.

    Examples
    --------
    >>> from skvae import FactorVAE
    >>> from skvae.datasets import make_factor_analysis
    >>> X, _, _ = make_factor_analysis(500, preset="FA15", random_state=0)
    >>> model = FactorVAE(n_components=4, discriminator_hidden_layer_sizes=(16,),
    ...                   max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (500, 4)
    """

    _parameter_constraints: dict = {
        **_BaseVAE._parameter_constraints,
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "discriminator_hidden_layer_sizes": ["array-like"],
        "discriminator_learning_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        n_components=10,
        *,
        gamma=10.0,
        discriminator_hidden_layer_sizes=(256, 256),
        discriminator_learning_rate=1e-4,
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
        self.gamma = gamma
        self.discriminator_hidden_layer_sizes = discriminator_hidden_layer_sizes
        self.discriminator_learning_rate = discriminator_learning_rate

    def _objective_params(self, total_steps):
        return {"beta": 1.0, "gamma": self.gamma, "tc_estimator": "discriminator"}

    def _discriminator_params(self):
        return self.discriminator_hidden_layer_sizes, self.discriminator_learning_rate
