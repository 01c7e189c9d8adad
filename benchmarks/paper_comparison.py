"""The paper's comparison: seven VAEs and three linear baselines on six datasets, R seeds each.

For every dataset (FA15, FA24, FA100, white wine, FIFA, an image set) and every model (VAE,
BetaVAE, AnnealedVAE, FactorVAE, BetaTCVAE, DIPVAE, BFVAE with their skvae defaults; PCA,
FactorAnalysis with varimax rotation and FastICA as linear baselines) the script fits an
:class:`~skvae.AlignedEnsemble` of R runs (the same R seeds in every cell of a dataset, latents
aligned across runs by GAS) on the training rows (80 %, fixed split) and reports, on the 20 %
held-out rows:

* informative latents (KL > 0.1 nats on the training rows; every component of a linear model),
  mean and SD over runs;
* the per-run LSDI and its FVH-LT and DBSR-LS parts (mean and SD over runs), and the LSDI of
  the GAS-aggregated matrices, both from one ``AlignedEnsemble.evaluate`` call (the same FVH-LT
  anchors and DBSR-LS folds for every run); ``lsdi_gas_train`` is the ensemble's own
  ``evaluation_`` on (at most 5,000) training rows;
* held-out reconstruction error (decoder mean of the posterior mean): MSE per entry on the
  standardised features for tables, binary cross-entropy per pixel for images;
* held-out ELBO of the VAEs (nats per row); for PCA and FactorAnalysis their exact held-out
  log-likelihood (``score``), in a separate column; FastICA has neither;
* on the simulated tables: the false discovery rate of the informative latents
  (``informative_fdr`` with the FVH-LT matrix and the true blocks ``loadings.argmax(0)``), and
  MIG, DCI (D, C, I) and SAP against the true factors, computed on the codes of all rows (train
  and held-out) restricted to the informative latents (a model without any scores 0);
* UDR (disentanglement_lib's Lasso variant, KL mask 0.01 nats) across the R runs, on the
  held-out codes;
* the number of DBSR-LS calls of the cell that stopped at ``max_iter`` before reaching
  their tolerance (``dbsr_ls_unconverged``).

Linear baselines get K = the true number of factors on simulated data and, on real data,
the rounded median number of informative BFVAE latents over the R runs (at least 2): an
over-specified linear model has no KL to switch components off, so every component counts.

Settings (``--full`` switches from the reduced to the full one; each field can be overridden):

=================  ==================================  ==================================
                   reduced (default)                   full (``--full``)
=================  ==================================  ==================================
runs per cell R    3                                   10
simulated rows     5,000                               10,000
table epochs       60                                  100 (the estimators' default)
image set          digits 8x8 (1,797 images)           MNIST 5k (``load_mnist_5k``)
image epochs       steps of a 4,000-row table          steps of a 4,000-row table
=================  ==================================  ==================================

Every model: K = 10 latents, MLP (128, 64), batch 256, Adam 1e-3; Gaussian likelihood on
standardised tables (scaler fitted on the training rows), Bernoulli on images in [0, 1].

Outputs: benchmarks/results/paper_comparison.csv (one row per dataset x model; a first comment
line holds the command and setting), paper_comparison.json (setting, machine, per-run values,
aligned KL), paper_comparison.md (one table per dataset), paper_comparison_tradeoff.png and
paper_comparison_heatmap_<dataset>.png.

Run from the repository root:  python -m benchmarks.paper_comparison [--full] [--jobs 2]
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch; inherited by the workers

import argparse
import json
import math
import time
import warnings

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from sklearn.decomposition import PCA, FastICA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from benchmarks._common import RESULTS, machine, write_result
from skvae import (
    BFVAE,
    DIPVAE,
    VAE,
    AlignedEnsemble,
    AnnealedVAE,
    BetaTCVAE,
    BetaVAE,
    FactorVAE,
)
from skvae.datasets import (
    load_digits_images,
    load_fifa,
    load_mnist_5k,
    load_white_wine,
    make_factor_analysis,
)
from skvae.estimators import DecodingFactorAnalysis
from skvae.metrics import (
    dci_scores,
    fvh_lt,
    informative_fdr,
    informative_latents,
    mig_score,
    sap_score,
    udr_score,
)

SIMULATED = ("FA15", "FA24", "FA100")
DATASETS = (*SIMULATED, "wine", "fifa", "images")
VAE_MODELS = ("BFVAE", "BetaTCVAE", "FactorVAE", "DIPVAE", "AnnealedVAE", "BetaVAE", "VAE")
LINEAR_MODELS = ("PCA", "FA-varimax", "FastICA")
MODELS = (*VAE_MODELS, *LINEAR_MODELS)
SETTINGS = {
    "reduced": {"runs": 3, "rows": 5000, "epochs": 60, "images": "digits"},
    "full": {"runs": 10, "rows": 10_000, "epochs": 100, "images": "mnist5k"},
}
N_COMPONENTS = 10
HEATMAP_MODELS = ("BFVAE", "VAE")
THRESHOLD = 0.1
#: Image epochs are scaled so that an image fit takes as many optimisation steps as a
#: table fit on this many training rows.
REFERENCE_TRAIN_ROWS = 4000


# --------------------------------------------------------------------------- data
def load_dataset(name, *, rows=5000, images="digits", factor_distribution="uniform",
                 link="linear", seed=0):
    """Train / held-out split of one dataset, standardised for tables.

    Returns a dict with ``X_train``, ``X_test``, ``X_all`` (train then held-out rows, as the
    model sees them), ``factors_all`` and ``blocks`` (simulated only, else None),
    ``likelihood``, ``n_factors`` (None for real data), ``feature_names``, ``label``.
    """
    factors, blocks, n_factors = None, None, None
    if name in SIMULATED or name.startswith("FA"):
        preset = name.split("-")[0]
        X, factors, loadings = make_factor_analysis(
            rows, preset=preset, factor_distribution=factor_distribution, link=link,
            random_state=seed,
        )
        blocks = np.abs(loadings).argmax(axis=0)
        n_factors = loadings.shape[0]
        feature_names = [f"x{j}" for j in range(X.shape[1])]
        label = f"{preset} ({X.shape[0]} rows, {factor_distribution} factors, {link} link)"
    elif name == "wine":
        bunch = load_white_wine()
        X, feature_names, label = bunch.data, list(bunch.feature_names), "white wine"
    elif name == "fifa":
        bunch = load_fifa()
        X, feature_names, label = bunch.data, list(bunch.feature_names), "FIFA 20 (34 skills)"
    elif name == "images":
        bunch = load_digits_images() if images == "digits" else load_mnist_5k()
        X, feature_names = bunch.data, list(bunch.feature_names)
        label = "digits 8x8" if images == "digits" else "MNIST 5k"
    else:
        raise ValueError(f"unknown dataset {name!r}")
    X = np.asarray(X, dtype=np.float64)
    index = np.arange(X.shape[0])
    train, test = train_test_split(index, test_size=0.2, random_state=seed)
    image = name == "images"
    if image:
        X_train, X_test = X[train], X[test]
    else:
        scaler = StandardScaler().fit(X[train])
        X_train, X_test = scaler.transform(X[train]), scaler.transform(X[test])
    return {
        "name": name,
        "label": label,
        "X_train": X_train,
        "X_test": X_test,
        "X_all": np.vstack([X_train, X_test]),
        "factors_all": None if factors is None else np.vstack([factors[train], factors[test]]),
        "blocks": blocks,
        "n_factors": n_factors,
        "likelihood": "bernoulli" if image else "gaussian",
        "feature_names": feature_names,
    }


def epochs_for(data, epochs):
    """Table epochs as given; image epochs scaled to the steps of a 4,000-row table."""
    if data["likelihood"] == "gaussian":
        return epochs
    steps_per_epoch = max(1, len(data["X_train"]) // 256)
    return int(math.ceil(epochs * (REFERENCE_TRAIN_ROWS // 256) / steps_per_epoch))


def make_model(name, *, n_components=N_COMPONENTS, likelihood="gaussian", epochs=60, **params):
    """A model with its skvae defaults (VAEs) or a linear baseline with ``n_components``."""
    vaes = {"VAE": VAE, "BetaVAE": BetaVAE, "AnnealedVAE": AnnealedVAE, "FactorVAE": FactorVAE,
            "BetaTCVAE": BetaTCVAE, "DIPVAE": DIPVAE, "BFVAE": BFVAE}
    if name in vaes:
        return vaes[name](n_components=n_components, likelihood=likelihood, max_iter=epochs,
                          batch_size=256, **params)
    if name == "PCA":
        return PCA(n_components, random_state=0)
    if name == "FA-varimax":
        return DecodingFactorAnalysis(n_components, rotation="varimax", random_state=0)
    if name == "FastICA":
        return FastICA(n_components, whiten="unit-variance", max_iter=1000, random_state=0)
    raise ValueError(f"unknown model {name!r}")


# --------------------------------------------------------------------------- metrics
def reconstruction_error(model, X, likelihood):
    """Held-out reconstruction error of the decoded posterior means.

    Gaussian: mean squared error per entry. Bernoulli: binary cross-entropy per pixel (decoded
    values clipped to [1e-6, 1 - 1e-6], needed for linear decoders).
    """
    recon = np.asarray(model.inverse_transform(model.transform(X)), dtype=np.float64)
    if likelihood == "gaussian":
        return float(np.mean((X - recon) ** 2))
    p = np.clip(recon, 1e-6, 1 - 1e-6)
    return float(-np.mean(X * np.log(p) + (1 - X) * np.log1p(-p)))


def ground_truth_metrics(model, informative, X_all, factors):
    """MIG, DCI (D, C, I) and SAP of the informative latents' codes against the factors."""
    if informative.sum() == 0:
        return {"mig": 0.0, "dci_d": 0.0, "dci_c": 0.0, "dci_i": 0.0, "sap": 0.0}
    codes = np.asarray(model.transform(X_all), dtype=np.float64)[:, informative]
    d, c, i = dci_scores(codes, factors, random_state=0)
    return {
        "mig": float(mig_score(codes, factors)),
        "dci_d": float(d),
        "dci_c": float(c),
        "dci_i": float(i),
        "sap": float(sap_score(codes, factors, random_state=0)),
    }


def run_metrics(run, data, *, eval_seed=0):
    """Per-run metrics other than the LSDI: informative count, FDR, reconstruction, ELBO, GT."""
    X_test, likelihood = data["X_test"], data["likelihood"]
    informative = informative_latents(run, threshold=THRESHOLD)
    is_vae = hasattr(run, "kl_per_latent_")
    row = {
        "informative": int(informative.sum()),
        "recon_error": reconstruction_error(run, X_test, likelihood),
        "elbo": run.score(X_test) if is_vae else np.nan,
        "loglik": run.score(X_test) if (not is_vae and hasattr(run, "score")) else np.nan,
    }
    if data["blocks"] is not None:
        V = fvh_lt(run, X_test, informative=informative, random_state=eval_seed).variances
        row["fdr"] = informative_fdr(V, informative, data["blocks"])
        row.update(ground_truth_metrics(run, informative, data["X_all"], data["factors_all"]))
    return row


def run_cell(dataset, model_name, estimator, data, *, n_runs, seed=0, eval_seed=0):
    """Fit one AlignedEnsemble (R runs) and evaluate it; returns (record, extras).

    The LSDI of each run and of the GAS-aggregated matrices come from one
    ``AlignedEnsemble.evaluate`` call on the held-out rows (every run evaluated with the
    same FVH-LT anchors and DBSR-LS folds); the other per-run metrics from :func:`run_metrics`.
    """
    torch.set_num_threads(1)
    start, cpu_start = time.perf_counter(), time.process_time()
    # convergence warnings (FastICA, DBSR-LS, UDR's lasso) are recorded, not shown; the
    # DBSR-LS ones are counted in the record
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ensemble = AlignedEnsemble(estimator, n_runs=n_runs, threshold=THRESHOLD,
                                   random_state=seed).fit(data["X_train"])
        fit_seconds = time.perf_counter() - start
        runs = ensemble.estimators_
        gas = ensemble.evaluate(data["X_test"], random_state=eval_seed)
        per_run = [run_metrics(run, data, eval_seed=eval_seed) for run in runs]
        kls = [getattr(run, "kl_per_latent_", None) for run in runs]
        codes = [np.asarray(run.transform(data["X_test"]), dtype=np.float64) for run in runs]
        udr, _ = udr_score(codes, None if kls[0] is None else kls, random_state=0)
    for r, row in enumerate(per_run):
        row["lsdi"] = float(gas.run_lsdi[r])
        row["lsdi_fvh_lt"] = float(gas.run_lsdi_fvh_lt[r])
        row["lsdi_dbsr_ls"] = float(gas.run_lsdi_dbsr_ls[r])

    record = {"dataset": dataset, "model": model_name,
              "family": "vae" if kls[0] is not None else "linear",
              "n_components": int(codes[0].shape[1]), "n_runs": n_runs}
    frame = pd.DataFrame(per_run)
    for column in frame.columns:
        values = frame[column].to_numpy(dtype=np.float64)
        record[f"{column}_mean"] = float(np.mean(values))
        record[f"{column}_sd"] = float(np.std(values, ddof=1)) if n_runs > 1 else 0.0
    record.update({
        "lsdi_gas": gas.lsdi,
        "lsdi_gas_fvh_lt": gas.lsdi_fvh_lt.lsdi,
        "lsdi_gas_dbsr_ls": gas.lsdi_dbsr_ls.lsdi,
        "lsdi_gas_train": ensemble.evaluation_.lsdi,
        "stability_informative": float(np.mean(gas.stability[gas.informative]))
        if gas.informative.any() else np.nan,
        "udr_mean": float(np.mean(udr)),
        "udr_sd": float(np.std(udr, ddof=1)),
        # DBSR-LS calls (fit-time and held-out evaluation, FDR) stopped at max_iter
        "dbsr_ls_unconverged": sum("DBSR-LS solver did not converge" in str(w.message)
                                   for w in caught),
        "recon_metric": "mse" if data["likelihood"] == "gaussian" else "bce_per_pixel",
        "fit_seconds_per_run": fit_seconds / n_runs,
        "cell_seconds": time.perf_counter() - start,
        "cell_cpu_seconds": time.process_time() - cpu_start,
    })
    if data["blocks"] is not None:
        record["fdr_gas"] = informative_fdr(gas.fvh_lt.mean, gas.informative, data["blocks"])
    extras = {
        "seeds": [int(s) for s in ensemble.seeds_],
        "reference": int(ensemble.reference_),
        "per_run": per_run,
        "kl_aligned": None if kls[0] is None else np.round(ensemble.kl_per_latent_, 4).tolist(),
        "informative_gas": gas.informative.tolist(),
        "fvh_lt_mean": gas.fvh_lt.mean,
        "latent_names": list(gas.latent_names),
    }
    return record, extras


# --------------------------------------------------------------------------- outputs
def plain(value):
    """JSON-ready copy of nested dicts/lists of numpy values (NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _fmt(mean, sd=None, digits=3):
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    text = f"{mean:.{digits}f}"
    if sd is not None and not (isinstance(sd, float) and math.isnan(sd)):
        text += f" ± {sd:.{digits}f}"
    return text


def markdown(frame, setting, labels):
    """One Markdown table per dataset."""
    lines = [
        "# Paper comparison",
        "",
        f"Setting: {setting['name']} — R = {setting['runs']} runs per cell (the same seeds "
        f"in every cell), {setting['rows']} simulated rows, {setting['epochs']} table epochs, "
        f"image set {setting['images']}; 80/20 split (seed 0). Metrics on held-out rows; "
        "mean ± SD (ddof 1) over runs. LSDI(GAS): LSDI of the GAS-aggregated matrices. "
        "Recon: MSE per standardised entry (tables) or BCE per pixel (images). ELBO: nats "
        "per row (VAEs); log-lik: exact held-out log-likelihood (PCA, FactorAnalysis). "
        "Ground truth (simulated): informative latents' codes on all rows.",
        "",
        f"Total wall time: {setting['wall_seconds'] / 60:.1f} min (load average of the shared "
        f"2-core machine at start / end: {setting['load_average_start'][1]:.1f} / "
        f"{setting['load_average_end'][1]:.1f}); CPU time of all cells "
        f"{setting['cpu_seconds'] / 60:.1f} min (one thread each, so about "
        f"{setting['cpu_seconds'] / 120:.1f} min of wall time on an idle 2-core machine).",
        "",
    ]
    for dataset, group in frame.groupby("dataset", sort=False):
        simulated = group["fdr_mean"].notna().any() if "fdr_mean" in group else False
        lines += [f"## {labels[dataset]}", ""]
        header = ["model", "K", "informative", "LSDI", "FVH-LT", "DBSR-LS", "LSDI(GAS)",
                  "recon", "ELBO / log-lik", "UDR"]
        if simulated:
            header[4:4] = ["FDR"]
            header += ["MIG", "DCI-D", "DCI-C", "SAP"]
        header += ["s/run"]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for _, r in group.iterrows():
            elbo = r["elbo_mean"] if r["family"] == "vae" else r["loglik_mean"]
            elbo_sd = r["elbo_sd"] if r["family"] == "vae" else r["loglik_sd"]
            cells = [
                r["model"], str(r["n_components"]), _fmt(r["informative_mean"],
                                                         r["informative_sd"], 1),
                _fmt(r["lsdi_mean"], r["lsdi_sd"]), _fmt(r["lsdi_fvh_lt_mean"]),
                _fmt(r["lsdi_dbsr_ls_mean"]), _fmt(r["lsdi_gas"]),
                _fmt(r["recon_error_mean"], r["recon_error_sd"]),
                _fmt(elbo, elbo_sd, 2) + ("" if r["family"] == "vae" or math.isnan(elbo)
                                          else " (log-lik)"),
                _fmt(r["udr_mean"], r["udr_sd"], 2),
            ]
            if simulated:
                cells[4:4] = [_fmt(r["fdr_mean"], r["fdr_sd"], 2)]
                cells += [_fmt(r["mig_mean"], digits=2), _fmt(r["dci_d_mean"], digits=2),
                          _fmt(r["dci_c_mean"], digits=2), _fmt(r["sap_mean"], digits=2)]
            cells += [f"{r['fit_seconds_per_run']:.1f}"]
            lines.append("| " + " | ".join(cells) + " |")
        best = group.loc[group["lsdi_mean"].idxmax()]
        lines += ["", f"Best LSDI: **{best['model']}** ({_fmt(best['lsdi_mean'], best['lsdi_sd'])},"
                  f" recon {_fmt(best['recon_error_mean'])}); lowest recon: "
                  f"{group.loc[group['recon_error_mean'].idxmin(), 'model']} "
                  f"({group['recon_error_mean'].min():.3f}).", ""]
        if "dbsr_ls_unconverged" in group and group["dbsr_ls_unconverged"].any():
            stopped = group[group["dbsr_ls_unconverged"] > 0]
            lines += ["DBSR-LS calls stopped at max_iter: " + ", ".join(
                f"{m} {int(n)}" for m, n in zip(stopped["model"],
                                               stopped["dbsr_ls_unconverged"])) + ".", ""]
    return "\n".join(lines) + "\n"


def plot_tradeoff(frame, labels, path):
    """LSDI against held-out reconstruction error, one panel per dataset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skvae.plotting import plot_lsdi_tradeoff

    datasets = list(dict.fromkeys(frame["dataset"]))
    n_cols = 3
    n_rows = math.ceil(len(datasets) / n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(13, 4.2 * n_rows), layout="constrained",
                             squeeze=False)
    for ax, dataset in zip(axes.ravel(), datasets):
        group = frame[frame["dataset"] == dataset]
        # models with identical results (BFVAE and BetaTCVAE share their defaults) share a
        # point and a label
        key = group[["recon_error_mean", "lsdi_mean"]].round(6).apply(tuple, axis=1)
        group = group.assign(model=group.groupby(key)["model"].transform(" = ".join))
        group = group.drop_duplicates("model")
        plot_frame = {
            "model": group["model"].to_numpy(),
            "reconstruction_error": group["recon_error_mean"].to_numpy(),
            "reconstruction_error_sd": group["recon_error_sd"].to_numpy(),
            "lsdi": group["lsdi_mean"].to_numpy(),
            "lsdi_sd": group["lsdi_sd"].to_numpy(),
        }
        plot_lsdi_tradeoff(plot_frame, ax=ax)
        for text in ax.texts:
            text.set_fontsize(7)
        metric = group["recon_metric"].iloc[0]
        ax.set_xlabel("held-out " + ("MSE" if metric == "mse" else "BCE per pixel"))
        ax.set_ylabel("LSDI (mean ± SD over runs)")
        ax.set_ylim(-0.05, 1.05)
        ax.set_title(labels[dataset], fontsize=10)
    for ax in axes.ravel()[len(datasets):]:
        ax.set_visible(False)
    fig.savefig(path, dpi=70)
    plt.close(fig)


def plot_heatmaps(extras, dataset, models, labels, feature_names, path):
    """Side-by-side GAS-mean FVH-LT heat maps of a few models on one dataset."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skvae.plotting import plot_heatmap

    present = [m for m in models if "fvh_lt_mean" in extras.get((dataset, m), {})]
    if not present:
        return
    p = len(feature_names)
    fig, axes = plt.subplots(1, len(present), figsize=(min(7.0, 2.5 + 0.32 * p) * len(present),
                                                       4.2), layout="constrained", squeeze=False)
    for ax, model in zip(axes.ravel(), present):
        ex = extras[(dataset, model)]
        names = [f"z{k}{'*' if inf else ''}" for k, inf in enumerate(ex["informative_gas"])]
        plot_heatmap(np.asarray(ex["fvh_lt_mean"]), row_labels=names, col_labels=feature_names,
                     ax=ax, title=f"{model} on {labels[dataset]}: FVH-LT V, GAS mean "
                     f"(* informative)",
                     colorbar_label="variance over traversal")
        ax.title.set_fontsize(9)
        ax.tick_params(labelsize=6)
    fig.savefig(path, dpi=70)
    plt.close(fig)


# --------------------------------------------------------------------------- driver
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true",
                        help="full setting: R=10, 10,000 simulated rows, 100 epochs, MNIST 5k")
    parser.add_argument("--runs", type=int, help="runs per cell (R)")
    parser.add_argument("--rows", type=int, help="rows of the simulated tables")
    parser.add_argument("--epochs", type=int, help="table epochs")
    parser.add_argument("--images", choices=("digits", "mnist5k"), help="image set")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=MODELS)
    parser.add_argument("--variant", nargs="+", default=[], metavar="NAME:KEY=VALUE,...",
                        help="extra BFVAE rows with other parameters, e.g. "
                             "'BFVAE(beta=0.5):beta=0.5' (fitted with the same seeds)")
    parser.add_argument("--merge", action="store_true",
                        help="add the rows of this run to the existing result files (same "
                             "setting), replacing rows of the same dataset and model")
    parser.add_argument("--jobs", type=int, default=2, help="cells fitted in parallel")
    parser.add_argument("--out", default="paper_comparison", help="result file stem")
    parser.add_argument("--seed", type=int, default=0, help="data, split and run seeds")
    parser.add_argument("--replot", action="store_true",
                        help="only redraw the Markdown table and figures from the CSV/JSON")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.replot:
        write_figures_and_tables(args.out)
        return None
    name = "full" if args.full else "reduced"
    setting = {"name": name, **SETTINGS[name]}
    for key in ("runs", "rows", "epochs", "images"):
        if getattr(args, key) is not None:
            setting[key] = getattr(args, key)
    torch.set_num_threads(1)
    print(f"paper_comparison: {setting}, datasets {args.datasets}, {args.jobs} jobs", flush=True)

    setting["load_average_start"] = list(os.getloadavg())
    previous = read_previous(args.out) if args.merge else None
    start = time.perf_counter()
    records, extras, labels, features, timing = [], {}, {}, {}, {}
    variants = parse_variants(args.variant)
    setting["variants"] = variants
    vaes = [m for m in VAE_MODELS if m in args.models] + list(variants)
    linears = [m for m in LINEAR_MODELS if m in args.models]
    for dataset in args.datasets:
        t0 = time.perf_counter()
        data = load_dataset(dataset, rows=setting["rows"], images=setting["images"],
                            seed=args.seed)
        labels[dataset], features[dataset] = data["label"], data["feature_names"]
        epochs = epochs_for(data, setting["epochs"])
        print(f"[{dataset}] {data['label']}: train {data['X_train'].shape}, "
              f"test {data['X_test'].shape}, {epochs} epochs", flush=True)
        jobs = [delayed(run_cell)(dataset, m,
                                  make_model("BFVAE" if m in variants else m,
                                             likelihood=data["likelihood"], epochs=epochs,
                                             **variants.get(m, {})),
                                  data, n_runs=setting["runs"], seed=args.seed)
                for m in vaes]
        results = Parallel(n_jobs=args.jobs, verbose=0)(jobs)
        if data["n_factors"] is not None:
            k_linear, rule = data["n_factors"], "true number of factors"
        elif any(r["model"] == "BFVAE" for r, _ in results):
            informative = [row["informative"] for r, ex in results if r["model"] == "BFVAE"
                           for row in ex["per_run"]]
            k_linear = max(2, int(round(float(np.median(informative)))))
            rule = "rounded median informative BFVAE latents"
        else:
            k_linear, rule = 5, "fixed (no BFVAE run)"
        jobs = [delayed(run_cell)(dataset, m, make_model(m, n_components=k_linear), data,
                                  n_runs=setting["runs"], seed=args.seed)
                for m in linears]
        results += Parallel(n_jobs=args.jobs)(jobs)
        for record, extra in results:
            record["linear_k_rule"] = rule if record["family"] == "linear" else ""
            record["epochs"] = epochs if record["family"] == "vae" else np.nan
            record["n_train"], record["n_test"] = len(data["X_train"]), len(data["X_test"])
            records.append(record)
            extras[(dataset, record["model"])] = extra
            print(f"  {record['model']:12s} inf {record['informative_mean']:4.1f}  "
                  f"LSDI {record['lsdi_mean']:.3f}±{record['lsdi_sd']:.3f}  "
                  f"GAS {record['lsdi_gas']:.3f}  recon {record['recon_error_mean']:.3f}  "
                  + (f"FDR {record['fdr_mean']:.2f}  DCI-D {record['dci_d_mean']:.2f}  "
                     if "fdr_mean" in record else "")
                  + f"{record['fit_seconds_per_run']:.1f} s/run", flush=True)
        timing[dataset] = time.perf_counter() - t0
        print(f"[{dataset}] done in {timing[dataset] / 60:.1f} min "
              f"(total {(time.perf_counter() - start) / 60:.1f} min)", flush=True)
        # written after every dataset, so that a long run stopped part-way keeps its tables
        setting["wall_seconds"] = time.perf_counter() - start
        setting["load_average_end"] = list(os.getloadavg())
        frame = write_outputs(args, setting, records, extras, labels, features, timing,
                              previous)
    print(f"wrote {RESULTS / args.out}.csv and friends; wall time "
          f"{setting['wall_seconds'] / 60:.1f} min", flush=True)
    return frame


def write_outputs(args, setting, records, extras, labels, features, timing, previous):
    """Write the CSV, JSON, Markdown and figures of the cells fitted so far.

    ``previous`` (:func:`read_previous`, with ``--merge``) holds the rows of an earlier
    run that this one adds to. Returns the frame written.
    """
    setting = dict(setting)
    # CPU seconds of all cells (one thread each): a load-independent measure of the cost;
    # on an idle 2-core machine with 2 jobs the wall time is about half of it.
    setting["cpu_seconds"] = float(sum(r["cell_cpu_seconds"] for r in records))
    frame = pd.DataFrame(records)
    cells = {}
    for (d, m), ex in extras.items():
        cell = {k: v for k, v in ex.items() if k != "fvh_lt_mean"}
        if m in HEATMAP_MODELS or m in setting["variants"]:
            cell["fvh_lt_mean"] = np.asarray(ex["fvh_lt_mean"]).round(5)
        cells[f"{d}/{m}"] = cell
    cells = plain(cells)
    if previous is not None:
        frame, setting, labels, features, timing, cells = merge_previous(
            previous, frame, setting, labels, features, timing, cells)
    frame = sort_rows(frame)

    RESULTS.mkdir(exist_ok=True)
    info = machine()
    with open(RESULTS / f"{args.out}.csv", "w") as f:
        f.write(f"# command: {info['command']}; setting: {json.dumps(setting)}; "
                f"seed {args.seed}; machine: {info['cpu']}, {info['cores']} cores, "
                f"torch {info['torch']}; {info['date']}\n")
        frame.to_csv(f, index=False, float_format="%.6g")
    write_result(args.out, {
        "setting": setting,
        "dataset_seconds": timing,
        "datasets": labels,
        "feature_names": features,
        "models": sorted(set(frame["model"]), key=list(frame["model"]).index),
        "cells": cells,
    })
    write_figures_and_tables(args.out)
    return frame


def parse_variants(specs):
    """``['NAME:beta=0.5,gamma=2']`` -> ``{'NAME': {'beta': 0.5, 'gamma': 2.0}}``."""
    variants = {}
    for spec in specs:
        name, _, params = spec.partition(":")
        variants[name] = {k: float(v) for k, v in
                          (item.split("=", 1) for item in params.split(",") if item)}
    return variants


def sort_rows(frame):
    """Datasets in DATASETS order; models in MODELS order, variants right after BFVAE."""
    def key(model):
        if model in MODELS:
            return MODELS.index(model) + (1 if model != "BFVAE" else 0)
        return 0.5
    rank = [DATASETS.index(d) * 100 + key(m) for d, m in zip(frame["dataset"], frame["model"])]
    return frame.assign(_rank=rank).sort_values("_rank", kind="stable").drop(
        columns="_rank").reset_index(drop=True)


def read_previous(out):
    """The CSV rows and JSON payload of an earlier run, for ``--merge``."""
    return (pd.read_csv(RESULTS / f"{out}.csv", comment="#"),
            json.loads((RESULTS / f"{out}.json").read_text()))


def merge_previous(previous, frame, setting, labels, features, timing, cells):
    """Combine this run's rows with those of an earlier run (:func:`read_previous`)."""
    old, payload = previous
    new_keys = set(zip(frame["dataset"], frame["model"]))
    keep = [(d, m) not in new_keys for d, m in zip(old["dataset"], old["model"])]
    merged = pd.concat([old[keep], frame], ignore_index=True)
    earlier = payload["setting"]
    # A dataset rerun with all of its models replaces the earlier run's time on it.
    old_seconds = payload["dataset_seconds"]
    replaced = {d for d in timing
                if set(old.loc[old["dataset"] == d, "model"])
                <= set(frame.loc[frame["dataset"] == d, "model"])}
    combined = {**earlier,
                "variants": {**earlier.get("variants", {}), **setting["variants"]},
                "wall_seconds": earlier["wall_seconds"] + setting["wall_seconds"]
                - sum(old_seconds.get(d, 0.0) for d in replaced),
                # exact: the CPU time of the cells in the table
                "cpu_seconds": float(merged["cell_cpu_seconds"].sum()),
                "merged_runs": earlier.get("merged_runs", []) + [
                    {k: setting[k] for k in ("wall_seconds", "cpu_seconds",
                                             "load_average_start", "load_average_end")}
                    | {"models": sorted(set(frame["model"]))}]}
    return (merged, combined, {**payload["datasets"], **labels},
            {**payload.get("feature_names", {}), **features},
            {d: (0.0 if d in replaced else old_seconds.get(d, 0.0)) + timing.get(d, 0.0)
             for d in {*old_seconds, *timing}},
            {**payload["cells"], **cells})


def write_figures_and_tables(out):
    """Markdown table, trade-off plot and heat maps from the CSV and JSON results."""
    frame = pd.read_csv(RESULTS / f"{out}.csv", comment="#")
    payload = json.loads((RESULTS / f"{out}.json").read_text())
    labels, features = payload["datasets"], payload.get("feature_names", {})
    extras = {tuple(key.split("/", 1)): cell for key, cell in payload["cells"].items()}
    (RESULTS / f"{out}.md").write_text(markdown(frame, payload["setting"], labels))
    plot_tradeoff(frame, labels, RESULTS / f"{out}_tradeoff.png")
    for dataset in ("FA15", "wine", "fifa"):
        if dataset in features:
            models = [HEATMAP_MODELS[0], *payload["setting"].get("variants", {}),
                      *HEATMAP_MODELS[1:]]
            plot_heatmaps(extras, dataset, models, labels, features[dataset],
                          RESULTS / f"{out}_heatmap_{dataset.lower()}.png")


if __name__ == "__main__":
    main()
