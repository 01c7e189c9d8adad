"""The private training engine: a skorch ``NeuralNet`` tuned for small VAEs.

This is the only module that imports skorch. The public estimators build a fresh net in
``fit`` and keep only the trained torch modules; skorch provides the epoch loop, the
callback protocol (early stopping, checkpoints, user callbacks) and the history.
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import logging

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import BatchScoring, Callback, EarlyStopping, EpochScoring, EpochTimer

from skvae.losses._objective import TERM_NAMES, capacity_at, discriminator_loss

logger = logging.getLogger(__name__)


class _Rows:
    """Rows of a 2-D tensor, all of them or the subset ``index`` (no copy is made)."""

    def __init__(self, data, index=None):
        self.data = data
        self.index = index

    def __len__(self):
        return len(self.data) if self.index is None else len(self.index)


def n_batches(n_rows, batch_size):
    """Minibatches per epoch: the full ones, and the last unless it has a single row."""
    batch_size = min(batch_size, n_rows)
    return n_rows // batch_size + (n_rows % batch_size > 1)


class _SliceIterator:
    """Minibatches of rows of a tensor, gathered by a shuffled row index in large chunks.

    Avoids the per-sample collation of a ``DataLoader`` (1.2x to 1.8x slower on small
    models), and never copies the whole table: rows are gathered (one ``index_select``)
    into a chunk buffer of about ``CHUNK_BYTES``, a whole number of batches, reused
    across chunks (safe because each step is done with its batch, in stream order on a
    GPU, before the next gather), and batches are contiguous slices of the chunk; full
    data in order is sliced without a copy. Data kept in pinned host memory for a CUDA fit
    is gathered into a pinned chunk from torch's caching host allocator and copied to the
    device asynchronously. A last batch with a single row is dropped (batch statistics
    need two).
    """

    #: One gather per batch ran after a training step had pushed the table out of the
    #: CPU caches: 85-120 us a batch at batch 256 (6-8% of the step); one gather per
    #: chunk of 8 MiB costs no more than slicing a shuffled copy of the whole table.
    CHUNK_BYTES = 8 * 2**20

    def __init__(self, rows, batch_size, shuffle, device, generator=None):
        self.rows = rows
        self.batch_size = min(batch_size, len(rows))
        self.shuffle = shuffle
        self.device = torch.device(device)
        self.generator = generator

    def __len__(self):
        return n_batches(len(self.rows), self.batch_size)

    def __iter__(self):
        data, index = self.rows.data, self.rows.index
        n = len(self.rows)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(data.device)
            index = order if index is None else index.to(data.device)[order]
        elif index is not None:
            index = index.to(data.device)
        if index is None:
            for batch in self._batches(data):
                yield batch.to(self.device, non_blocking=True)
            return
        row_bytes = data[0].numel() * data.element_size()
        chunk_rows = self.batch_size * max(1, self.CHUNK_BYTES // (self.batch_size * row_bytes))
        on_host = data.device.type == "cpu" and self.device.type != "cpu"
        shape = (min(chunk_rows, n), *data.shape[1:])
        buffer = None if on_host else torch.empty(shape, dtype=data.dtype, device=data.device)
        for start in range(0, n, chunk_rows):
            rows = index[start : start + chunk_rows]
            chunk = (torch.empty((len(rows), *shape[1:]), dtype=data.dtype, pin_memory=True)
                     if on_host else buffer[: len(rows)])
            torch.index_select(data, 0, rows, out=chunk)
            yield from self._batches(chunk.to(self.device, non_blocking=True))

    def _batches(self, rows):
        for start in range(0, len(rows), self.batch_size):
            batch = rows[start : start + self.batch_size]
            if len(batch) < 2:
                return
            yield batch


class _TensorSplit:
    """skorch ``train_split`` that holds out a fixed set of rows, by index (no copy)."""

    def __init__(self, valid_index):
        self.valid_index = valid_index

    def __call__(self, dataset, y=None, **kwargs):
        keep = torch.ones(len(dataset), dtype=torch.bool)
        keep[self.valid_index] = False
        return (_Rows(dataset.data, keep.nonzero().squeeze(1)),
                _Rows(dataset.data, (~keep).nonzero().squeeze(1)))


class _ProgressBar(Callback):
    """A tqdm progress bar over epochs showing the loss terms (``verbose > 0``)."""

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=net.max_epochs, desc=net.description, unit="epoch", leave=False)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        keys = ["train_loss", *TERM_NAMES, "valid_loss"]
        self.bar_.set_postfix({k: f"{row[k]:.3g}" for k in keys if k in row}, refresh=False)
        self.bar_.update()

    def on_train_end(self, net, **kwargs):
        self.bar_.close()


class NonFiniteLossError(ValueError):
    """The training loss became NaN or infinite."""


class VAENet(NeuralNet):
    """skorch net that trains a :class:`~skvae.models.VAEModule` under an objective.

    Extra parameters (beyond skorch's) are ``objective`` (an
    :class:`~skvae.losses.Objective`), ``discriminator`` (a callable building the FactorVAE
    discriminator, seeded by ``discriminator_seed``) with ``discriminator_lr``,
    ``generator`` (a seeded ``torch.Generator`` for shuffling and noise on the device), a
    ``description`` for the progress bar, ``autocast_bf16`` (mixed precision) and
    ``cuda_graph``: capture the training step in a CUDA graph (see ``_graphed_train_step``;
    needs a capturable optimiser, no discriminator and no callback acting on gradients),
    and ``estimator_at``: a callable turning the module being trained and an array of
    rows into a fitted estimator, which callbacks score (:meth:`snapshot`).
    """

    #: Eager steps, on a side stream, before the training step is captured (CUDA's advice:
    #: lazy initialisation such as cuBLAS workspaces must not happen during capture).
    GRAPH_WARMUP_STEPS = 3

    def __init__(self, module, *args, objective, generator, shuffle_generator,
                 discriminator=None, discriminator_seed=0, discriminator_lr=1e-4,
                 description="fit", autocast_bf16=False, cuda_graph=False, estimator_at=None,
                 **kwargs):
        super().__init__(module, *args, **kwargs)
        self.objective = objective
        self.generator = generator
        self.shuffle_generator = shuffle_generator
        self.discriminator = discriminator
        self.discriminator_seed = discriminator_seed
        self.discriminator_lr = discriminator_lr
        self.description = description
        self.autocast_bf16 = autocast_bf16
        self.cuda_graph = cuda_graph
        self.estimator_at = estimator_at

    def snapshot(self, X):
        """The estimator as it would be if training stopped now (its KL from the rows ``X``).

        The module is shared, not copied, and put in evaluation mode (the next training
        step switches it back); nothing draws from the training's random generators.
        """
        self.module_.eval()
        return self.estimator_at(self.module_, X)

    @property
    def _default_callbacks(self):
        return [("epoch_timer", EpochTimer())]

    def initialize_module(self):
        super().initialize_module()
        if self.discriminator is not None:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.discriminator_seed)
                self.discriminator_ = self.discriminator().to(self.device)
        return self

    def initialize_optimizer(self, *args, **kwargs):
        super().initialize_optimizer(*args, **kwargs)
        if self.discriminator is not None:
            # Kim & Mnih (2018): the discriminator has its own Adam, lr 1e-4, betas (0.5, 0.9).
            self.optimizer_discriminator_ = torch.optim.Adam(
                self.discriminator_.parameters(), lr=self.discriminator_lr, betas=(0.5, 0.9),
                **self._fused_kwargs(),
            )
        return self

    def get_all_learnable_params(self):
        # Only the VAE: the discriminator has its own optimiser and must not be updated by
        # the VAE's loss (which it is trained to oppose).
        yield from self.module_.named_parameters()

    def _fused_kwargs(self):
        return {"fused": True} if self.get_params_for("optimizer").get("fused") else {}

    def get_dataset(self, X, y=None):
        return _Rows(X)  # a tensor on the device (or pinned on the host); no copy

    def get_iterator(self, dataset, training=False):
        return _SliceIterator(dataset, self.batch_size, shuffle=training, device=self.device,
                              generator=self.shuffle_generator)

    def _compute_terms(self, batch, training, capacity=None):
        disc = self.discriminator_ if self.discriminator is not None else None
        if not self.autocast_bf16:  # the common path, without per-step casts
            x_params, mu, logvar, z = self.module_(batch, generator=self.generator)
            terms = self.objective.terms(batch, x_params, mu, logvar, z, self.n_steps_,
                                         discriminator=disc, capacity=capacity)
            return terms, z
        # Autocast's cast cache must be off under CUDA graph capture.
        with torch.autocast(torch.device(self.device).type, dtype=torch.bfloat16,
                            cache_enabled=not self.cuda_graph):
            x_params, mu, logvar, z = self.module_(batch, generator=self.generator)
            terms = self.objective.terms(batch, x_params.float(), mu.float(), logvar.float(),
                                         z.float(), self.n_steps_, discriminator=disc,
                                         capacity=capacity)
        return {name: value.float() for name, value in terms.items()}, z.float()

    def train_step(self, batch, **fit_params):
        if self.cuda_graph:
            return self._graphed_train_step(batch)
        return self._eager_train_step(batch)

    def _eager_train_step(self, batch, capacity=None, capturing=False):
        # While capturing a CUDA graph nothing runs: no callbacks, and the replay counts
        # the step.
        if not self.module_.training:  # Module.train() walks every submodule: not per step
            self.module_.train()
        # Gradients stay allocated under CUDA graphs: the graph reads and writes them in place.
        self.optimizer_.zero_grad(set_to_none=not self.cuda_graph)
        terms, z = self._compute_terms(batch, training=True, capacity=capacity)
        terms["loss"].backward()
        if not capturing:
            self.notify("on_grad_computed", named_parameters=self.module_.named_parameters(),
                        batch=batch, training=True)
        self.optimizer_.step()
        if self.discriminator is not None:
            self.optimizer_discriminator_.zero_grad(set_to_none=True)
            d_loss = discriminator_loss(self.discriminator_, z, generator=self.generator)
            d_loss.backward()
            self.optimizer_discriminator_.step()
            terms["discriminator_loss"] = d_loss.detach()
        terms["loss"] = terms["loss"].detach()
        if not capturing:
            self.n_steps_ += 1
        return terms

    def _graphed_train_step(self, batch):
        """One training step, replayed from a CUDA graph for full-size batches.

        Small models are bound by kernel-launch overhead on a GPU: replaying the whole step
        (forward, backward, Adam) as one graph was measured 8x faster than launching its
        kernels one by one (benchmarks/results/bench_gpu_graphs.json). The first full
        batches run eagerly on a side stream, then the step is captured with a static input
        batch and a static capacity C(t); each later full batch is copied into the static
        batch and the graph replayed. The last, smaller batch of an epoch runs eagerly. The
        noise generator is registered with the graph, so replays draw fresh noise. The
        step must return the same terms as an eager step (the epoch sums stack them).
        """
        if self.graph_rows_ is None:
            self.graph_rows_ = len(batch)
        if len(batch) != self.graph_rows_:
            return self._eager_train_step(batch)
        if self.graph_ is None:
            if self.graph_warmup_done_ < self.GRAPH_WARMUP_STEPS:
                self.graph_warmup_done_ += 1
                side = torch.cuda.Stream()
                side.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(side):
                    terms = self._eager_train_step(batch)
                torch.cuda.current_stream().wait_stream(side)
                return terms
            self._capture(batch)
            if self.graph_ is None:  # capture failed: train eagerly from now on
                return self._eager_train_step(batch)
        self.static_batch_.copy_(batch)
        if self.static_capacity_ is not None:
            self.static_capacity_.fill_(capacity_at(self.n_steps_, self.objective.capacity,
                                                    self.objective.capacity_iter))
        self.graph_.replay()
        self.n_steps_ += 1
        return dict(self.static_terms_)

    def _capture(self, batch):
        self.static_batch_ = batch.clone()
        # C(t) changes during training: a device tensor the replay reads (C = 0 is constant).
        self.static_capacity_ = (torch.zeros((), device=batch.device)
                                 if self.objective.capacity else None)
        graph = torch.cuda.CUDAGraph()
        try:
            graph.register_generator_state(self.generator)
            with torch.cuda.graph(graph):
                self.static_terms_ = self._eager_train_step(
                    self.static_batch_, capacity=self.static_capacity_, capturing=True)
        except (RuntimeError, AttributeError) as error:
            logger.warning("CUDA graph capture failed (%s); training continues eagerly.", error)
            self.cuda_graph = False
            return
        self.graph_ = graph
        logger.info("Training step captured in a CUDA graph (batches of %d rows).",
                    self.graph_rows_)

    def validation_step(self, batch, **fit_params):
        if self.module_.training:
            self.module_.eval()
        with torch.no_grad():
            terms, _ = self._compute_terms(batch, training=False)
        return terms

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """One pass over the data; terms are summed on the device and read once per epoch."""
        if iterator is None:
            return
        totals, n_rows = None, 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            self.history.record_batch(f"{prefix}_batch_size", len(batch))
            step = step_fn(batch, **fit_params)
            # Every step returns the same float32 terms in the same order.
            weighted = torch.stack(list(step.values())) * len(batch)
            totals = weighted if totals is None else totals.add_(weighted)
            n_rows += len(batch)
            self.notify("on_batch_end", batch=batch, training=training, **step)
        means = dict(zip(step, (totals / n_rows).tolist()))
        loss = means.pop("loss")
        if not np.isfinite(loss):
            raise NonFiniteLossError(
                f"The {prefix} loss became {loss} at epoch {len(self.history)}. Standardise the "
                "features, lower learning_rate, or lower beta, capacity or gamma."
            )
        # What skorch's PassthroughScoring records from per-batch losses (which would cost a
        # host sync per step): the epoch's loss and whether it is the lowest so far, read by
        # Checkpoint (monitor='valid_loss_best' or 'train_loss_best') and friends.
        key = f"{prefix}_loss"
        self.history.record(key, loss)
        self.history.record(f"{key}_best",
                            all(loss < row[key] for row in self.history[:-1] if key in row))
        if prefix == "train":
            for name in TERM_NAMES:  # terms the objective leaves out are zero
                self.history.record(name, means.pop(name, 0.0))
            for name, value in means.items():
                self.history.record(name, value)

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            # skorch's EarlyStopping (ours or the user's) stops training by raising it too
            self.interrupted_ = not any(
                isinstance(callback, EarlyStopping) and callback.misses_ == callback.patience
                for _, callback in self.callbacks_)
            if self.history and "train_loss" not in self.history[-1]:
                del self.history[-1]  # drop the epoch that was cut short
            return self

    def initialize(self):
        self.n_steps_ = 0
        self.graph_ = self.graph_rows_ = None
        self.graph_warmup_done_ = 0
        return super().initialize()


def make_callbacks(*, early_stopping, n_iter_no_change, tol, verbose, callbacks):
    """The callbacks of a fit: the user's, the progress bar, then early stopping.

    The user's come first so that what they record at the end of an epoch (e.g. a
    :class:`~skvae.callbacks.DisentanglementScoring` score) is in the history of every
    epoch, the last one included: early stopping ends the epoch by raising.
    """
    for position, item in enumerate(callbacks or []):
        callback = item[1] if isinstance(item, tuple) and len(item) == 2 else item
        kind = callback if isinstance(callback, type) else type(callback)
        if not issubclass(kind, Callback):
            raise ValueError(
                "callbacks must hold skorch Callback instances or (name, Callback) pairs; "
                f"got {item!r} at position {position}."
            )
        if issubclass(kind, (EpochScoring, BatchScoring)):
            raise ValueError(
                f"{kind.__name__} (position {position}) scores predictions y_pred, which a "
                "VAE does not make; use skvae.callbacks.DisentanglementScoring, which "
                "records any scorer(estimator, X) per epoch."
            )
    result = list(callbacks or [])
    if verbose:
        result.append(("progress_bar", _ProgressBar()))
    if early_stopping:
        result.append(("early_stopping", EarlyStopping(
            monitor="valid_loss", patience=n_iter_no_change, threshold=tol,
            threshold_mode="rel", lower_is_better=True, load_best=True, sink=logger.info,
        )))
    return result
