"""
=======================================================
VAEs and linear baselines on one LSDI axis
=======================================================

The label-free LSDI only needs an encoder (``transform``) and a decoder
(``inverse_transform``), so the scorer from
:func:`~skvae.metrics.make_disentanglement_scorer` ranks very different models on the
same scale: VAEs, :class:`~sklearn.decomposition.PCA`,
:class:`~sklearn.decomposition.FastICA` and a varimax-rotated
:class:`~sklearn.decomposition.FactorAnalysis`. On simulated data we can also check the
ranking against a ground-truth metric that needs the true factors (MIG).
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Data
# ----
# FA15: three independent uniform factors, each driving its own block of five features
# linearly. Models are fitted on 2,000 rows and scored on 1,000 held-out rows.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.decomposition import PCA, FastICA
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvae import BFVAE, VAE
from skvae.datasets import make_factor_analysis
from skvae.estimators import DecodingFactorAnalysis
from skvae.metrics import make_disentanglement_scorer, mig_score

X, factors, _ = make_factor_analysis(3000, preset="FA15", random_state=0)
X_train, X_test, f_train, f_test = train_test_split(X, factors, test_size=1000,
                                                    random_state=0)

# %%
# A decoder for factor analysis
# -----------------------------
# :class:`~sklearn.decomposition.FactorAnalysis` has no ``inverse_transform``, which
# FVH-LT needs to traverse the latent space. Its decoder is the linear map of the
# model, ``x = z W + mean``: :class:`~skvae.estimators.DecodingFactorAnalysis` is
# scikit-learn's model with that decoder.

# %%
# Models
# ------
# The VAEs ask for six latents and let the surplus collapse; the linear models are told
# the true number of factors, three (they have no collapse to find it).
models = {
    "VAE": VAE(n_components=6, max_iter=60, random_state=0),
    "BFVAE (gamma=5)": BFVAE(n_components=6, max_iter=60, random_state=0),
    "PCA": PCA(n_components=3),
    "FastICA": FastICA(n_components=3, random_state=0),
    "FactorAnalysis varimax": DecodingFactorAnalysis(n_components=3, rotation="varimax"),
}

# %%
# Score on one axis
# -----------------
# One scorer returns the headline LSDI, its two parts and the number of informative
# latents (every component of a linear model counts as informative). MIG uses the
# true factors, which real data do not have.
scorer = make_disentanglement_scorer(["lsdi", "fvh_lt", "dbsr_ls", "n_informative"])
rows = {}
for name, model in models.items():
    pipe = make_pipeline(StandardScaler(), model).fit(X_train)
    scores = scorer(pipe, X_test)
    scores["MIG (true factors)"] = mig_score(pipe.transform(X_test), f_test)
    rows[name] = scores
table = pd.DataFrame(rows).T.sort_values("lsdi", ascending=False)
print(table.round(3).to_string())

# %%
# The ranking
# -----------
# The factors here are independent, non-Gaussian and mixed linearly: exactly the model
# of FastICA, and a simple structure that varimax finds. Both recover the blocks almost
# perfectly (LSDI near 1). BFVAE gets most of the way with its total-correlation
# penalty. PCA's axes are directions of largest variance, not the factors, and the
# plain VAE finds the factor subspace in an arbitrary rotation: both spread blocks over
# several latents. MIG, which uses the true factors, orders the models the same way:
# on real data, where MIG cannot be computed, the LSDI can stand in for it.
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
y = np.arange(len(table))[::-1]
ax.barh(y + 0.2, table["lsdi"], height=0.4, label="LSDI (label-free)")
ax.barh(y - 0.2, table["MIG (true factors)"], height=0.4, label="MIG (true factors)")
ax.set_yticks(y, labels=table.index)
ax.set_xlim(0, 1)
ax.set_xlabel("score on held-out rows")
ax.legend(loc="lower right")
ax.set_title("Disentanglement of VAEs and linear baselines")
