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
from skorch.callbacks import Callback, EarlyStopping, EpochTimer

from skvae.losses._objective import TERM_NAMES, discriminator_loss

logger = logging.getLogger(__name__)


class _SliceIterator:
    """Minibatches sliced from a tensor that already sits on the device.

    Avoids the per-sample collation of a ``DataLoader`` (1.2x to 1.8x slower on small
    models). A last batch with a single row is dropped (batch statistics need two).
    """

    def __init__(self, data, batch_size, shuffle, generator=None):
        self.data = data
        self.batch_size = min(batch_size, len(data))
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        n = len(self.data)
        return n // self.batch_size + (n % self.batch_size > 1)

    def __iter__(self):
        n = len(self.data)
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(self.data.device)
            data = self.data[order]  # one gather per epoch, then contiguous slices
        else:
            data = self.data
        for start in range(0, n, self.batch_size):
            batch = data[start : start + self.batch_size]
            if len(batch) > 1:
                yield batch


class _TensorSplit:
    """skorch ``train_split`` that holds out a fixed set of rows of a tensor."""

    def __init__(self, valid_index):
        self.valid_index = valid_index

    def __call__(self, dataset, y=None, **kwargs):
        mask = torch.ones(len(dataset), dtype=torch.bool)
        mask[self.valid_index] = False
        mask = mask.to(dataset.device)
        return dataset[mask], dataset[~mask]


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


class _StopOnEarlyStopping(EarlyStopping):
    """skorch's EarlyStopping, logging instead of printing and flagging that it fired."""

    def on_epoch_end(self, net, **kwargs):
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            net.stopped_early_ = True
            raise


class NonFiniteLossError(ValueError):
    """The training loss became NaN or infinite."""


class VAENet(NeuralNet):
    """skorch net that trains a :class:`~skvae.models.VAEModule` under an objective.

    Extra parameters (beyond skorch's) are ``objective`` (an
    :class:`~skvae.losses.Objective`), ``discriminator`` (a callable building the FactorVAE
    discriminator, seeded by ``discriminator_seed``) with ``discriminator_lr``,
    ``generator`` (a seeded ``torch.Generator`` for shuffling and noise on the device), a
    ``description`` for the progress bar and ``autocast_bf16`` (mixed precision).
    """

    def __init__(self, module, *args, objective, generator, shuffle_generator,
                 discriminator=None, discriminator_seed=0, discriminator_lr=1e-4,
                 description="fit", autocast_bf16=False, **kwargs):
        super().__init__(module, *args, **kwargs)
        self.objective = objective
        self.generator = generator
        self.shuffle_generator = shuffle_generator
        self.discriminator = discriminator
        self.discriminator_seed = discriminator_seed
        self.discriminator_lr = discriminator_lr
        self.description = description
        self.autocast_bf16 = autocast_bf16

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
        return X  # a tensor on the device; batches are sliced from it

    def get_iterator(self, dataset, training=False):
        return _SliceIterator(dataset, self.batch_size, shuffle=training,
                              generator=self.shuffle_generator)

    def _compute_terms(self, batch, training):
        device_type = torch.device(self.device).type
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=self.autocast_bf16):
            x_params, mu, logvar, z = self.module_(batch, generator=self.generator)
            disc = self.discriminator_ if self.discriminator is not None else None
            terms = self.objective.terms(batch, x_params.float(), mu.float(), logvar.float(),
                                         z.float(), self.n_steps_, discriminator=disc)
        return terms, z.float()

    def train_step(self, batch, **fit_params):
        self.module_.train()
        self.optimizer_.zero_grad(set_to_none=True)
        terms, z = self._compute_terms(batch, training=True)
        terms["loss"].backward()
        self.notify("on_grad_computed", named_parameters=self.module_.named_parameters(),
                    batch=batch, training=True)
        self.optimizer_.step()
        if self.discriminator is not None:
            self.optimizer_discriminator_.zero_grad(set_to_none=True)
            d_loss = discriminator_loss(self.discriminator_, z, generator=self.generator)
            d_loss.backward()
            self.optimizer_discriminator_.step()
            terms["discriminator_loss"] = d_loss.detach()
        self.n_steps_ += 1
        terms["loss"] = terms["loss"].detach()
        return terms

    def validation_step(self, batch, **fit_params):
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
            step = step_fn(batch, **fit_params)
            weighted = torch.stack([step[k].float() for k in sorted(step)]) * len(batch)
            totals = weighted if totals is None else totals + weighted
            n_rows += len(batch)
            self.notify("on_batch_end", batch=batch, training=training, **step)
        means = dict(zip(sorted(step), (totals / n_rows).tolist()))
        if prefix == "train":
            self.history.record("train_loss", means.pop("loss"))
            for key, value in means.items():
                self.history.record(key, value)
        else:
            self.history.record("valid_loss", means["loss"])
        loss = self.history[-1, f"{prefix}_loss"]
        if not np.isfinite(loss):
            raise NonFiniteLossError(
                f"The {prefix} loss became {loss} at epoch {len(self.history)}. Standardise the "
                "features, lower learning_rate, or lower beta, capacity or gamma."
            )

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        self.stopped_early_ = False
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt:
            self.interrupted_ = not self.stopped_early_
            if self.history and "train_loss" not in self.history[-1]:
                del self.history[-1]  # drop the epoch that was cut short
            return self

    def initialize(self):
        self.n_steps_ = 0
        return super().initialize()

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        pass  # no per-batch history rows: terms are aggregated per epoch


def make_callbacks(*, early_stopping, n_iter_no_change, tol, verbose, callbacks):
    """The callbacks of a fit: early stopping, progress bar, then the user's."""
    result = []
    if early_stopping:
        result.append(("early_stopping", _StopOnEarlyStopping(
            monitor="valid_loss", patience=n_iter_no_change, threshold=tol,
            threshold_mode="rel", lower_is_better=True, load_best=True, sink=logger.info,
        )))
    if verbose:
        result.append(("progress_bar", _ProgressBar()))
    return result + list(callbacks or [])
