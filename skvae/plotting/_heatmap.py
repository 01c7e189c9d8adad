"""Heat maps of latent x feature matrices and bar charts of per-latent KL."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np

#: Smallest KL shown by :func:`plot_kl` on its log axis (smaller values are drawn at it).
KL_FLOOR = 1e-5
#: Text properties of names from the data (features, latents, models): a ``$`` in a column
#: name is a character, not the start of matplotlib's math markup.
LITERAL = {"parse_math": False}
INFORMATIVE_COLOR = "tab:blue"
NON_INFORMATIVE_COLOR = "lightgray"


def _pyplot(function_name):
    """Import matplotlib.pyplot, or raise an ImportError naming the plotting function."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{function_name} requires matplotlib; install it with "
            "`pip install matplotlib`."
        ) from exc
    return plt


def _check_labels(labels, n, name, default_prefix):
    """Return ``n`` labels as strings: the given ones (checked) or ``prefix0..``."""
    if labels is None:
        return [f"{default_prefix}{i}" for i in range(n)]
    labels = [str(label) for label in labels]
    if len(labels) != n:
        raise ValueError(f"{name} has {len(labels)} entries; expected {n}.")
    return labels


def plot_heatmap(
    matrix,
    *,
    row_labels=None,
    col_labels=None,
    ax=None,
    title=None,
    cmap="viridis",
    colorbar_label=None,
):
    """Heat map of a latents x features matrix (e.g. the FVH-LT V or DBSR-LS Theta^2).

    Parameters
    ----------
    matrix : array-like of shape (n_latents, n_features)
        Values to show. A :class:`pandas.DataFrame` supplies default labels from its
        index and columns.
    row_labels : list of str of length n_latents, default=None
        Latent names, shown as y tick labels. Default: ``z0, z1, ...``.
    col_labels : list of str of length n_features, default=None
        Feature names, shown as rotated x tick labels. Default: ``x0, x1, ...``.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on. If None, a new figure sized to the matrix is created.
    title : str, default=None
        Axes title.
    cmap : str or matplotlib.colors.Colormap, default='viridis'
        Colour map.
    colorbar_label : str, default=None
        Label of the colour bar.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes with the heat map; the colour bar is drawn in the same figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_heatmap([[1, 0.1], [0, 2]], col_labels=["a", "b"], title="V")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b']
    """
    plt = _pyplot("plot_heatmap")
    if hasattr(matrix, "columns"):  # a DataFrame: labels from its index and columns
        row_labels = list(matrix.index) if row_labels is None else row_labels
        col_labels = list(matrix.columns) if col_labels is None else col_labels
    values = np.asarray(matrix, dtype=np.float64)
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(
            f"matrix must be a non-empty 2-D array (latents x features), got shape {values.shape}."
        )
    n_rows, n_cols = values.shape
    row_labels = _check_labels(row_labels, n_rows, "row_labels", "z")
    col_labels = _check_labels(col_labels, n_cols, "col_labels", "x")

    if ax is None:
        width = min(30.0, max(4.0, 0.45 * n_cols + 2.5))
        height = min(30.0, max(3.0, 0.4 * n_rows + 1.5))
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    image = ax.imshow(values, cmap=cmap, aspect="auto", interpolation="nearest")
    ax.set_xticks(np.arange(n_cols), labels=col_labels, rotation=45, ha="right", **LITERAL)
    ax.set_yticks(np.arange(n_rows), labels=row_labels, **LITERAL)
    ax.set_xlabel("feature")
    ax.set_ylabel("latent")
    if title is not None:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, label=colorbar_label)
    return ax


def latent_ticks(ax, labels):
    """One x tick per latent bar, slanted when the labels would overlap."""
    crowded = len(labels) > 8 or max(len(str(label)) for label in labels) > 4
    ax.set_xticks(np.arange(len(labels)), labels=labels, rotation=45 if crowded else 0,
                  ha="right" if crowded else "center", **LITERAL)


def plot_kl(kl, *, threshold=0.1, labels=None, ax=None, title=None):
    """Bar chart of the mean KL of each latent, on a log axis.

    Informative latents (KL above ``threshold``) and the others get different colours; a
    dashed line marks the threshold. Values below ``KL_FLOOR`` (1e-5 nats) are drawn at
    that floor so that collapsed latents stay visible on the log axis.

    Parameters
    ----------
    kl : array-like of shape (n_latents,) or fitted estimator
        Non-negative mean KL per latent in nats; a fitted skvae estimator stands for its
        ``kl_per_latent_``, with its latent names as default ``labels``.
    threshold : float, default=0.1
        Informativeness threshold in nats (>= 0). A threshold of 0 (every latent with a
        positive KL is informative) has no line on the log axis.
    labels : list of str of length n_latents, default=None
        Latent names for the x ticks. Default: ``z0, z1, ...``.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on. If None, a new figure is created.
    title : str, default=None
        Axes title.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes with one bar per latent.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_kl([8.1, 7.5, 0.003])
    >>> len(ax.patches), ax.get_yscale()
    (3, 'log')
    """
    plt = _pyplot("plot_kl")
    if hasattr(kl, "kl_per_latent_"):
        if labels is None:
            labels = [str(name) for name in kl.get_feature_names_out()]
        kl = kl.kl_per_latent_
    kl = np.asarray(kl, dtype=np.float64)
    if kl.ndim != 1 or kl.size == 0:
        raise ValueError(f"kl must be a non-empty 1-D array, got shape {kl.shape}.")
    if not np.all(np.isfinite(kl)) or (kl < 0).any():
        raise ValueError("kl must hold finite non-negative values (nats).")
    if isinstance(threshold, bool) or not (isinstance(threshold, Real) and 0 <= threshold < np.inf):
        raise ValueError(f"threshold must be a non-negative number (nats), got {threshold!r}.")
    labels = _check_labels(labels, kl.size, "labels", "z")

    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.45 * kl.size + 2.0), 3.5), layout="constrained")
    position = np.arange(kl.size)
    height = np.maximum(kl, KL_FLOOR)
    informative = kl > threshold
    for mask, color, name in [
        (informative, INFORMATIVE_COLOR, f"informative (KL > {threshold:g})"),
        (~informative, NON_INFORMATIVE_COLOR, "non-informative"),
    ]:
        if mask.any():
            ax.bar(position[mask], height[mask], color=color, edgecolor="black", label=name)
    if threshold > 0:  # 0 is at minus infinity on the log axis
        ax.axhline(threshold, color="black", linestyle="--", linewidth=1, label="threshold")
    ax.set_yscale("log")
    ax.set_ylim(bottom=KL_FLOOR)
    latent_ticks(ax, labels)
    ax.set_xlabel("latent")
    ax.set_ylabel("KL (nats)")
    if title is not None:
        ax.set_title(title)
    # Beside the axes, so that it never hides a bar.
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax
