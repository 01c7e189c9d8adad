"""Figures of the user guide, written to doc/_static/figures (run by conf.py at build time)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause
#
# Cheap on purpose (about a second on a laptop CPU, no VAE training): the figures that need
# fitted VAEs live in the gallery (doc/examples). Run by hand with
#     python doc/make_figures.py [OUTPUT_DIR]

import sys
from pathlib import Path

import numpy as np

#: Toy importance matrices of the Method page (method.md section 5), shown with E, Bal, LSDI.
LSDI_EXAMPLES = [
    ("two clean blocks", [[1, 1, 0, 0], [0, 0, 1, 1]]),
    ("one latent owns all", [[1, 1, 1, 1], [0, 0, 0, 0]]),
    ("fully mixed", [[1, 1], [1, 1]]),
    ("partly mixed", [[0.8, 0.2], [0.2, 0.8]]),
    ("unequal clean blocks", [[1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 1]]),
    ("leaks between blocks", [[2, 1, 0, 0], [0, 1, 2, 0], [0, 0, 0, 3]]),
]


def _fa15(n_samples=2000):
    from sklearn.preprocessing import StandardScaler

    from skvae.datasets import make_factor_analysis

    X, factors, _ = make_factor_analysis(n_samples, preset="FA15", random_state=0)
    return StandardScaler().fit_transform(X), factors


def lsdi_examples(path):
    """Heat maps of the toy matrices, titled with their exclusivity, balance and LSDI."""
    import matplotlib.pyplot as plt

    from skvae.metrics import lsdi_components
    from skvae.plotting import plot_heatmap

    fig, axes = plt.subplots(2, 3, figsize=(12, 5.5), layout="constrained")
    for ax, (name, matrix) in zip(axes.ravel(), LSDI_EXAMPLES):
        c = lsdi_components(matrix)
        plot_heatmap(matrix, ax=ax, cmap="Blues",
                     title=f"{name}\nE={c.exclusivity:.3f}  Bal={c.balance:.3f}  "
                           f"LSDI={c.lsdi:.3f}")
        ax.images[0].set_clim(0, np.max(matrix))  # colour scale from 0 for every panel
    fig.savefig(path, dpi=90)
    plt.close(fig)


def fvh_dbsr_linear(path):
    """FVH-LT V and DBSR-LS Theta^2 of FastICA (aligned axes) and PCA (rotated) on FA15."""
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA, FastICA

    from skvae.metrics import evaluate
    from skvae.plotting import plot_heatmap

    X, _ = _fa15()
    fig, axes = plt.subplots(2, 2, figsize=(13, 5.5), layout="constrained")
    for row, model in zip(axes, [FastICA(3, random_state=0), PCA(3)]):
        ev = evaluate(model.fit(X), X, random_state=0)
        name = type(model).__name__
        ev.fvh_lt.plot(ax=row[0], title=f"{name}: FVH-LT V  (LSDI {ev.lsdi_fvh_lt.lsdi:.2f})")
        plot_heatmap(ev.dbsr_ls.importance, row_labels=ev.latent_names,
                     col_labels=ev.feature_names, ax=row[1], colorbar_label="variance explained",
                     title=f"{name}: DBSR-LS Theta^2  (LSDI {ev.lsdi_dbsr_ls.lsdi:.2f})")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def gas_alignment(path):
    """Correlations between two FastICA runs before and after GAS alignment."""
    import matplotlib.pyplot as plt
    from sklearn.decomposition import FastICA

    from skvae.metrics import gas_align

    X, _ = _fa15()
    codes = [FastICA(3, random_state=seed).fit_transform(X) for seed in (0, 2)]
    alignment = gas_align(codes, reference=0)
    aligned = alignment.align(codes[1], 1)
    before = np.corrcoef(codes[0].T, codes[1].T)[:3, 3:]
    after = np.corrcoef(codes[0].T, aligned.T)[:3, 3:]
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.4), layout="constrained")
    for ax, corr, title in [(axes[0], before, "run 2 as fitted"),
                            (axes[1], after, "run 2 after GAS")]:
        image = ax.imshow(corr, cmap="RdBu_r", vmin=-1, vmax=1)
        for (i, j), value in np.ndenumerate(corr):
            ax.text(j, i, f"{value + 0.0:.2f}".replace("-0.00", "0.00"), ha="center",
                    va="center", color="white" if abs(value) > 0.5 else "black")
        ax.set_xticks(range(3), labels=[f"run2 z{j}" for j in range(3)])
        ax.set_yticks(range(3), labels=[f"ref z{i}" for i in range(3)])
        ax.set_title(title)
    fig.colorbar(image, ax=axes, label="correlation with the reference run")
    fig.savefig(path, dpi=90)
    plt.close(fig)


FIGURES = {
    "lsdi_examples.png": lsdi_examples,
    "fvh_dbsr_linear.png": fvh_dbsr_linear,
    "gas_alignment.png": gas_alignment,
}


def main(out_dir):
    """Write every figure into ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, draw in FIGURES.items():
        draw(out_dir / name)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "_static" / "figures")
