"""Validation of the LSDI against ground truth: rank correlations on FA15, and nonlinear FA15.

Part 1 (rank correlation). On FA15 with uniform factors (identifiable axes) BFVAE is fitted
over a grid of beta, capacity and gamma (one seed per configuration; K = 10), and each fit is
evaluated on the held-out rows: the label-free LSDI (and its FVH-LT and DBSR-LS parts) and, on
all rows, DCI disentanglement and MIG against the true factors (codes of the informative
latents, as in paper_comparison; a model without informative latents scores 0 everywhere).
Every fit with at least two informative latents is also evaluated *rotated*: its informative
latents mixed by a rotation ``Q_t = expm(t log Q)`` of a random special-orthogonal ``Q``
(t = 0.25: a partial mix; t = 1: a full random rotation), wrapped in a small transformer whose
decoder undoes the mix (same reconstructions, same KL, rotated axes). PCA, FactorAnalysis
(varimax) and FastICA with K = 3 add three points. A small second setting uses Gaussian
factors (axes not identifiable). The script reports Spearman's rank correlation between LSDI
and DCI-D / MIG over all points, over the non-degenerate points (>= 2 informative latents) and
over the unrotated fits only, with a scatter plot.

Part 2 (nonlinear generator). FA15 with ``link='nonlinear'`` (each block's features cycle
through f, f^2 and sin 2f of the block's factor): VAE, BetaTCVAE, FactorVAE and BFVAE
(defaults) against PCA / FactorAnalysis-varimax / FastICA (K = 3), R seeds each, through
``paper_comparison.run_cell`` (same metrics as the paper comparison). Do the VAEs beat the
linear baselines there?

Reduced setting (default): 5,000 rows, 60 epochs, a 20-configuration subset of the grid
(all of beta x gamma at capacity 0; capacity 10 and 25 x gamma at beta 1), Gaussian factors
with 4 configurations, R = 3 for part 2. ``--full``: the whole 36-point grid
beta {0.5, 1, 2} x capacity {0, 10, 25} x gamma {0, 2, 5, 10}, 10,000 rows, 100 epochs, R = 5.

Outputs: benchmarks/results/validate_index.json (every point, the correlations, part 2),
validate_index.csv (the points), validate_index.md (summary tables) and
validate_index_scatter.png.

Run from the repository root:  python -m benchmarks.validate_index [--full] [--jobs 2]
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch; inherited by the workers

import argparse
import itertools
import json
import math
import time
import warnings

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from scipy.linalg import expm, logm
from scipy.stats import spearmanr, special_ortho_group
from sklearn.base import BaseEstimator, TransformerMixin

from benchmarks._common import RESULTS, write_result
from benchmarks.paper_comparison import (
    THRESHOLD,
    ground_truth_metrics,
    load_dataset,
    make_model,
    plain,
    reconstruction_error,
    run_cell,
)
from skvae import BFVAE
from skvae.metrics import evaluate, informative_latents

SETTINGS = {
    "reduced": {"rows": 5000, "epochs": 60, "runs": 3, "grid": "subset"},
    "full": {"rows": 10_000, "epochs": 100, "runs": 5, "grid": "full"},
}
BETAS, CAPACITIES, GAMMAS = (0.5, 1.0, 2.0), (0.0, 10.0, 25.0), (0.0, 2.0, 5.0, 10.0)
ROTATION_POWERS = (0.25, 1.0)
NONLINEAR_MODELS = ("VAE", "BetaTCVAE", "FactorVAE", "BFVAE", "PCA", "FA-varimax", "FastICA")


class RotatedLatents(TransformerMixin, BaseEstimator):
    """A fitted model whose latent axes are mixed by a fixed orthogonal matrix.

    ``transform(X) = model.transform(X) @ rotation`` and
    ``inverse_transform(Z) = model.inverse_transform(Z @ rotation.T)``: the same model with
    rotated axes. ``kl_per_latent_`` is copied (a rotation only mixes informative latents).
    """

    def __init__(self, model=None, rotation=None):
        self.model = model
        self.rotation = rotation

    def fit(self, X=None, y=None):
        """Copy the fitted model's attributes; nothing is learned."""
        if hasattr(self.model, "kl_per_latent_"):
            self.kl_per_latent_ = np.asarray(self.model.kl_per_latent_)
        self.n_features_in_ = self.model.n_features_in_
        self.n_components_ = self.rotation.shape[0]
        return self

    def transform(self, X):
        """Rotated codes."""
        return np.asarray(self.model.transform(X), dtype=np.float64) @ self.rotation

    def inverse_transform(self, Z):
        """Decode rotated codes with the original decoder."""
        return self.model.inverse_transform(np.asarray(Z, dtype=np.float64) @ self.rotation.T)

    def get_feature_names_out(self, input_features=None):
        """Latent names ``rot0, rot1, ...``."""
        return np.array([f"rot{k}" for k in range(self.rotation.shape[0])], dtype=object)


def grid(kind):
    """(beta, capacity, gamma) configurations of part 1."""
    if kind == "full":
        return list(itertools.product(BETAS, CAPACITIES, GAMMAS))
    subset = [(b, 0.0, g) for b in BETAS for g in GAMMAS]
    subset += [(1.0, c, g) for c in (10.0, 25.0) for g in GAMMAS]
    return subset


def rotation_matrix(informative, power, seed):
    """K x K matrix mixing the informative latents by ``Q**power`` (Q special-orthogonal)."""
    n_latents, idx = informative.shape[0], np.flatnonzero(informative)
    q = special_ortho_group.rvs(len(idx), random_state=seed)
    block = q if power == 1.0 else np.real(expm(power * logm(q)))
    rotation = np.eye(n_latents)
    rotation[np.ix_(idx, idx)] = block
    return rotation


def point(model, data, kind, config, *, eval_seed=0):
    """LSDI (+ parts), ground-truth metrics and reconstruction of one fitted model."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = evaluate(model, data["X_test"], threshold=THRESHOLD, random_state=eval_seed)
    informative = informative_latents(model, threshold=THRESHOLD)
    row = {
        "setting": data["name"],
        "kind": kind,
        **config,
        "informative": int(informative.sum()),
        "lsdi": ev.lsdi,
        "lsdi_fvh_lt": ev.lsdi_fvh_lt.lsdi,
        "lsdi_dbsr_ls": ev.lsdi_dbsr_ls.lsdi,
        "recon_error": reconstruction_error(model, data["X_test"], data["likelihood"]),
    }
    row.update(ground_truth_metrics(model, informative, data["X_all"], data["factors_all"]))
    return row


def fit_points(config, data, epochs, seed=0):
    """Fit one BFVAE configuration; return its point and its rotated points."""
    torch.set_num_threads(1)
    beta, capacity, gamma = config
    start = time.perf_counter()
    model = BFVAE(n_components=10, beta=beta, capacity=capacity, gamma=gamma, max_iter=epochs,
                  random_state=seed).fit(data["X_train"])
    cfg = {"beta": beta, "capacity": capacity, "gamma": gamma, "rotation": 0.0,
           "fit_seconds": time.perf_counter() - start}
    rows = [point(model, data, "fit", cfg)]
    informative = informative_latents(model, threshold=THRESHOLD)
    if informative.sum() >= 2:
        for power in ROTATION_POWERS:
            rotation = rotation_matrix(informative, power, seed=hash(config) % 2**31)
            rotated = RotatedLatents(model, rotation).fit()
            rows.append(point(rotated, data, "rotated", {**cfg, "rotation": power}))
    return rows


def linear_points(data):
    """PCA, FactorAnalysis-varimax and FastICA with K = number of factors."""
    rows = []
    for name in ("PCA", "FA-varimax", "FastICA"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make_model(name, n_components=data["n_factors"]).fit(data["X_train"])
        rows.append(point(model, data, f"linear:{name}", {"rotation": 0.0}))
    return rows


def correlations(frame):
    """Spearman rho (and p) of LSDI (and its parts) with DCI-D and MIG on subsets of points."""
    subsets = {
        "all points": frame,
        "non-degenerate (>= 2 informative)": frame[frame["informative"] >= 2],
        "unrotated BFVAE fits only": frame[frame["kind"] == "fit"],
        "uniform factors only": frame[frame["setting"] == "FA15"],
    }
    out = []
    for subset, part in subsets.items():
        for index in ("lsdi", "lsdi_fvh_lt", "lsdi_dbsr_ls"):
            for truth in ("dci_d", "mig"):
                if len(part) < 3:
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # constant input -> NaN
                    rho, p = spearmanr(part[index], part[truth])
                out.append({"subset": subset, "n": len(part), "index": index, "truth": truth,
                            "rho": float(rho), "p": float(p)})
    return pd.DataFrame(out)


def plot_scatter(frame, rho, path):
    """LSDI against DCI-D and MIG, points coloured by kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
    styles = {
        ("FA15", "fit"): ("tab:blue", "o", "BFVAE grid (uniform)"),
        ("FA15", "rotated"): ("tab:orange", "v", "rotated latents (uniform)"),
        ("FA15", "linear"): ("tab:green", "s", "linear baselines (uniform)"),
        ("FA15-gaussian", "fit"): ("tab:purple", "D", "BFVAE (Gaussian factors)"),
        ("FA15-gaussian", "rotated"): ("tab:pink", "^", "rotated (Gaussian factors)"),
        ("FA15-gaussian", "linear"): ("tab:gray", "P", "linear (Gaussian factors)"),
    }
    kinds = frame["kind"].str.split(":").str[0]
    for ax, truth, label in zip(axes, ("dci_d", "mig"), ("DCI disentanglement", "MIG")):
        for (setting, kind), (color, marker, name) in styles.items():
            part = frame[(frame["setting"] == setting) & (kinds == kind)]
            if len(part):
                ax.scatter(part[truth], part["lsdi"], c=color, marker=marker, s=28,
                           edgecolors="black", linewidths=0.4, label=name, alpha=0.85)
        r = rho[(rho["subset"] == "all points") & (rho["index"] == "lsdi")
                & (rho["truth"] == truth)]["rho"]
        title = f"LSDI vs {label}"
        if len(r):
            title += f" (Spearman rho = {float(r.iloc[0]):.2f}, all points)"
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(f"{label} (true factors)")
        ax.set_ylabel("LSDI (label-free)")
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
    axes[0].legend(fontsize=7, loc="upper left")
    fig.savefig(path, dpi=70)
    plt.close(fig)


def markdown(frame, rho, nonlinear, setting):
    """Summary tables."""
    lines = ["# Validation of the LSDI", "",
             f"Setting: {setting['name']} — FA15, {setting['rows']} rows, {setting['epochs']} "
             f"epochs, grid {setting['grid']} ({setting['n_configs']} BFVAE configurations), "
             f"R = {setting['runs']} for the nonlinear comparison. Wall time "
             f"{setting['wall_seconds'] / 60:.1f} min"
             + (f" for part 2; part 1's points come from an earlier run (wall time of that "
                f"run, both parts: {setting['part1_reused_from']['wall_seconds'] / 60:.1f} min)"
                if "part1_reused_from" in setting else "") + ".", "",
             "## Spearman rank correlation of LSDI with the ground-truth metrics", "",
             "| points | n | index | vs | rho | p |", "|---|---|---|---|---|---|"]
    for _, r in rho.iterrows():
        lines.append(f"| {r['subset']} | {r['n']} | {r['index']} | {r['truth']} | "
                     f"{r['rho']:.3f} | {r['p']:.2g} |")
    lines += ["", "## Points", "",
              "| setting | kind | beta | capacity | gamma | rotation | informative | LSDI | "
              "DCI-D | MIG | recon |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in frame.iterrows():
        def f(v, d=2):
            return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{d}g}"
        lines.append(f"| {r['setting']} | {r['kind']} | {f(r.get('beta'))} | "
                     f"{f(r.get('capacity'))} | {f(r.get('gamma'))} | {f(r['rotation'])} | "
                     f"{r['informative']} | {r['lsdi']:.3f} | {r['dci_d']:.3f} | {r['mig']:.3f} "
                     f"| {r['recon_error']:.3f} |")
    lines += ["", "## Nonlinear FA15 (link='nonlinear'): VAEs against linear baselines", "",
              "| model | K | informative | LSDI | DCI-D | MIG | recon |",
              "|---|---|---|---|---|---|---|"]
    for _, r in nonlinear.iterrows():
        lines.append(
            f"| {r['model']} | {r['n_components']} | {r['informative_mean']:.1f} | "
            f"{r['lsdi_mean']:.3f} ± {r['lsdi_sd']:.3f} | {r['dci_d_mean']:.3f} ± "
            f"{r['dci_d_sd']:.3f} | {r['mig_mean']:.3f} ± {r['mig_sd']:.3f} | "
            f"{r['recon_error_mean']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--runs", type=int)
    parser.add_argument("--max-configs", type=int, help="keep the first N configurations")
    parser.add_argument("--skip-nonlinear", action="store_true")
    parser.add_argument("--reuse-grid", action="store_true",
                        help="read part 1's points from the existing CSV (same setting) and "
                             "rerun only part 2, e.g. after a change of the BFVAE defaults")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="validate_index")
    args = parser.parse_args(argv)
    name = "full" if args.full else "reduced"
    setting = {"name": name, **SETTINGS[name]}
    for key in ("rows", "epochs", "runs"):
        if getattr(args, key) is not None:
            setting[key] = getattr(args, key)
    torch.set_num_threads(1)
    start = time.perf_counter()
    setting["load_average_start"] = list(os.getloadavg())

    if args.reuse_grid:
        earlier = json.loads((RESULTS / f"{args.out}.json").read_text())["setting"]
        frame = pd.read_csv(RESULTS / f"{args.out}.csv")
        setting["n_configs"] = earlier["n_configs"]
        setting["part1_reused_from"] = earlier
        rho = correlations(frame)
    else:
        uniform = load_dataset("FA15", rows=setting["rows"], seed=0)
        gaussian = load_dataset("FA15", rows=setting["rows"], factor_distribution="gaussian",
                                seed=0)
        gaussian["name"] = "FA15-gaussian"
        configs = grid(setting["grid"])[: args.max_configs]
        gauss_configs = [(1.0, 0.0, 0.0), (1.0, 0.0, 5.0), (1.0, 25.0, 5.0), (0.5, 0.0, 10.0)]
        gauss_configs = gauss_configs[: args.max_configs]
        setting["n_configs"] = len(configs)
        print(f"validate_index: {setting}; {len(configs)} + {len(gauss_configs)} fits",
              flush=True)
        jobs = [delayed(fit_points)(c, uniform, setting["epochs"]) for c in configs]
        jobs += [delayed(fit_points)(c, gaussian, setting["epochs"]) for c in gauss_configs]
        results = Parallel(n_jobs=args.jobs, verbose=10)(jobs)
        rows = [row for rs in results for row in rs] + linear_points(uniform)
        rows += linear_points(gaussian)
        frame = pd.DataFrame(rows)
        rho = correlations(frame)
        print(rho.to_string(), flush=True)
        print(f"part 1 done in {(time.perf_counter() - start) / 60:.1f} min", flush=True)
        setting["part1_wall_seconds"] = time.perf_counter() - start

    nonlinear = pd.DataFrame()
    if not args.skip_nonlinear:
        data = load_dataset("FA15", rows=setting["rows"], link="nonlinear", seed=0)
        data["name"] = "FA15-nonlinear"
        jobs = []
        for model in NONLINEAR_MODELS:
            k = 10 if model not in ("PCA", "FA-varimax", "FastICA") else data["n_factors"]
            jobs.append(delayed(run_cell)("FA15-nonlinear", model,
                                          make_model(model, n_components=k,
                                                     epochs=setting["epochs"]),
                                          data, n_runs=setting["runs"]))
        nonlinear = pd.DataFrame([r for r, _ in Parallel(n_jobs=args.jobs)(jobs)])
        print(nonlinear[["model", "informative_mean", "lsdi_mean", "lsdi_sd", "dci_d_mean",
                         "mig_mean", "recon_error_mean"]].to_string(), flush=True)

    setting["wall_seconds"] = time.perf_counter() - start
    setting["load_average_end"] = list(os.getloadavg())
    RESULTS.mkdir(exist_ok=True)
    frame.to_csv(RESULTS / f"{args.out}.csv", index=False, float_format="%.6g")
    write_result(args.out, {
        "setting": setting,
        "correlations": plain(rho.to_dict(orient="records")),
        "points": plain(frame.to_dict(orient="records")),
        "nonlinear": plain(nonlinear.to_dict(orient="records")),
    })
    (RESULTS / f"{args.out}.md").write_text(markdown(frame, rho, nonlinear, setting))
    plot_scatter(frame, rho, RESULTS / f"{args.out}_scatter.png")
    print(f"wrote {RESULTS / args.out}.*; wall time {setting['wall_seconds'] / 60:.1f} min",
          flush=True)


if __name__ == "__main__":
    main()
