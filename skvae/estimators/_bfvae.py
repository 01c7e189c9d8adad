"""BFVAE: the unified bfVAE framework with every term of the objective free."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

from skvae._base import _BaseVAE
from skvae.estimators import _docstrings as doc
from skvae.utils._sklearn_compat import Interval, StrOptions


class BFVAE(_BaseVAE):
    __doc__ = f"""Unified bfVAE: capacity-controlled KL, total correlation and DIP terms.

    The framework of Lang, Rahman & Liu (arXiv 2603.11242): every benchmark VAE is a special
    case (:class:`VAE`, :class:`BetaVAE`, :class:`AnnealedVAE`, :class:`FactorVAE`,
    :class:`BetaTCVAE`, :class:`DIPVAE`). {doc.OBJECTIVE_NOTE}

    Read more in the :ref:`User Guide <estimators>`.

    Parameters
    ----------
    {doc.N_COMPONENTS}
    beta : float, default=0.5
        Weight of the information bottleneck ``|KL - C(t)|``. On standardised data with the
        unit-variance Gaussian likelihood, ``beta > 1`` collapses every latent whose signal
        variance is below ``beta``: buy information with ``capacity`` or a smaller ``beta``.
        The default 0.5 was chosen by ``benchmarks/tune_bfvae.py`` (mean LSDI over FA15,
        FA24, white wine and FIFA 0.786 against 0.581 at ``beta=1``, with no spurious
        latent on the simulated tables).
    capacity : float, default=0.0
        Target total KL ``C`` in nats, reached by a linear ramp (Burgess et al., 2018). With
        0 the bottleneck term is ``beta * KL``.
    capacity_iter : int, default=None
        Optimisation steps of the ramp; None ramps over the first half of training.
    gamma : float, default=5.0
        Weight of the total correlation of the aggregate posterior. This term aligns the
        latents with independent non-Gaussian factors.
    tc_estimator : {{'mss', 'discriminator'}}, default='mss'
        ``'mss'``: minibatch-stratified sampling (beta-TCVAE, Chen et al. 2018).
        ``'discriminator'``: density-ratio trick with a discriminator trained in alternation
        (FactorVAE, Kim & Mnih 2018).
    lambda_od : float, default=0.0
        DIP-VAE weight on the squared off-diagonal covariance of the aggregate posterior.
    lambda_d : float, default=0.0
        DIP-VAE weight on the squared deviation of its diagonal from 1.
    dip_type : {{'i', 'ii'}}, default='ii'
        DIP-VAE-I uses the covariance of the posterior means, DIP-VAE-II that of ``z``.
    discriminator_hidden_layer_sizes : tuple of int, default=(256, 256)
        Hidden widths of the FactorVAE discriminator (LeakyReLU 0.2); Kim & Mnih used
        ``(1000,) * 6``.
    discriminator_learning_rate : float, default=1e-4
        Adam step of the discriminator (betas 0.5, 0.9).
    {doc.SHARED}

    {doc.ATTRIBUTES}
    discriminator_ : torch.nn.Module
        The trained discriminator; only with ``tc_estimator='discriminator'`` and
        ``gamma > 0``.

    See Also
    --------
    BetaTCVAE : The special case with ``beta=1``, no capacity and the MSS estimator.
    FactorVAE : The special case with a discriminator.

    References
    ----------
    .. [1] Lang, Rahman & Liu, "A Unified Latent Space Disentanglement VAE Framework with
       Robust Disentanglement Effectiveness Evaluation", arXiv 2603.11242, 2026.

    Examples
    --------
    >>> from skvae import BFVAE
    >>> from skvae.datasets import make_factor_analysis
    >>> X, _, _ = make_factor_analysis(500, preset="FA15", random_state=0)
    >>> model = BFVAE(n_components=4, max_iter=2, random_state=0).fit(X)
    >>> model.transform(X).shape
    (500, 4)
    """

    _parameter_constraints: dict = {
        **_BaseVAE._parameter_constraints,
        "beta": [Interval(Real, 0, None, closed="left")],
        "capacity": [Interval(Real, 0, None, closed="left")],
        "capacity_iter": [Interval(Integral, 0, None, closed="left"), None],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "tc_estimator": [StrOptions({"mss", "discriminator"})],
        "lambda_od": [Interval(Real, 0, None, closed="left")],
        "lambda_d": [Interval(Real, 0, None, closed="left")],
        "dip_type": [StrOptions({"i", "ii"})],
        "discriminator_hidden_layer_sizes": ["array-like"],
        "discriminator_learning_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        n_components=10,
        *,
        beta=0.5,
        capacity=0.0,
        capacity_iter=None,
        gamma=5.0,
        tc_estimator="mss",
        lambda_od=0.0,
        lambda_d=0.0,
        dip_type="ii",
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
        self.beta = beta
        self.capacity = capacity
        self.capacity_iter = capacity_iter
        self.gamma = gamma
        self.tc_estimator = tc_estimator
        self.lambda_od = lambda_od
        self.lambda_d = lambda_d
        self.dip_type = dip_type
        self.discriminator_hidden_layer_sizes = discriminator_hidden_layer_sizes
        self.discriminator_learning_rate = discriminator_learning_rate

    def _objective_params(self, total_steps):
        capacity_iter = total_steps // 2 if self.capacity_iter is None else self.capacity_iter
        return {
            "beta": self.beta,
            "capacity": self.capacity,
            "capacity_iter": capacity_iter,
            "gamma": self.gamma,
            "tc_estimator": self.tc_estimator,
            "lambda_od": self.lambda_od,
            "lambda_d": self.lambda_d,
            "dip_type": self.dip_type,
        }

    def _discriminator_params(self):
        if self.gamma > 0 and self.tc_estimator == "discriminator":
            return self.discriminator_hidden_layer_sizes, self.discriminator_learning_rate
        return None
