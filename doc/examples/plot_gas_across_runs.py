"""
=========================================================
Aligning latents across repeated runs (GAS)
=========================================================

Two fits of the same VAE with different seeds find the same factors, but not in the same
order or with the same signs: latent 2 of one run may be latent 0 of another, flipped.
Averaging heat maps or codes over runs therefore needs an alignment first. The greedy
alignment strategy (GAS, :func:`~skvae.metrics.gas_align`) matches every run's latents to
a reference run by absolute correlation of their codes; :class:`~skvae.AlignedEnsemble`
fits the runs, aligns them and evaluates them together. How well a latent is matched
across runs, its *stability*, tells reproducible latents from accidental ones.
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Fit repeated runs
# -----------------
# Four BFVAE runs on FA15 (three uniform factors, 15 features), each asking for six
# latents: three should carry the factors and three should collapse to the prior.
# ``AlignedEnsemble`` clones the estimator, gives every clone its own seed, picks the
# run with the best ELBO as the reference and aligns the others to it.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.preprocessing import StandardScaler

from skvae import BFVAE, AlignedEnsemble
from skvae.datasets import make_factor_analysis
from skvae.metrics import gas_align

X, factors, loadings = make_factor_analysis(3000, preset="FA15", random_state=0)
X = StandardScaler().fit_transform(X)

ensemble = AlignedEnsemble(BFVAE(n_components=6, max_iter=30), n_runs=4, random_state=0)
ensemble.fit(X)
print("reference run:", ensemble.reference_, f"({ensemble.reference_criterion_})")

# %%
# Label switching
# ---------------
# Row ``r`` of ``permutations`` lists, for every reference latent, the latent of run
# ``r`` matched to it; ``signs`` the sign flip that makes the match positively
# correlated. The reference row is the identity; the others are shuffled.
alignment = ensemble.alignment_
print("permutations:\n", alignment.permutations)
print("signs:\n", alignment.signs.astype(int))

# %%
# Stability
# ---------
# The stability of a reference latent is its matched absolute correlation averaged
# over the other runs. The informative latents (KL above 0.1 nats) are found again in
# every run, with correlations close to 1; the collapsed ones are noise that no other
# run reproduces.
informative = ensemble.evaluation_.informative
fig, ax = plt.subplots(figsize=(6, 3.6), layout="constrained")
ax.bar(np.arange(6), ensemble.stability_,
       color=np.where(informative, "tab:blue", "lightgray"), edgecolor="black")
ax.set_xticks(np.arange(6), labels=ensemble.get_feature_names_out(), rotation=30,
              ha="right")
ax.set_ylim(0, 1.05)
ax.set_ylabel("mean matched |corr|")
ax.set_title("GAS stability (blue: informative in the reference run)")
print("stability:", ensemble.stability_.round(3))
print("informative:", informative)

# %%
# Aggregated evaluation
# ---------------------
# ``evaluation_`` evaluates every run with the same FVH-LT anchors and DBSR-LS folds,
# permutes each run's heat maps into the reference order and averages them. The LSDI of
# the averaged heat maps is the ensemble's score; the per-run LSDIs show the spread
# between seeds.
evaluation = ensemble.evaluation_
print(evaluation)
print("per-run LSDI:", evaluation.run_lsdi.round(3))
fig = evaluation.plot()

# %%
# Aligning any codes
# ------------------
# :func:`~skvae.metrics.gas_align` works on plain code matrices too, for runs fitted
# elsewhere (or other models). Passing each run's informative latents makes them be
# matched first, as the ensemble does. Here the runs' codes on the same rows are
# aligned again, and their aligned means agree with the ensemble's own ``transform``.
codes = [run.transform(X) for run in ensemble.estimators_]
masks = [run.kl_per_latent_ > 0.1 for run in ensemble.estimators_]
again = gas_align(codes, reference=ensemble.reference_, informative=masks)
aligned = np.mean([again.align(c, r) for r, c in enumerate(codes)], axis=0)
print("same permutations:", np.array_equal(again.permutations, alignment.permutations))
print("max |difference| to ensemble.transform:",
      float(np.abs(aligned - ensemble.transform(X)).max()))
