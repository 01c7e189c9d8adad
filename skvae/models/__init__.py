"""Plain PyTorch modules (no scikit-learn): encoders, decoders, the VAE, the discriminator."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.models._conv import ConvDecoder, ConvEncoder
from skvae.models._mlp import MLPDecoder, MLPEncoder
from skvae.models._vae import Discriminator, VAEModule

__all__ = ["ConvDecoder", "ConvEncoder", "Discriminator", "MLPDecoder", "MLPEncoder", "VAEModule"]
