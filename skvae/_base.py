"""The shared base of every skvae estimator: parameters, fit, transform, scoring, sampling."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
import logging
import math
import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted

from skvae._engine import VAENet, _TensorSplit, make_callbacks, n_batches
from skvae.losses._elbo import kl_per_latent
from skvae.losses._objective import Objective
from skvae.models import ConvDecoder, ConvEncoder, Discriminator, MLPDecoder, MLPEncoder, VAEModule
from skvae.models._conv import _conv_sizes
from skvae.utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    _wrap_data_with_container,
    validate_data,
)
from skvae.utils._torch import batched, iter_batches, resolve_device, training_tensor

logger = logging.getLogger(__name__)

#: Monte-Carlo draws of eps used by score_samples. The same draws serve every sample, so the
#: score of a row does not depend on which other rows are scored with it.
_N_SCORE_DRAWS = 8


def _discard_fitted_state(estimator):
    """Delete the fitted attributes (scikit-learn's ``name_``), so a failed fit leaves none."""
    for name in [name for name in vars(estimator)
                 if name.endswith("_") and not name.startswith("__")]:
        delattr(estimator, name)


def _check_positive_integers(name, values):
    """Raise a ValueError naming ``name`` unless ``values`` is a sequence of integers >= 1."""
    try:
        valid = all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 1
                    for v in values)
    except TypeError:  # not iterable
        valid = False
    if not valid:
        raise ValueError(f"{name} must be a sequence of positive integers, got {values!r}.")


class _BaseVAE(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Base class of the VAE estimators. Subclasses define ``__init__`` and ``_objective``.

    Warning: This class should not be used directly. Use derived classes instead.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "architecture": [StrOptions({"mlp", "conv"})],
        "input_shape": ["array-like", None],
        "likelihood": [StrOptions({"gaussian", "bernoulli"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        # a batch of one row has no batch statistics (TC estimates): at least 2
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "precision": [StrOptions({"float32", "bf16"})],
        "cuda_graph": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, None],
    }

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
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.architecture = architecture
        self.input_shape = input_shape
        self.likelihood = likelihood
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.precision = precision
        self.cuda_graph = cuda_graph
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    @staticmethod
    def _shared(namespace):
        """The arguments of :class:`_BaseVAE` picked from a subclass ``__init__``'s locals."""
        return {name: namespace[name] for name in _BaseVAE._get_param_names()}

    # ------------------------------------------------------------------ subclass hooks
    def _objective_params(self):
        """Term weights of the unified objective fixed or exposed by the subclass."""
        raise NotImplementedError

    def _discriminator_params(self):
        """``(hidden_layer_sizes, learning_rate)`` of the FactorVAE discriminator, or None."""
        return None

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the VAE on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. Standardise tabular features first (e.g. with a
            :class:`~sklearn.preprocessing.StandardScaler` in a pipeline): the Gaussian
            likelihood has unit variance. For ``likelihood='bernoulli'`` values must lie in
            ``[0, 1]``.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        _discard_fitted_state(self)  # a fit that fails leaves it unfitted, not half updated
        # Row-major: minibatches gather rows, which is slow on column-major data.
        X = validate_data(self, X, dtype=np.float32, order="C", ensure_min_samples=2)
        self._check_input(X)
        device = resolve_device(self.device)
        rng = check_random_state(self.random_state)
        seed_init, seed_noise, seed_shuffle, seed_split, seed_score, seed_disc = rng.randint(
            np.iinfo(np.int32).max, size=6
        )
        train_split, n_train = self._make_split(len(X), seed_split)
        objective = Objective(
            likelihood=self.likelihood,
            dataset_size=n_train,
            **self._objective_params(n_batches(n_train, self.batch_size) * self.max_iter),
        )
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed_init))
            module = self._build_module(X.shape[1])
        disc_params = self._discriminator_params()
        discriminator = (
            partial(Discriminator, self.n_components, tuple(int(h) for h in disc_params[0]))
            if disc_params
            else None
        )
        # What the fitted methods use (training callbacks score snapshots of the model):
        # the fitted configuration, not parameters set after the fit.
        self._likelihood = self.likelihood
        self._score_seed = int(seed_score)
        noise = torch.Generator(device=device).manual_seed(int(seed_noise))
        cuda_graph = self._use_cuda_graph(device, discriminator)
        # Copies: skorch initialises callbacks in place, and fit must not change parameters.
        user_callbacks = copy.deepcopy(list(self.callbacks or []))
        net = VAENet(
            module,
            criterion=torch.nn.Identity,  # unused: the objective computes the loss
            optimizer=torch.optim.Adam,
            lr=self.learning_rate,
            optimizer__fused=True,
            optimizer__capturable=cuda_graph,
            max_epochs=self.max_iter,
            batch_size=self.batch_size,
            train_split=train_split,
            callbacks=make_callbacks(
                early_stopping=self.early_stopping,
                n_iter_no_change=self.n_iter_no_change,
                tol=self.tol,
                verbose=self.verbose,
                callbacks=user_callbacks,
            ),
            device=device,
            verbose=0,
            objective=objective,
            generator=noise,
            shuffle_generator=torch.Generator().manual_seed(int(seed_shuffle)),
            discriminator=discriminator,
            discriminator_seed=int(seed_disc),
            discriminator_lr=disc_params[1] if disc_params else 1e-4,
            description=type(self).__name__,
            autocast_bf16=self.precision == "bf16",
            cuda_graph=cuda_graph,
            estimator_at=partial(self._estimator_at, device),
        )
        net.fit(training_tensor(X, device), None)

        self.module_ = net.module_.eval()
        if discriminator is not None:
            self.discriminator_ = net.discriminator_.eval()
        self.device_ = device
        self.callbacks_ = user_callbacks
        self.history_ = [{k: v for k, v in row.items() if k != "batches"} for row in net.history]
        self.n_iter_ = len(self.history_)
        self.loss_curve_ = [row["train_loss"] for row in self.history_]
        if self.early_stopping:
            self.validation_scores_ = [row["valid_loss"] for row in self.history_]
        self.kl_per_latent_ = self._mean_kl(X)
        if net.interrupted_:
            warnings.warn(
                f"Training was interrupted after {self.n_iter_} of {self.max_iter} epochs; "
                "the estimator holds the partially trained model.",
                UserWarning,
                stacklevel=3,  # past the _fit_context wrapper
            )
        logger.info(
            "%s: %d epochs, final loss %.4g, informative latents (KL > 0.1): %d",
            type(self).__name__, self.n_iter_, self.loss_curve_[-1] if self.loss_curve_ else np.nan,
            int((self.kl_per_latent_ > 0.1).sum()),
        )
        return self

    def _estimator_at(self, device, module, X):
        """A shallow copy of this estimator holding ``module`` as its fitted module.

        What training callbacks score (:class:`~skvae.callbacks.DisentanglementScoring`):
        the fitted methods work on it, and its ``kl_per_latent_`` is measured on ``X``.
        """
        estimator = copy.copy(self)
        estimator.module_, estimator.device_ = module, device
        estimator.kl_per_latent_ = estimator._mean_kl(X)
        return estimator

    def _use_cuda_graph(self, device, discriminator):
        """Whether to replay the training step from a CUDA graph (``cuda_graph=True``)."""
        if not self.cuda_graph or device != "cuda":
            return False
        # A graph replays a fixed sequence of kernels: the discriminator's separate update
        # and user callbacks (which may act on gradients between backward and the optimiser
        # step) cannot run inside it.
        reason = ("the discriminator TC estimator" if discriminator is not None
                  else "user callbacks" if self.callbacks else None)
        if reason:
            warnings.warn(f"cuda_graph=True is ignored with {reason}; training runs eagerly.",
                          UserWarning, stacklevel=3)
            return False
        return True

    @staticmethod
    def _check_range(X, likelihood):
        if likelihood == "bernoulli" and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                "likelihood='bernoulli' needs values in [0, 1]; got values in "
                f"[{X.min():.3g}, {X.max():.3g}]. Rescale X or use likelihood='gaussian'."
            )

    def _check_input(self, X):
        self._check_range(X, self.likelihood)
        if self.architecture == "conv":
            if self.input_shape is None or len(self.input_shape) not in (2, 3):
                raise ValueError(
                    "architecture='conv' needs input_shape=(channels, height, width) or "
                    f"(height, width), got input_shape={self.input_shape!r}."
                )
            _check_positive_integers("input_shape", self.input_shape)
            if math.prod(self.input_shape) != X.shape[1]:
                raise ValueError(
                    f"input_shape={tuple(self.input_shape)} holds {math.prod(self.input_shape)} "
                    f"values but X has {X.shape[1]} features."
                )
            # every convolution (kernel 4, padding 1) needs at least 2 pixels on each side
            conv_inputs = _conv_sizes(*self.input_shape[-2:])[:-1]
            if min((min(size) for size in conv_inputs), default=2) < 2:
                raise ValueError(
                    f"input_shape={tuple(self.input_shape)} is too thin for the stride-2 "
                    "convolutions (kernel 4): each side must keep at least 2 pixels until "
                    "both are at most 4. Use architecture='mlp'."
                )
        _check_positive_integers("hidden_layer_sizes", self.hidden_layer_sizes)
        disc_params = self._discriminator_params()
        if disc_params:
            _check_positive_integers("discriminator_hidden_layer_sizes", disc_params[0])

    def _make_split(self, n_samples, seed):
        """The validation split for early stopping: (skorch train_split or None, n_train)."""
        if not self.early_stopping:
            return None, n_samples
        n_valid = int(round(self.validation_fraction * n_samples))
        if n_valid < 2 or n_samples - n_valid < 2:
            raise ValueError(
                f"early_stopping with validation_fraction={self.validation_fraction} leaves "
                f"{n_valid} validation and {n_samples - n_valid} training rows out of "
                f"{n_samples}; both need at least 2. Use more rows or early_stopping=False."
            )
        valid_index = np.random.RandomState(seed).permutation(n_samples)[:n_valid]
        return _TensorSplit(torch.from_numpy(valid_index)), n_samples - n_valid

    def _build_module(self, n_features):
        hidden = tuple(int(h) for h in self.hidden_layer_sizes)
        if self.architecture == "conv":
            shape = tuple(self.input_shape)
            shape = shape if len(shape) == 3 else (1, *shape)
            encoder = ConvEncoder(shape, self.n_components, hidden)
            decoder = ConvDecoder(self.n_components, shape, hidden[::-1])
        else:
            encoder = MLPEncoder(n_features, self.n_components, hidden)
            decoder = MLPDecoder(self.n_components, n_features, hidden[::-1])
        return VAEModule(encoder, decoder)

    def _mean_kl(self, X):
        # Summed per batch, so memory stays bounded on large data.
        total = 0.0
        with torch.inference_mode():
            for x in iter_batches(X, self.device_):
                total = total + kl_per_latent(*self.module_.encoder(x)).sum(0).double()
        return total.cpu().numpy() / len(X)

    # ------------------------------------------------------------------ inference
    def transform(self, X, return_std=False):
        """Encode ``X`` to the posterior means of the latents (deterministic).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.
        return_std : bool, default=False
            Also return the posterior standard deviations ``sigma(x)`` of q(z|x), the
            encoder's uncertainty about each code. A collapsed latent has ``sigma`` near 1
            (its prior's), an informative one well below.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            Posterior means, float32.
        Z_std : ndarray of shape (n_samples, n_components)
            Posterior standard deviations, float32 (a DataFrame like ``Z`` under
            ``set_output(transform="pandas")``). Only returned when ``return_std`` is
            True.
        """
        check_is_fitted(self)
        if not isinstance(return_std, (bool, np.bool_)):
            raise ValueError(f"return_std must be a bool, got {return_std!r}.")
        Z = validate_data(self, X, dtype=np.float32, reset=False)
        if not return_std:
            return batched(lambda x: self.module_.encoder(x)[0], Z, self.device_)

        def mean_and_std(x):
            mu, logvar = self.module_.encoder(x)
            return mu, torch.exp(0.5 * logvar)

        Z, Z_std = batched(mean_and_std, Z, self.device_)
        # set_output wraps the first output; the second gets the same container.
        return Z, _wrap_data_with_container("transform", Z_std, X, self)

    def inverse_transform(self, X):
        """Decode latent codes to the means of p(x|z).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Latent codes, e.g. the output of :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Decoder means (probabilities for ``likelihood='bernoulli'``), float32.
        """
        check_is_fitted(self)
        Z = check_array(X, input_name="X", dtype=np.float32)
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"inverse_transform expects latent codes with {self._n_features_out} columns "
                f"(the fitted n_components), got {Z.shape[1]}."
            )
        return batched(self._decode_mean, Z, self.device_)

    def _decode_mean(self, z):
        x_params = self.module_.decoder(z)
        return torch.sigmoid(x_params) if self._likelihood == "bernoulli" else x_params

    def sample(self, n_samples=1, random_state=None):
        """Draw latent codes from the prior N(0, I) and decode their means.

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
        Z : ndarray of shape (n_samples, n_components)
            The sampled latent codes.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        rng = check_random_state(random_state)
        Z = rng.standard_normal((n_samples, self._n_features_out)).astype(np.float32)
        return self.inverse_transform(Z), Z

    def score_samples(self, X):
        """Evidence lower bound (ELBO) of each sample, in nats (a lower bound on log p(x)).

        ``ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z))``, with the KL computed analytically and
        the expectation estimated from 8 fixed draws of the reparameterisation noise (seeded
        at fit time and shared by all rows, so a row's score does not depend on the others,
        up to float64 rounding). The Gaussian log-likelihood includes its
        ``-0.5 * log(2 pi)`` constant per feature. A row so far outside the training data
        that its ELBO overflows float64 scores ``-inf``, with a warning.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
            Per-sample ELBO (float64).
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        self._check_range(X, self._likelihood)  # Bernoulli: undefined outside [0, 1]
        eps = torch.from_numpy(
            np.random.RandomState(self._score_seed).standard_normal(
                (_N_SCORE_DRAWS, self._n_features_out)
            )
        ).to(self.device_)
        objective = Objective(likelihood=self._likelihood)
        # Float64 makes a row's score independent of the batch it is computed in, to about
        # 1e-15 (float32 matrix products round differently for different batch sizes).
        module = copy.deepcopy(self.module_).double()

        def elbo(x):
            x = x.double()
            mu, logvar = module.encoder(x)
            z = mu.unsqueeze(0) + eps.unsqueeze(1) * torch.exp(0.5 * logvar).unsqueeze(0)
            x_params = module.decoder(z.reshape(-1, eps.shape[1]))
            nll = objective.reconstruction_nll(
                x.repeat(_N_SCORE_DRAWS, 1), x_params, constant=True
            ).view(_N_SCORE_DRAWS, -1)
            return -nll.mean(0) - kl_per_latent(mu, logvar).sum(1)

        scores = batched(elbo, X, self.device_, batch_size=2048).astype(np.float64)
        overflow = ~np.isfinite(scores)  # NaN from inf - inf: the ELBO is not above -inf
        if overflow.any():
            warnings.warn(
                f"The ELBO of {overflow.sum()} of {len(scores)} rows overflowed float64 "
                "(values far outside the training data); they score -inf.",
                RuntimeWarning, stacklevel=2,
            )
            scores[overflow] = -np.inf
        return scores

    def score(self, X, y=None):
        """Mean ELBO of ``X`` in nats (greater is better); see :meth:`score_samples`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float
            Mean per-sample evidence lower bound.
        """
        return float(np.mean(self.score_samples(X)))

    # ------------------------------------------------------------------ persistence, tags
    def __getstate__(self):
        # A copy: on Python >= 3.11 the inherited state is the instance's own __dict__.
        state = dict(super().__getstate__())
        if getattr(self, "device_", "cpu") != "cpu":
            # Pickles always hold CPU tensors, so a GPU-fitted model loads anywhere.
            for name in ("module_", "discriminator_"):
                if name in state:
                    state[name] = copy.deepcopy(state[name]).cpu()
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        device = getattr(self, "device_", "cpu")
        if device != "cpu":
            if torch.cuda.is_available():
                for name in ("module_", "discriminator_"):
                    if hasattr(self, name):
                        getattr(self, name).to(device)
            else:
                self.device_ = "cpu"

    def __sklearn_is_fitted__(self):
        return hasattr(self, "module_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.input_tags.allow_nan = False
        tags.non_deterministic = self.device == "cuda" or (
            self.device == "auto" and torch.cuda.is_available()
        )
        return tags

    @property
    def _n_features_out(self):
        # The fitted width (an AttributeError before fit, which get_feature_names_out
        # turns into NotFittedError).
        return self.kl_per_latent_.shape[0]
