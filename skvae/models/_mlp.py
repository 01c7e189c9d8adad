"""Multilayer-perceptron encoder and decoder for tabular data."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from torch import nn


def _mlp(sizes):
    """Linear layers of the given sizes with ReLU between them (none after the last)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class MLPEncoder(nn.Module):
    """Map ``x`` to the mean and log-variance of a diagonal Gaussian posterior.

    Linear layers with ReLU between them; the last one outputs ``2 * n_components`` values,
    split into ``mu`` and ``logvar``.

    Parameters
    ----------
    n_features : int
        Input width.
    n_components : int
        Latent width K.
    hidden_layer_sizes : tuple of int
        Widths of the hidden layers, input side first.
    """

    def __init__(self, n_features, n_components, hidden_layer_sizes):
        super().__init__()
        self.net = _mlp([n_features, *hidden_layer_sizes, 2 * n_components])

    def forward(self, x):
        """Encode rows into the parameters of the Gaussian posterior.

        Parameters
        ----------
        x : Tensor of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        mu : Tensor of shape (n_samples, n_components)
            Posterior means.
        logvar : Tensor of shape (n_samples, n_components)
            Posterior log-variances.
        """
        mu, logvar = self.net(x).chunk(2, dim=-1)
        return mu, logvar


class MLPDecoder(nn.Module):
    """Map latent codes to the parameters of p(x|z) (Gaussian means or Bernoulli logits).

    Linear layers with ReLU between them and no activation after the last.

    Parameters
    ----------
    n_components : int
        Latent width K.
    n_features : int
        Output width.
    hidden_layer_sizes : tuple of int
        Widths of the hidden layers, latent side first (the mirror of the encoder's).
    """

    def __init__(self, n_components, n_features, hidden_layer_sizes):
        super().__init__()
        self.net = _mlp([n_components, *hidden_layer_sizes, n_features])

    def forward(self, z):
        """Decode latent codes.

        Parameters
        ----------
        z : Tensor of shape (n_samples, n_components)
            Latent codes.

        Returns
        -------
        x_params : Tensor of shape (n_samples, n_features)
            Parameters of p(x|z): Gaussian means or Bernoulli logits.
        """
        return self.net(z)
