"""Training curves and the disentanglement / reconstruction trade-off plot."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np

from skvae.plotting._heatmap import LITERAL, _pyplot

_SKIPPED_KEYS = ("epoch", "dur")


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def plot_training_history(history, *, keys=None, ax=None):
    """Per-epoch training curves, one line per numeric history key.

    Parameters
    ----------
    history : list of dict or fitted estimator
        One dict per epoch, with keys such as ``'train_loss'``, ``'valid_loss'``,
        ``'reconstruction'``, ``'kl'``, ``'tc'``; a fitted skvae estimator stands for
        its ``history_``. Epochs lacking a key leave a gap in its line.
    keys : list of str, default=None
        Keys to plot. Default: every key with a real (non-boolean) number in some epoch,
        except ``'epoch'`` and ``'dur'``, in order of first appearance.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on. If None, a new figure is created.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes; x is the ``'epoch'`` value of each entry (1, 2, ... if absent).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> history = [{"epoch": 1, "train_loss": 3.0, "kl": 1.0},
    ...            {"epoch": 2, "train_loss": 2.0, "kl": 1.5}]
    >>> ax = plot_training_history(history)
    >>> [line.get_label() for line in ax.get_lines()]
    ['train_loss', 'kl']
    """
    plt = _pyplot("plot_training_history")
    history = list(getattr(history, "history_", history))
    if not history or not all(isinstance(entry, dict) for entry in history):
        raise ValueError("history must be a non-empty list of per-epoch dicts.")
    if keys is None:
        keys = []
        for entry in history:
            keys += [
                key
                for key, value in entry.items()
                if key not in _SKIPPED_KEYS and key not in keys and _is_number(value)
            ]
        if not keys:
            raise ValueError("history holds no numeric key to plot.")
    else:
        keys = [keys] if isinstance(keys, str) else list(keys)
        missing = [
            key for key in keys if not any(_is_number(entry.get(key)) for entry in history)
        ]
        if missing or not keys:
            raise ValueError(f"history has no numeric values for keys {missing}.")

    epochs = np.array(
        [entry.get("epoch", i + 1) for i, entry in enumerate(history)], dtype=np.float64
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")
    for key in keys:
        values = [entry.get(key) for entry in history]
        values = np.array([v if _is_number(v) else np.nan for v in values], dtype=np.float64)
        ax.plot(epochs, values, marker="o" if len(history) < 30 else None, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("value")
    for text in ax.legend().get_texts():
        text.set(**LITERAL)
    return ax


def plot_lsdi_tradeoff(frame, *, x="reconstruction_error", y="lsdi", label="model", ax=None):
    """Scatter of disentanglement against reconstruction, one labelled point per row.

    Error bars are drawn when the columns ``f"{x}_sd"`` and / or ``f"{y}_sd"`` exist.

    Parameters
    ----------
    frame : pandas.DataFrame or dict of array-like
        One row per model (or configuration), with the columns ``x``, ``y`` and ``label``.
    x : str, default='reconstruction_error'
        Column on the x axis.
    y : str, default='lsdi'
        Column on the y axis.
    label : str, default='model'
        Column whose values name the points.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on. If None, a new figure is created.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes: one error-bar container and one text label per row.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> frame = {"model": ["BFVAE", "BetaVAE"], "reconstruction_error": [4.1, 5.0],
    ...          "lsdi": [0.95, 0.6]}
    >>> ax = plot_lsdi_tradeoff(frame)
    >>> [t.get_text() for t in ax.texts]
    ['BFVAE', 'BetaVAE']
    """
    plt = _pyplot("plot_lsdi_tradeoff")
    missing = [column for column in (x, y, label) if column not in frame]
    if missing:
        raise ValueError(f"frame lacks the columns {missing}.")
    xs = np.asarray(frame[x], dtype=np.float64)
    ys = np.asarray(frame[y], dtype=np.float64)
    names = [str(name) for name in np.asarray(frame[label], dtype=object)]
    if xs.ndim != 1 or not len(xs) == len(ys) == len(names):
        raise ValueError("columns x, y and label must be 1-D and of equal length.")
    errors = {}
    for axis, column in (("xerr", x), ("yerr", y)):
        sd_column = f"{column}_sd"
        errors[axis] = (
            np.asarray(frame[sd_column], dtype=np.float64) if sd_column in frame else None
        )
        if errors[axis] is not None and errors[axis].shape != xs.shape:
            raise ValueError(f"column {sd_column} must have one value per row.")

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.0), layout="constrained")
    for i, name in enumerate(names):
        xerr = None if errors["xerr"] is None else errors["xerr"][i]
        yerr = None if errors["yerr"] is None else errors["yerr"][i]
        ax.errorbar(xs[i], ys[i], xerr=xerr, yerr=yerr, fmt="o", capsize=3, label=name)
        ax.annotate(name, (xs[i], ys[i]), xytext=(5, 5), textcoords="offset points", **LITERAL)
    ax.set_xlabel(x, **LITERAL)
    ax.set_ylabel(y, **LITERAL)
    return ax
