"""Plotting helpers: heat maps, KL bars, latent traversals, training curves (matplotlib)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.plotting._heatmap import plot_heatmap, plot_kl
from skvae.plotting._training import plot_lsdi_tradeoff, plot_training_history
from skvae.plotting._traversals import plot_traversal_images, plot_traversals

__all__ = [
    "plot_heatmap",
    "plot_kl",
    "plot_lsdi_tradeoff",
    "plot_training_history",
    "plot_traversal_images",
    "plot_traversals",
]
