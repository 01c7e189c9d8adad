"""Latent traversal plots: decoded feature curves and image grids."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from skvae._base import _check_positive_integers
from skvae.plotting._heatmap import LITERAL, _check_labels, _pyplot


def _check_curves(curves):
    curves = np.asarray(curves, dtype=np.float64)
    if curves.ndim != 3 or 0 in curves.shape:
        raise ValueError(
            "curves must be a non-empty 3-D array (n_latents, n_grid, n_features), got shape "
            f"{curves.shape}."
        )
    return curves


def _select(selection, labels, name):
    """Indices of the selected items, given as integer positions or as labels."""
    if selection is None:
        return np.arange(len(labels))
    if isinstance(selection, (str, int, np.integer)):
        selection = [selection]
    selection = list(selection)
    if not selection:
        raise ValueError(f"{name} must select at least one item.")
    index = []
    for item in selection:
        if isinstance(item, str):
            if item not in labels:
                raise ValueError(f"{name}: unknown label {item!r}.")
            index.append(labels.index(item))
        elif (isinstance(item, (int, np.integer)) and not isinstance(item, bool)
              and -len(labels) <= item < len(labels)):
            index.append(int(item) % len(labels))
        else:
            raise ValueError(
                f"{name}: {item!r} is neither a label nor an index below {len(labels)}."
            )
    return np.asarray(index)


def plot_traversals(
    grid, curves, *, latent_labels, feature_labels, latents=None, features=None, max_features=8
):
    """Decoded feature means along a traversal of each latent, one panel per latent.

    Parameters
    ----------
    grid : array-like of shape (n_latents, n_grid)
        Latent values of each traversal.
    curves : array-like of shape (n_latents, n_grid, n_features)
        Decoded feature means at each grid value.
    latent_labels : list of str of length n_latents
        Latent names; panel titles.
    feature_labels : list of str of length n_features
        Feature names; legend entries.
    latents : list of int or str, default=None
        Latents to show (positions or labels). Default: all.
    features : list of int or str, default=None
        Features to draw in every panel. Default: per latent, the ``max_features`` features
        that move most along its grid (largest variance over the grid), largest first.
    max_features : int, default=8
        Number of features drawn per panel when ``features`` is None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One axes per selected latent (x: latent value, one line per feature).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> grid = np.tile(np.linspace(-3, 3, 5), (2, 1))
    >>> curves = grid[:, :, None] * np.array([[[1, 0, 0]], [[0, 1, 0.5]]])
    >>> fig = plot_traversals(grid, curves, latent_labels=["z0", "z1"],
    ...                       feature_labels=["a", "b", "c"], max_features=2)
    >>> [ax.get_title() for ax in fig.axes]
    ['z0', 'z1']
    """
    plt = _pyplot("plot_traversals")
    return _traversals_figure(
        plt.figure, grid, curves, latent_labels=latent_labels, feature_labels=feature_labels,
        latents=latents, features=features, max_features=max_features,
    )


def _traversals_figure(new_figure, grid, curves, *, latent_labels, feature_labels, latents,
                       features, max_features):
    """:func:`plot_traversals` on the figure ``new_figure(figsize=..., layout=...)`` makes.

    ``matplotlib.figure.Figure`` draws without pyplot, whatever the caller's backend.
    """
    curves = _check_curves(curves)
    n_latents, n_grid, n_features = curves.shape
    grid = np.asarray(grid, dtype=np.float64)
    if grid.shape != (n_latents, n_grid):
        raise ValueError(
            f"grid has shape {grid.shape}; expected ({n_latents}, {n_grid}) to match curves."
        )
    latent_labels = _check_labels(latent_labels, n_latents, "latent_labels", "z")
    feature_labels = _check_labels(feature_labels, n_features, "feature_labels", "x")
    if not (isinstance(max_features, (int, np.integer)) and max_features >= 1):
        raise ValueError(f"max_features must be a positive integer, got {max_features!r}.")
    rows = _select(latents, latent_labels, "latents")
    columns = None if features is None else _select(features, feature_labels, "features")

    n_panels = len(rows)
    n_cols = min(4, n_panels)
    n_rows = -(-n_panels // n_cols)
    fig = new_figure(figsize=(3.6 * n_cols, 2.8 * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax in axes[n_panels:]:
        fig.delaxes(ax)
    for panel, (ax, k) in enumerate(zip(axes, rows)):
        if columns is None:
            order = np.argsort(-curves[k].var(axis=0), kind="stable")
            shown = order[:max_features]
        else:
            shown = columns
        for j in shown:
            ax.plot(grid[k], curves[k, :, j], label=feature_labels[j])
        ax.set_title(latent_labels[k], **LITERAL)
        ax.set_xlabel("latent value")
        if panel % n_cols == 0:
            ax.set_ylabel("decoded mean")
        for text in ax.legend(fontsize="small").get_texts():
            text.set(**LITERAL)
    return fig


def plot_traversal_images(curves, image_shape, *, latent_labels, latents=None):
    """Image grid of a latent traversal: one row per latent, one column per grid point.

    Parameters
    ----------
    curves : array-like of shape (n_latents, n_grid, n_pixels)
        Decoded means, each a flattened image.
    image_shape : tuple of int
        ``(H, W)`` or ``(C, H, W)`` with C = 1 (grayscale) or 3 (RGB, values clipped to
        [0, 1]); ``prod(image_shape)`` must equal ``n_pixels``.
    latent_labels : list of str of length n_latents
        Latent names, written left of each row.
    latents : list of int or str, default=None
        Latents to show (positions or labels). Default: all.

    Returns
    -------
    fig : matplotlib.figure.Figure
        ``len(latents) x n_grid`` axes, each with one image and its axis turned off.
        Grayscale images share one colour scale.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> curves = np.random.RandomState(0).uniform(size=(2, 3, 16))
    >>> fig = plot_traversal_images(curves, (4, 4), latent_labels=["z0", "z1"])
    >>> len(fig.axes)
    6
    """
    plt = _pyplot("plot_traversal_images")
    curves = _check_curves(curves)
    n_latents, n_grid, n_pixels = curves.shape
    _check_positive_integers("image_shape", image_shape)
    shape = tuple(int(s) for s in image_shape)
    if len(shape) not in (2, 3) or np.prod(shape) != n_pixels:
        raise ValueError(
            f"image_shape {image_shape} must be (H, W) or (C, H, W) with {n_pixels} values."
        )
    if len(shape) == 3 and shape[0] not in (1, 3):
        raise ValueError(f"image_shape must have 1 or 3 channels, got {shape[0]}.")
    latent_labels = _check_labels(latent_labels, n_latents, "latent_labels", "z")
    rows = _select(latents, latent_labels, "latents")

    images = curves[rows].reshape(len(rows), n_grid, *shape)
    rgb = len(shape) == 3 and shape[0] == 3
    if rgb:
        images = np.clip(np.moveaxis(images, 2, -1), 0.0, 1.0)
    elif len(shape) == 3:
        images = images[:, :, 0]
    vmin, vmax = images.min(), images.max()
    fig, axes = plt.subplots(
        len(rows),
        n_grid,
        figsize=(0.9 * n_grid + 0.8, 0.9 * len(rows)),
        squeeze=False,
    )
    for r, k in enumerate(rows):
        for g in range(n_grid):
            ax = axes[r, g]
            if rgb:
                ax.imshow(images[r, g])
            else:
                ax.imshow(images[r, g], cmap="gray", vmin=vmin, vmax=vmax)
            ax.set_axis_off()
        axes[r, 0].text(
            -0.1, 0.5, latent_labels[k], transform=axes[r, 0].transAxes, ha="right", va="center",
            **LITERAL,
        )
    return fig
