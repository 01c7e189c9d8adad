"""DIP-VAE: moment matching of the aggregate posterior's covariance."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

from skvae._base import _BaseVAE
from skvae.estimators import _docstrings as doc
from skvae.utils._sklearn_compat import Interval, StrOptions


class DIPVAE(_BaseVAE):
    __doc__ = f"""DIP-VAE (Kumar et al., 2018): ELBO plus a penalty pushing Cov[z] toward I.

    ``lambda_od * sum_(i != j) C_ij^2 + lambda_d * sum_i (C_ii - 1)^2`` with ``C`` the
    covariance of the posterior means (type I) or of ``z`` (type II). The special case
    ``beta=1``, ``gamma=0`` of :class:`BFVAE`. {doc.OBJECTIVE_NOTE}

    Read more in the :ref:`User Guide <estimators>`.

    Parameters
    ----------
    {doc.N_COMPONENTS}
    lambda_od : float, default=10.0
        Weight of the off-diagonal penalty.
    lambda_d : float, default=None
        Weight of the diagonal penalty; None follows Kumar et al.: ``10 * lambda_od`` for
        type I and ``lambda_od`` for type II.
    dip_type : {{'i', 'ii'}}, default='ii'
        Which covariance is matched.
    {doc.SHARED}

    {doc.ATTRIBUTES}

    See Also
    --------
    BFVAE : The unified framework, where the DIP terms combine with capacity and TC.

    Examples
    --------
    >>> from skvae import DIPVAE
    >>> from skvae.datasets import make_factor_analysis
    >>> X, _, _ = make_factor_analysis(500, preset="FA15", random_state=0)
    >>> model = DIPVAE(n_components=4, max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (500, 4)
    """

    _parameter_constraints: dict = {
        **_BaseVAE._parameter_constraints,
        "lambda_od": [Interval(Real, 0, None, closed="left")],
        "lambda_d": [Interval(Real, 0, None, closed="left"), None],
        "dip_type": [StrOptions({"i", "ii"})],
    }

    def __init__(
        self,
        n_components=10,
        *,
        lambda_od=10.0,
        lambda_d=None,
        dip_type="ii",
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
        self.lambda_od = lambda_od
        self.lambda_d = lambda_d
        self.dip_type = dip_type

    def _objective_params(self, total_steps):
        lambda_d = self.lambda_d
        if lambda_d is None:
            lambda_d = 10.0 * self.lambda_od if self.dip_type == "i" else self.lambda_od
        return {"beta": 1.0, "lambda_od": self.lambda_od, "lambda_d": lambda_d,
                "dip_type": self.dip_type}
