"""skvae: disentangling VAEs as scikit-learn estimators, with label-free evaluation."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.estimators import VAE, AnnealedVAE, BetaTCVAE, BetaVAE, BFVAE, DIPVAE, FactorVAE

__version__ = "0.1.0"

__all__ = ["VAE", "AnnealedVAE", "BFVAE", "BetaTCVAE", "BetaVAE", "DIPVAE", "FactorVAE"]
