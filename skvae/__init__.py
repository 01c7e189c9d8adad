"""skvae: disentangling VAEs as scikit-learn estimators, with label-free evaluation."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.estimators import (
    BFVAE,
    DIPVAE,
    VAE,
    AlignedEnsemble,
    AnnealedVAE,
    BetaTCVAE,
    BetaVAE,
    FactorVAE,
)
from skvae.metrics import (
    dbsr_ls_scorer,
    evaluate,
    fvh_lt_scorer,
    lsdi_scorer,
    make_disentanglement_scorer,
)

__version__ = "0.1.0"

__all__ = [
    "VAE",
    "AlignedEnsemble",
    "AnnealedVAE",
    "BFVAE",
    "BetaTCVAE",
    "BetaVAE",
    "DIPVAE",
    "FactorVAE",
    "dbsr_ls_scorer",
    "evaluate",
    "fvh_lt_scorer",
    "lsdi_scorer",
    "make_disentanglement_scorer",
]
