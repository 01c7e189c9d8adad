"""The variational auto-encoder module: encoder, reparameterisation, decoder."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import torch
from torch import nn


class VAEModule(nn.Module):
    """Gaussian-posterior VAE built from an encoder and a decoder.

    Parameters
    ----------
    encoder : nn.Module
        Maps ``x`` to ``(mu, logvar)``.
    decoder : nn.Module
        Maps ``z`` to the parameters of p(x|z): means (Gaussian) or logits (Bernoulli).
    """

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x, generator=None):
        """Encode, draw ``z = mu + sigma * eps`` and decode.

        Returns
        -------
        x_params, mu, logvar, z : Tensor
        """
        mu, logvar = self.encoder(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + eps * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar, z


class Discriminator(nn.Module):
    """FactorVAE discriminator: an MLP giving the log-odds that ``z`` comes from q(z).

    Parameters
    ----------
    n_components : int
        Latent width K.
    hidden_layer_sizes : tuple of int
        Hidden widths (Kim & Mnih: six layers of 1000).
    """

    def __init__(self, n_components, hidden_layer_sizes):
        super().__init__()
        layers, n_in = [], n_components
        for width in hidden_layer_sizes:
            layers += [nn.Linear(n_in, width), nn.LeakyReLU(0.2)]
            n_in = width
        layers.append(nn.Linear(n_in, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z).squeeze(-1)
