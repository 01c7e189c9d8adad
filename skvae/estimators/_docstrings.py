"""Docstring fragments shared by the estimators (parameters every VAE has)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

N_COMPONENTS = """n_components : int, default=10
        Number of latents K. Over-specify it: surplus latents collapse to the prior
        (their KL drops to about zero) and the informative ones can be read off
        ``kl_per_latent_``."""

SHARED = """hidden_layer_sizes : tuple of int, default=(128, 64)
        Hidden widths of the encoder, input side first; the decoder mirrors them. With
        ``architecture='conv'`` these are the fully connected layers after the convolutions.
    architecture : {'mlp', 'conv'}, default='mlp'
        ``'mlp'`` for tables; ``'conv'`` for images (stride-2 convolutions after Burgess et
        al. 2018), which needs ``input_shape``.
    input_shape : tuple of int, default=None
        ``(channels, height, width)`` or ``(height, width)`` of one image, for
        ``architecture='conv'``. Rows of ``X`` are the flattened images.
    likelihood : {'gaussian', 'bernoulli'}, default='gaussian'
        ``'gaussian'``: unit-variance Gaussian, i.e. half the squared error summed over
        features (standardise the features first). ``'bernoulli'``: for data in [0, 1] such
        as images; :meth:`inverse_transform` then returns probabilities.
    max_iter : int, default=100
        Number of epochs (passes over the training data).
    batch_size : int, default=256
        Rows per optimisation step, at least 2 (a batch of one row has no batch
        statistics; a last batch of one row in an epoch is skipped). Larger batches are
        faster per epoch on CPU.
    learning_rate : float, default=1e-3
        Adam step size.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when the validation loss has
        not improved by a relative ``tol`` for ``n_iter_no_change`` epochs; the best weights
        are restored.
    validation_fraction : float, default=0.1
        Share of rows held out for early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Relative improvement of the validation loss that counts for early stopping.
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
        Where to train. ``'auto'`` uses a GPU when one is available. A model fitted on a GPU
        pickles to CPU tensors and loads on machines without one.
    precision : {'float32', 'bf16'}, default='float32'
        ``'bf16'`` runs the forward pass and the loss under bfloat16 autocast (mixed
        precision: weights, optimiser state and the outputs of ``transform`` stay float32).
        Worth trying on GPUs with bfloat16 tensor cores; on CPU it is usually slower.
    cuda_graph : bool, default=False
        On a CUDA device, capture the training step (forward, backward, Adam) once in a
        CUDA graph and replay it for every full batch. Small models are bound by
        kernel-launch overhead on a GPU: measured 7x faster for the default tabular model
        (see the performance page). Ignored on the CPU; ignored, with a warning, with the
        discriminator TC estimator or user callbacks.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, the reparameterisation noise and the
        validation split. Pass an int for reproducible results across multiple function
        calls (bit-identical on CPU).
    verbose : int, default=0
        Show a progress bar with the loss terms when positive.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (e.g. ``Checkpoint``, ``LRScheduler``,
        :class:`~skvae.callbacks.DisentanglementScoring`), run before the built-in
        progress bar and early stopping; ``fit`` runs copies of them (``callbacks_``).
        Loss terms are recorded per epoch, not per batch, with ``train_loss_best`` and
        ``valid_loss_best`` for ``Checkpoint``. skorch's ``EpochScoring`` and
        ``BatchScoring`` score predictions, which a VAE does not make: they are refused.
        The ``batch`` passed to batch callbacks lives in a buffer reused by later
        batches: copy it (``batch.clone()``) to keep it."""

ATTRIBUTES = """Attributes
    ----------
    module_ : torch.nn.Module
        The trained VAE (encoder and decoder), in eval mode, on ``device_``.
    kl_per_latent_ : ndarray of shape (n_components,)
        Mean KL divergence (nats) of each latent from the prior on the training data. A
        latent with KL above about 0.1 nats is informative.
    history_ : list of dict
        One dict per epoch: ``train_loss`` and the terms ``reconstruction``, ``kl``,
        ``capacity``, ``tc``, ``dip``, ``dur`` (plus ``valid_loss`` and
        ``discriminator_loss`` when they apply), the flags ``train_loss_best`` and
        ``valid_loss_best``, and what callbacks record.
    loss_curve_ : list of float
        Training loss per epoch.
    validation_scores_ : list of float
        Validation loss per epoch; only set with ``early_stopping=True``.
    n_iter_ : int
        Number of epochs run.
    device_ : str
        The device the model was trained on.
    callbacks_ : list
        Copies of ``callbacks`` as they ran in the fit (read their state here: the
        ``callbacks`` parameter itself is left untouched).
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings."""

OBJECTIVE_NOTE = """The loss of one minibatch, averaged over its rows, is::

        NLL(x|z) + beta * |KL - C(t)| + gamma * TC(z) + DIP penalty

    with the reconstruction NLL summed over features and the analytic KL summed over
    latents (see the user guide, "The unified objective")."""
