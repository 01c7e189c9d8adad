"""Convolutional encoder and decoder for images (after Burgess et al., 2018)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import math

from torch import nn


def _conv_sizes(height, width):
    """Spatial sizes after each stride-2 convolution (kernel 4, padding 1) down to <= 4."""
    sizes = [(height, width)]
    while max(sizes[-1]) > 4:
        h, w = sizes[-1]
        sizes.append((max(1, (h + 2 - 4) // 2 + 1), max(1, (w + 2 - 4) // 2 + 1)))
    return sizes


class ConvEncoder(nn.Module):
    """Stride-2 convolutions (32 channels, kernel 4) then MLP layers to (mu, logvar).

    Convolutions (padding 1, ReLU after each) halve the image until both sides are at most
    4 pixels; each side must keep at least 2 pixels until then (the estimators check this,
    here the first too-thin convolution raises).

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)`` of one image.
    n_components : int
        Latent width K.
    hidden_layer_sizes : tuple of int
        Widths of the fully connected layers after the convolutions (Burgess: (256, 256)).
    channels : int, default=32
        Channels of every convolution.
    """

    def __init__(self, input_shape, n_components, hidden_layer_sizes, channels=32):
        super().__init__()
        self.input_shape = tuple(input_shape)
        sizes = _conv_sizes(*self.input_shape[1:])
        convs, n_in = [], self.input_shape[0]
        for _ in sizes[1:]:
            convs += [nn.Conv2d(n_in, channels, 4, stride=2, padding=1), nn.ReLU()]
            n_in = channels
        self.convs = nn.Sequential(*convs)
        flat = n_in * math.prod(sizes[-1])
        dense, widths = [], [flat, *hidden_layer_sizes]
        for a, b in zip(widths[:-1], widths[1:]):
            dense += [nn.Linear(a, b), nn.ReLU()]
        dense.append(nn.Linear(widths[-1], 2 * n_components))
        self.dense = nn.Sequential(*dense)

    def forward(self, x):
        """Encode images into the parameters of the Gaussian posterior.

        Parameters
        ----------
        x : Tensor of shape (n_samples, channels * height * width)
            Images, flat or already of shape ``(n_samples, *input_shape)``.

        Returns
        -------
        mu : Tensor of shape (n_samples, n_components)
            Posterior means.
        logvar : Tensor of shape (n_samples, n_components)
            Posterior log-variances.
        """
        h = self.convs(x.view(-1, *self.input_shape))
        mu, logvar = self.dense(h.flatten(1)).chunk(2, dim=-1)
        return mu, logvar


class ConvDecoder(nn.Module):
    """Mirror of :class:`ConvEncoder` with transposed convolutions; returns flat outputs.

    MLP layers (ReLU after each) map ``z`` to the smallest feature map, which transposed
    convolutions (kernel 4, stride 2, padding 1, ReLU between them) bring back to the
    encoder's sizes. The last layer has no activation.

    Parameters
    ----------
    n_components : int
        Latent width K.
    input_shape : tuple of int
        ``(channels, height, width)`` of one image.
    hidden_layer_sizes : tuple of int
        Widths of the fully connected layers, latent side first.
    channels : int, default=32
        Channels of every transposed convolution.
    """

    def __init__(self, n_components, input_shape, hidden_layer_sizes, channels=32):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.sizes = _conv_sizes(*self.input_shape[1:])
        self.channels = channels if len(self.sizes) > 1 else self.input_shape[0]
        first = self.channels * math.prod(self.sizes[-1])
        dense, widths = [], [n_components, *hidden_layer_sizes, first]
        for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
            dense.append(nn.Linear(a, b))
            if i < len(widths) - 2 or len(self.sizes) > 1:
                dense.append(nn.ReLU())
        self.dense = nn.Sequential(*dense)
        n_up = len(self.sizes) - 1
        self.deconvs = nn.ModuleList(
            nn.ConvTranspose2d(channels, channels if i < n_up - 1 else self.input_shape[0],
                               4, stride=2, padding=1)
            for i in range(n_up)
        )
        self.act = nn.ReLU()

    def forward(self, z):
        """Decode latent codes into flat images.

        Parameters
        ----------
        z : Tensor of shape (n_samples, n_components)
            Latent codes.

        Returns
        -------
        x_params : Tensor of shape (n_samples, channels * height * width)
            Parameters of p(x|z) (Gaussian means or Bernoulli logits), flattened in
            ``(channels, height, width)`` order.
        """
        h = self.dense(z).view(-1, self.channels, *self.sizes[-1])
        targets = self.sizes[-2::-1]
        for i, (deconv, size) in enumerate(zip(self.deconvs, targets)):
            h = deconv(h, output_size=size)
            if i < len(self.deconvs) - 1:
                h = self.act(h)
        return h.flatten(1)
