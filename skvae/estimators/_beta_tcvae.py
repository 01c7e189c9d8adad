"""beta-TCVAE: total correlation by minibatch-stratified sampling."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

from skvae._base import _BaseVAE
from skvae.estimators import _docstrings as doc
from skvae.utils._sklearn_compat import Interval


class BetaTCVAE(_BaseVAE):
    __doc__ = f"""Beta-TCVAE (Chen et al., 2018): ELBO plus ``gamma`` times the total correlation.

    The total correlation of the aggregate posterior is estimated on each minibatch by
    minibatch-stratified sampling, at O(batch_size^2 K) cost. In Chen et al.'s notation the
    TC weight is ``beta_tc = 1 + gamma``. The special case ``beta=1``, ``capacity=0``,
    ``tc_estimator='mss'`` of :class:`BFVAE`. {doc.OBJECTIVE_NOTE}

    Read more in the :ref:`User Guide <estimators>`.

    Parameters
    ----------
    {doc.N_COMPONENTS}
    gamma : float, default=5.0
        Extra weight of the total-correlation term (``beta_tc - 1``).
    {doc.SHARED}

    {doc.ATTRIBUTES}

    See Also
    --------
    FactorVAE : Estimates the same term with a discriminator.

    Examples
    --------
    >>> from skvae import BetaTCVAE
    >>> from skvae.datasets import make_factor_analysis
    >>> X, _, _ = make_factor_analysis(500, preset="FA15", random_state=0)
    >>> model = BetaTCVAE(n_components=4, max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (500, 4)
    """

    _parameter_constraints: dict = {
        **_BaseVAE._parameter_constraints,
        "gamma": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components=10,
        *,
        gamma=5.0,
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

    def _objective_params(self, total_steps):
        return {"beta": 1.0, "gamma": self.gamma, "tc_estimator": "mss"}
