"""Datasets: simulated factor-analysis tables and small real tables and images."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.datasets._factor_analysis import FA_PRESETS, make_factor_analysis
from skvae.datasets._images import load_celeba, load_digits_images, load_mnist, load_mnist_5k
from skvae.datasets._tables import load_fifa, load_white_wine

__all__ = [
    "FA_PRESETS",
    "load_celeba",
    "load_digits_images",
    "load_fifa",
    "load_mnist",
    "load_mnist_5k",
    "load_white_wine",
    "make_factor_analysis",
]
