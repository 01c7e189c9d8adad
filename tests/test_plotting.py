"""Tests of the plotting helpers (Agg backend): returned objects, contents, labels, errors."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from skvae.plotting import (  # noqa: E402
    __all__ as plotting_all,
)
from skvae.plotting import (
    plot_heatmap,
    plot_kl,
    plot_lsdi_tradeoff,
    plot_training_history,
    plot_traversal_images,
    plot_traversals,
)
from skvae.plotting._heatmap import INFORMATIVE_COLOR, KL_FLOOR, NON_INFORMATIVE_COLOR  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _texts(labels):
    return [label.get_text() for label in labels]


def test_public_names():
    assert sorted(plotting_all) == [
        "plot_heatmap",
        "plot_kl",
        "plot_lsdi_tradeoff",
        "plot_training_history",
        "plot_traversal_images",
        "plot_traversals",
    ]


@pytest.mark.parametrize("name", ["plot_heatmap", "plot_kl", "plot_training_history"])
def test_missing_matplotlib_raises_clear_import_error(monkeypatch, name):
    import skvae.plotting

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    arguments = {
        "plot_heatmap": ([[1.0]],),
        "plot_kl": ([1.0],),
        "plot_training_history": ([{"loss": 1.0}],),
    }[name]
    with pytest.raises(ImportError, match=f"{name} requires matplotlib"):
        getattr(skvae.plotting, name)(*arguments)


# --------------------------------------------------------------------------------------
# plot_heatmap
# --------------------------------------------------------------------------------------
def test_plot_heatmap_labels_colorbar_and_values():
    matrix = np.arange(12.0).reshape(3, 4)
    rows, cols = ["bfvae0", "bfvae1", "bfvae2"], ["a", "b", "c", "d"]
    ax = plot_heatmap(
        matrix, row_labels=rows, col_labels=cols, title="FVH-LT", colorbar_label="variance"
    )
    assert isinstance(ax, Axes)
    assert _texts(ax.get_xticklabels()) == cols
    assert _texts(ax.get_yticklabels()) == rows
    assert all(label.get_rotation() == 45 for label in ax.get_xticklabels())
    assert ax.get_title() == "FVH-LT"
    assert len(ax.images) == 1
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix)
    colorbars = [a for a in ax.figure.axes if a is not ax]
    assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "variance"


def test_plot_heatmap_figure_size_follows_matrix():
    small = plot_heatmap(np.ones((2, 3))).figure.get_size_inches()
    large = plot_heatmap(np.ones((12, 40))).figure.get_size_inches()
    assert large[0] > small[0] and large[1] > small[1]


def test_plot_heatmap_defaults_and_dataframe_labels():
    ax = plot_heatmap(np.ones((2, 3)))
    assert _texts(ax.get_xticklabels()) == ["x0", "x1", "x2"]
    assert _texts(ax.get_yticklabels()) == ["z0", "z1"]
    frame = pd.DataFrame(np.ones((2, 2)), index=["u", "v"], columns=["p", "q"])
    ax = plot_heatmap(frame)
    assert _texts(ax.get_xticklabels()) == ["p", "q"]
    assert _texts(ax.get_yticklabels()) == ["u", "v"]


def test_plot_heatmap_draws_on_given_axes():
    fig, ax = plt.subplots()
    assert plot_heatmap(np.eye(2), ax=ax) is ax
    assert len(fig.axes) == 2  # the axes and its colour bar


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"matrix": np.ones(3)}, "2-D"),
        ({"matrix": np.ones((2, 2, 2))}, "2-D"),
        ({"matrix": np.ones((2, 3)), "row_labels": ["a"]}, "row_labels"),
        ({"matrix": np.ones((2, 3)), "col_labels": ["a", "b"]}, "col_labels"),
    ],
)
def test_plot_heatmap_bad_input(kwargs, match):
    matrix = kwargs.pop("matrix")
    with pytest.raises(ValueError, match=match):
        plot_heatmap(matrix, **kwargs)


# --------------------------------------------------------------------------------------
# plot_kl
# --------------------------------------------------------------------------------------
def test_plot_kl_bars_colours_threshold_and_log_scale():
    kl = np.array([8.0, 0.003, 7.5, 0.0, 0.2])
    labels = [f"bfvae{i}" for i in range(5)]
    ax = plot_kl(kl, labels=labels, title="KL per latent")
    assert isinstance(ax, Axes)
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "KL per latent"
    assert ax.get_ylabel() == "KL (nats)"
    assert _texts(ax.get_xticklabels()) == labels
    bars = sorted(ax.patches, key=lambda bar: bar.get_x())
    assert len(bars) == 5
    heights = [bar.get_height() for bar in bars]
    np.testing.assert_allclose(heights, [8.0, 0.003, 7.5, KL_FLOOR, 0.2])
    colours = [bar.get_facecolor() for bar in bars]
    informative = kl > 0.1
    assert all(c == to_rgba(INFORMATIVE_COLOR) for c, i in zip(colours, informative) if i)
    assert all(c == to_rgba(NON_INFORMATIVE_COLOR) for c, i in zip(colours, informative) if not i)
    assert to_rgba(INFORMATIVE_COLOR) != to_rgba(NON_INFORMATIVE_COLOR)
    (line,) = ax.get_lines()
    assert line.get_linestyle() == "--"
    np.testing.assert_allclose(line.get_ydata(), [0.1, 0.1])
    legend = _texts(ax.get_legend().get_texts())
    assert legend == ["threshold", "informative (KL > 0.1)", "non-informative"]


def test_plot_kl_and_training_history_accept_a_fitted_estimator(fa15):
    from skvae import BFVAE
    from tests.conftest import TINY

    model = BFVAE(**TINY, random_state=0).fit(fa15[0][:100])
    ax = plot_kl(model)
    assert _texts(ax.get_xticklabels()) == list(model.get_feature_names_out())
    bars = sorted(ax.patches, key=lambda bar: bar.get_x())
    np.testing.assert_allclose([bar.get_height() for bar in bars],
                               np.maximum(model.kl_per_latent_, KL_FLOOR), rtol=1e-6)
    ax = plot_training_history(model)
    (loss,) = [line for line in ax.get_lines() if line.get_label() == "train_loss"]
    np.testing.assert_allclose(loss.get_ydata(), model.loss_curve_)


def test_plot_kl_threshold_moves_bars_between_groups():
    ax = plot_kl([1.0, 0.5, 0.05], threshold=0.8)
    colours = [bar.get_facecolor() for bar in sorted(ax.patches, key=lambda b: b.get_x())]
    assert colours[0] == to_rgba(INFORMATIVE_COLOR)
    assert colours[1] == colours[2] == to_rgba(NON_INFORMATIVE_COLOR)
    legend = _texts(plot_kl([1.0, 2.0]).get_legend().get_texts())
    assert "non-informative" not in legend


@pytest.mark.parametrize(
    "kl, kwargs, match",
    [
        (np.ones((2, 2)), {}, "1-D"),
        ([1.0, -0.1], {}, "non-negative"),
        ([1.0, np.nan], {}, "finite"),
        ([1.0, 2.0], {"labels": ["a"]}, "labels"),
        ([1.0, 2.0], {"threshold": -0.1}, "threshold must be a non-negative number"),
        ([1.0, 2.0], {"threshold": None}, "threshold must be a non-negative number"),
        ([1.0, 2.0], {"threshold": "0.1"}, "threshold must be a non-negative number"),
        ([1.0, 2.0], {"threshold": np.inf}, "threshold must be a non-negative number"),
    ],
)
def test_plot_kl_bad_input(kl, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_kl(kl, **kwargs)


def test_plot_kl_threshold_zero_has_no_line_on_the_log_axis():
    # evaluate accepts threshold=0 (every latent with a positive KL is informative)
    ax = plot_kl([1.0, 1e-3, 0.0], threshold=0)
    colours = [bar.get_facecolor() for bar in sorted(ax.patches, key=lambda b: b.get_x())]
    assert colours[:2] == [to_rgba(INFORMATIVE_COLOR)] * 2
    assert colours[2] == to_rgba(NON_INFORMATIVE_COLOR)
    assert "threshold" not in _texts(ax.get_legend().get_texts()) and not ax.get_lines()


def test_names_with_dollar_signs_are_drawn_as_text_not_math(traversal):
    # "$\\frac$" is malformed math markup: drawing it as math would raise when rendered
    names = ["a$\\frac$", "b$x$"]
    axes = [plot_heatmap(np.eye(2), row_labels=names, col_labels=names),
            plot_kl([1.0, 2.0], labels=names),
            plot_training_history([{"a$\\frac$": 1.0}, {"a$\\frac$": 0.5}]),
            plot_lsdi_tradeoff(pd.DataFrame({"model": names, "reconstruction_error": [1, 2],
                                             "lsdi": [0.5, 0.6]}))]
    grid, curves, _, _ = traversal
    figure = plot_traversals(grid[:2], curves[:2], latent_labels=names,
                             feature_labels=[f"f$\\frac${j}" for j in range(7)])
    for figure in [ax.figure for ax in axes] + [figure]:
        figure.canvas.draw()
        texts = [t for t in figure.findobj(matplotlib.text.Text)
                 if "\\frac$" in t.get_text() or "b$x$" in t.get_text()]  # not the axes' own
        assert texts and not any(t.get_parse_math() for t in texts)
    plt.close("all")


# --------------------------------------------------------------------------------------
# plot_traversals
# --------------------------------------------------------------------------------------
@pytest.fixture
def traversal():
    """Latent k moves feature 2k strongly and feature 2k+1 weakly; 3 latents, 7 features."""
    n_latents, n_grid, n_features = 3, 11, 7
    grid = np.tile(np.linspace(-3, 3, n_grid), (n_latents, 1))
    curves = np.zeros((n_latents, n_grid, n_features))
    for k in range(n_latents):
        curves[k, :, 2 * k] = 2.0 * grid[k]
        curves[k, :, 2 * k + 1] = 0.5 * grid[k]
    curves[:, :, 6] = 0.01 * grid
    latent_labels = [f"bfvae{k}" for k in range(n_latents)]
    feature_labels = [f"f{j}" for j in range(n_features)]
    return grid, curves, latent_labels, feature_labels


def test_plot_traversals_panels_lines_and_feature_choice(traversal):
    grid, curves, latent_labels, feature_labels = traversal
    fig = plot_traversals(
        grid, curves, latent_labels=latent_labels, feature_labels=feature_labels, max_features=2
    )
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3
    for k, ax in enumerate(fig.axes):
        assert ax.get_title() == latent_labels[k]
        assert ax.get_xlabel() == "latent value"
        # the two features this latent moves, largest variance first
        assert _texts(ax.get_legend().get_texts()) == [f"f{2 * k}", f"f{2 * k + 1}"]
        assert len(ax.get_lines()) == 2
        np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), grid[k])
        np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), curves[k, :, 2 * k])


def test_plot_traversals_selection_by_index_and_label(traversal):
    grid, curves, latent_labels, feature_labels = traversal
    fig = plot_traversals(
        grid,
        curves,
        latent_labels=latent_labels,
        feature_labels=feature_labels,
        latents=[2, "bfvae0"],
        features=["f6", 1, 0],
    )
    assert [ax.get_title() for ax in fig.axes] == ["bfvae2", "bfvae0"]
    for ax in fig.axes:
        assert _texts(ax.get_legend().get_texts()) == ["f6", "f1", "f0"]


def test_plot_traversals_default_max_features_and_grid_layout():
    rng = np.random.RandomState(0)
    grid = np.tile(np.linspace(-3, 3, 5), (5, 1))
    curves = rng.normal(size=(5, 5, 12))
    fig = plot_traversals(
        grid, curves, latent_labels=list("abcde"), feature_labels=[f"x{j}" for j in range(12)]
    )
    assert len(fig.axes) == 5  # 2 x 4 grid, unused panels removed
    assert all(len(ax.get_lines()) == 8 for ax in fig.axes)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"curves": np.ones((3, 11))}, "3-D"),
        ({"grid": np.ones((3, 10))}, "grid"),
        ({"latent_labels": ["a", "b"]}, "latent_labels"),
        ({"feature_labels": ["a"]}, "feature_labels"),
        ({"latents": [5]}, "latents"),
        ({"latents": [True]}, "latents: True is neither a label nor an index"),
        ({"features": ["nope"]}, "features"),
        ({"max_features": 0}, "max_features"),
    ],
)
def test_plot_traversals_bad_input(traversal, change, match):
    grid, curves, latent_labels, feature_labels = traversal
    kwargs = dict(
        grid=grid, curves=curves, latent_labels=latent_labels, feature_labels=feature_labels
    )
    kwargs.update(change)
    with pytest.raises(ValueError, match=match):
        plot_traversals(kwargs.pop("grid"), kwargs.pop("curves"), **kwargs)


# --------------------------------------------------------------------------------------
# plot_traversal_images
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("image_shape", [(4, 5), (1, 4, 5)])
def test_plot_traversal_images_grayscale(image_shape):
    curves = np.random.RandomState(0).uniform(size=(3, 6, 20))
    fig = plot_traversal_images(
        curves, image_shape, latent_labels=["a", "b", "c"], latents=[0, 2]
    )
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2 * 6
    images = [image for ax in fig.axes for image in ax.images]
    assert len(images) == 12
    assert all(not ax.axison for ax in fig.axes)
    assert images[0].get_cmap().name == "gray"
    assert images[0].get_array().shape == (4, 5)
    # row 1 is latent 2; cell (1, 3) shows curves[2, 3]
    np.testing.assert_allclose(images[6 + 3].get_array(), curves[2, 3].reshape(4, 5))
    row_starts = [fig.axes[0], fig.axes[6]]
    assert [ax.texts[0].get_text() for ax in row_starts] == ["a", "c"]
    assert len({image.get_clim() for image in images}) == 1  # one shared colour scale


def test_plot_traversal_images_rgb():
    curves = np.random.RandomState(0).uniform(-0.5, 1.5, size=(2, 3, 3 * 4 * 5))
    fig = plot_traversal_images(curves, (3, 4, 5), latent_labels=["a", "b"])
    images = [image for ax in fig.axes for image in ax.images]
    assert len(images) == 6
    array = images[0].get_array()
    assert array.shape == (4, 5, 3)
    assert array.min() >= 0 and array.max() <= 1
    expected = np.clip(np.moveaxis(curves[0, 0].reshape(3, 4, 5), 0, -1), 0, 1)
    np.testing.assert_allclose(array, expected)


@pytest.mark.parametrize(
    "curves, shape, labels, match",
    [
        (np.ones((2, 3)), (2, 2), ["a", "b"], "3-D"),
        (np.ones((2, 3, 16)), (5, 5), ["a", "b"], "image_shape"),
        (np.ones((2, 3, 32)), (2, 4, 4), ["a", "b"], "channels"),
        (np.ones((2, 3, 16)), (4, 4), ["a"], "latent_labels"),
        # numpy's reshape errors before ("can only specify one unknown dimension")
        (np.ones((2, 3, 16)), (-4, -4), ["a", "b"], "image_shape must be a sequence of pos"),
        (np.ones((2, 3, 16)), "ab", ["a", "b"], "image_shape must be a sequence of pos"),
    ],
)
def test_plot_traversal_images_bad_input(curves, shape, labels, match):
    with pytest.raises(ValueError, match=match):
        plot_traversal_images(curves, shape, latent_labels=labels)


# --------------------------------------------------------------------------------------
# plot_training_history
# --------------------------------------------------------------------------------------
HISTORY = [
    {"epoch": 1, "dur": 0.5, "train_loss": 10.0, "valid_loss": 11.0, "kl": 2.0,
     "train_loss_best": True, "batches": [{"train_loss": 10.0}]},
    {"epoch": 2, "dur": 0.4, "train_loss": 8.0, "valid_loss": 9.5, "kl": 3.0, "tc": 0.2,
     "train_loss_best": True, "batches": [{"train_loss": 8.0}]},
    {"epoch": 3, "dur": 0.4, "train_loss": 7.0, "valid_loss": 9.0, "kl": 3.5, "tc": 0.1,
     "train_loss_best": True, "batches": [{"train_loss": 7.0}]},
]  # fmt: skip


def test_plot_training_history_default_keys():
    ax = plot_training_history(HISTORY)
    assert isinstance(ax, Axes)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train_loss", "valid_loss", "kl", "tc"]
    assert _texts(ax.get_legend().get_texts()) == ["train_loss", "valid_loss", "kl", "tc"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[0].get_ydata(), [10.0, 8.0, 7.0])
    np.testing.assert_array_equal(lines[3].get_ydata(), [np.nan, 0.2, 0.1])
    assert ax.get_xlabel() == "epoch"


def test_plot_training_history_selected_keys_and_given_axes():
    fig, ax = plt.subplots()
    out = plot_training_history(
        [{"train_loss": 3.0}, {"train_loss": 2.0}], keys=["train_loss"], ax=ax
    )
    assert out is ax and len(ax.get_lines()) == 1
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2])


@pytest.mark.parametrize(
    "history, keys, match",
    [
        ([], None, "non-empty"),
        ([1.0, 2.0], None, "dicts"),
        ([{"epoch": 1, "dur": 0.3}], None, "no numeric"),
        (HISTORY, ["reconstruction"], "reconstruction"),
    ],
)
def test_plot_training_history_bad_input(history, keys, match):
    with pytest.raises(ValueError, match=match):
        plot_training_history(history, keys=keys)


# --------------------------------------------------------------------------------------
# plot_lsdi_tradeoff
# --------------------------------------------------------------------------------------
FRAME = pd.DataFrame(
    {
        "model": ["BFVAE", "BetaVAE", "FactorVAE"],
        "reconstruction_error": [4.0, 5.0, 4.5],
        "lsdi": [0.95, 0.60, 0.80],
        "lsdi_sd": [0.02, 0.10, 0.05],
    }
)


def test_plot_lsdi_tradeoff_points_labels_and_error_bars():
    ax = plot_lsdi_tradeoff(FRAME)
    assert isinstance(ax, Axes)
    containers = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(containers) == 3
    assert [c.get_label() for c in containers] == ["BFVAE", "BetaVAE", "FactorVAE"]
    assert [t.get_text() for t in ax.texts] == ["BFVAE", "BetaVAE", "FactorVAE"]
    assert all(c.has_yerr and not c.has_xerr for c in containers)
    marker, _, _ = containers[1].lines
    np.testing.assert_allclose([marker.get_xdata()[0], marker.get_ydata()[0]], [5.0, 0.6])
    assert ax.get_xlabel() == "reconstruction_error" and ax.get_ylabel() == "lsdi"


def test_plot_lsdi_tradeoff_custom_columns_without_error_bars():
    frame = {"name": ["a", "b"], "mse": [1.0, 2.0], "mig": [0.3, 0.4], "mse_sd": [0.1, 0.2]}
    ax = plot_lsdi_tradeoff(frame, x="mse", y="mig", label="name")
    containers = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(containers) == 2
    assert all(c.has_xerr and not c.has_yerr for c in containers)
    assert ax.get_xlabel() == "mse" and ax.get_ylabel() == "mig"


def test_plot_lsdi_tradeoff_bad_input():
    with pytest.raises(ValueError, match="lsdi"):
        plot_lsdi_tradeoff(FRAME.drop(columns="lsdi"))
    with pytest.raises(ValueError, match="equal length"):
        plot_lsdi_tradeoff({"model": ["a"], "reconstruction_error": [1.0, 2.0], "lsdi": [0.5]})
