"""Loss terms of the unified objective (PyTorch only)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.losses._dip import dip_penalty
from skvae.losses._elbo import bernoulli_nll, gaussian_nll, kl_per_latent
from skvae.losses._objective import Objective, capacity_at, discriminator_loss
from skvae.losses._tc import mss_total_correlation, permute_dims

__all__ = [
    "Objective",
    "bernoulli_nll",
    "capacity_at",
    "dip_penalty",
    "discriminator_loss",
    "gaussian_nll",
    "kl_per_latent",
    "mss_total_correlation",
    "permute_dims",
]
