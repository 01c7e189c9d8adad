"""The estimators: bfVAE and its special cases as scikit-learn transformers, and the
linear baseline they are compared with."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.estimators._aligned_ensemble import AlignedEnsemble
from skvae.estimators._beta_tcvae import BetaTCVAE
from skvae.estimators._bfvae import BFVAE
from skvae.estimators._dip_vae import DIPVAE
from skvae.estimators._factor_analysis import DecodingFactorAnalysis
from skvae.estimators._factor_vae import FactorVAE
from skvae.estimators._vae import VAE, AnnealedVAE, BetaVAE

__all__ = [
    "VAE",
    "AlignedEnsemble",
    "AnnealedVAE",
    "BFVAE",
    "BetaTCVAE",
    "BetaVAE",
    "DIPVAE",
    "DecodingFactorAnalysis",
    "FactorVAE",
]
