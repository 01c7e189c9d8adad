"""
=====================================================
Stopping a fit when its latent space stops improving
=====================================================

The training loss says how well a VAE reconstructs, not how disentangled its latents
are. :class:`~skvae.callbacks.DisentanglementScoring` scores the model being trained by
the label-free LSDI at the end of every epoch and records it in ``history_``; skorch's
``EarlyStopping`` then stops the fit when the index has not improved for a while, and
``load_best=True`` keeps the weights of its best epoch. No true factor is used.
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Data and fit
# ------------
# FA15 (15 features, three factors), standardised. The callback comes before
# ``EarlyStopping`` in the list, so that the score of an epoch is recorded before it is
# read. Scoring ``["lsdi", "n_informative"]`` records both from one evaluation; the first
# is the one flagged ``lsdi_best`` when it improves.
import matplotlib.pyplot as plt
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import EarlyStopping

from skvae import BFVAE
from skvae.callbacks import DisentanglementScoring
from skvae.datasets import make_factor_analysis
from skvae.metrics import lsdi_scorer

X, _, _ = make_factor_analysis(3000, preset="FA15", random_state=0)
X = StandardScaler().fit_transform(X)
stop = EarlyStopping(monitor="lsdi", lower_is_better=False, patience=8, load_best=True)
model = BFVAE(max_iter=100, random_state=0,
              callbacks=[DisentanglementScoring(["lsdi", "n_informative"]), stop])
model.fit(X)
best_epoch = model.callbacks_[1].best_epoch_
print(f"stopped after {model.n_iter_} of 100 epochs; weights of epoch {best_epoch} kept")

# %%
# The index and the loss, epoch by epoch
# --------------------------------------
# The LSDI is 0 until two latents are informative (epoch 5 here), then rises as the loss
# falls; the third factor gets its latent at epoch 16, and both curves flatten from about
# epoch 25, where the index still gains a few hundredths. The dashed line marks the epoch
# whose weights the model keeps.
epochs = [row["epoch"] for row in model.history_]
fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5), sharex=True, layout="constrained")
top.plot(epochs, [row["lsdi"] for row in model.history_], marker="o", label="LSDI")
top.plot(epochs, [row["n_informative"] / 10 for row in model.history_], drawstyle="steps-mid",
         label="informative latents / 10")
top.set_ylabel("label-free index")
top.legend(loc="lower right")
bottom.plot(epochs, model.loss_curve_, marker="o", color="C2")
bottom.set_ylabel("training loss (nats)")
bottom.set_xlabel("epoch")
for ax in (top, bottom):
    ax.axvline(best_epoch, color="0.4", linestyle="--")

# %%
# The kept model
# --------------
# Scoring the fitted model on the same rows (as float32, the estimator's own precision)
# gives the best epoch's index back.
print(f"LSDI of the kept model: {lsdi_scorer(model, X.astype('float32')):.3f}, "
      f"best recorded: {max(row['lsdi'] for row in model.history_):.3f}")
