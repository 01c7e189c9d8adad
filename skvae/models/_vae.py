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

    Examples
    --------
    >>> import torch
    >>> from skvae.models import MLPDecoder, MLPEncoder, VAEModule
    >>> vae = VAEModule(MLPEncoder(6, 2, (16,)), MLPDecoder(2, 6, (16,)))
    >>> x_params, mu, logvar, z = vae(torch.randn(5, 6))
    >>> tuple(x_params.shape), tuple(z.shape)
    ((5, 6), (5, 2))
    """

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x, generator=None):
        """Encode, draw ``z = mu + exp(logvar / 2) * eps`` and decode.

        Parameters
        ----------
        x : Tensor of shape (n_samples, n_features)
            Input rows, as the encoder takes them.
        generator : torch.Generator, default=None
            Source of the noise ``eps ~ N(0, I)``, on the device of ``x``; None uses
            torch's global generator.

        Returns
        -------
        x_params : Tensor of shape (n_samples, n_features)
            Decoder output for ``z``.
        mu : Tensor of shape (n_samples, n_components)
            Posterior means.
        logvar : Tensor of shape (n_samples, n_components)
            Posterior log-variances.
        z : Tensor of shape (n_samples, n_components)
            The sampled codes, differentiable in ``mu`` and ``logvar``.
        """
        mu, logvar = self.encoder(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + eps * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar, z


class Discriminator(nn.Module):
    """FactorVAE discriminator: an MLP giving the log-odds that ``z`` comes from q(z).

    The alternative is the product of its marginals (see
    :func:`~skvae.losses.permute_dims`). LeakyReLU (slope 0.2) follows each hidden layer.

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
        """Score latent codes.

        Parameters
        ----------
        z : Tensor of shape (n_samples, n_components)
            Latent codes.

        Returns
        -------
        logits : Tensor of shape (n_samples,)
            Log-odds that each code was drawn from q(z) rather than from the product of
            its marginals.
        """
        return self.net(z).squeeze(-1)
