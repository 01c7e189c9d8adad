"""``skvae report``: fit repeated VAE runs on a table, align them with GAS, write a report."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import textwrap
import time
import warnings

import numpy as np

from skvae.cli import _html
from skvae.cli._data import note, positive_int
from skvae.cli._main import raise_if_interrupted
from skvae.cli._models import (
    HYPER_FLAGS,
    VAE_MODELS,
    add_data_options,
    add_fit_options,
    check_device,
    check_hyper_flags,
    check_n_jobs,
    check_out_dir,
    command_line,
    make_out_dir,
    make_vae,
    non_negative_float,
    progress,
    read_data,
    remove_outputs,
    resolve_n_jobs,
    versions,
    write_json,
)

#: Rows used for the evaluation (as AlignedEnsemble's ``n_eval_samples``).
N_EVAL_ROWS = 5000
#: Every file a report may write; those in DIR are removed before a report is written,
#: so that none is left over from an earlier report (e.g. stability.png after --runs 1).
REPORT_FILES = (
    "report.html", "summary.json", "latents.csv", "fvh_lt.csv", "dbsr_ls.csv",
    "fvh_lt_std.csv", "dbsr_ls_std.csv", "dbsr_ls_selection_frequency.csv", "runs.csv",
    "kl.png", "fvh_lt.png", "dbsr_ls.png", "traversals.png", "stability.png", "model.joblib",
)

DESCRIPTION = textwrap.fill(
    "Fit --runs VAEs on a standardised table, align their latents with GAS, find "
    "the informative latents and compute FVH-LT, DBSR-LS and the LSDI; write an "
    "HTML report, figures, CSV matrices, summary.json and the fitted model.",
    88,
)
EPILOG = """\
Files written into DIR:
  report.html      self-contained report (pictures embedded): open it in a browser
  summary.json     the numbers (keys below)
  latents.csv      one row per latent: kl, informative, [informative_frequency,
                   stability,] heterogeneity, fvh_lt_features, dbsr_ls_features
  fvh_lt.csv       FVH-LT V, latents x features (mean over the aligned runs)
  dbsr_ls.csv      DBSR-LS Theta^2, latents x features (mean over the aligned runs)
  fvh_lt_std.csv, dbsr_ls_std.csv, dbsr_ls_selection_frequency.csv   (--runs >= 2)
  runs.csv         one row per run: run, seed, reference, n_informative, lsdi,
                   lsdi_fvh_lt, lsdi_dbsr_ls, reconstruction_error
  kl.png, fvh_lt.png, dbsr_ls.png, traversals.png, stability.png (--runs >= 2)
  model.joblib     the fitted Pipeline(StandardScaler, AlignedEnsemble or model). It
                   takes the feature columns only, those of summary.json's
                   dataset.features in that order (not the target, text, constant or
                   index columns left out): with features = that list,
                   joblib.load(path).transform(table[features]) gives the aligned codes
These files, when DIR holds them from an earlier report, are removed before the new
report is written; other files in DIR are left alone.

summary.json keys: command, versions, dataset, settings, timing, lsdi, lsdi_fvh_lt,
  lsdi_dbsr_ls (each {lsdi, exclusivity, balance}), n_informative, informative_latents,
  reconstruction_error, evaluation (the full evaluation summary), runs, files.

--runs 1 fits and evaluates a single model (no alignment, no stability).
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "report",
        help="fit repeated VAE runs on a table and write an HTML report",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_data_options(parser, data_required=False)
    group = parser.add_argument_group("model")
    group.add_argument("--model", choices=list(VAE_MODELS), default="bfvae",
                       help="the VAE (default: bfvae)")
    group.add_argument("--runs", type=positive_int, default=5, metavar="R",
                       help="independent runs aligned by GAS (default: 5; 1: a single model)")
    add_hyper_options(group)
    add_fit_options(parser, default_out="skvae_report")
    parser.set_defaults(run=run)


def add_hyper_options(group):
    for flag, (param, models) in HYPER_FLAGS.items():
        group.add_argument(
            f"--{flag.replace('_', '-')}", type=non_negative_float, default=None, metavar="X",
            help=f"{param} (models: {', '.join(models)}; default: the model's)")


def hyper_params(args):
    """``{param: value}`` of the hyperparameter flags given; error if one does not apply."""
    values = {flag: getattr(args, flag) for flag in HYPER_FLAGS}
    check_hyper_flags(args.model, values)
    return {HYPER_FLAGS[f][0]: v for f, v in values.items() if v is not None}


def _eval_rows(X, seed):
    if len(X) <= N_EVAL_ROWS:
        return X
    rows = np.sort(np.random.RandomState(seed).choice(len(X), N_EVAL_ROWS, replace=False))
    return X.iloc[rows]


def _mse(model, X):
    """Mean squared reconstruction error of ``model`` on ``X`` (a DataFrame)."""
    X_hat = model.inverse_transform(model.transform(X))
    return float(np.mean((np.asarray(X_hat, dtype=np.float64) - X.to_numpy(np.float64)) ** 2))


def fit_report_model(args, table, *, hyper, n_jobs, desc):
    """Fit Pipeline(StandardScaler, AlignedEnsemble or model) with a progress bar."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skvae import AlignedEnsemble

    model = make_vae(args.model, args, hyper, random_state=args.seed)
    if args.runs >= 2:
        model = AlignedEnsemble(model, n_runs=args.runs, n_eval_samples=N_EVAL_ROWS,
                                n_jobs=n_jobs, random_state=args.seed)
    pipe = Pipeline([("standardscaler", StandardScaler().set_output(transform="pandas")),
                     ("model", model)])
    with progress(args.runs, desc=desc, quiet=args.quiet) as bar:
        pipe.fit(table.frame)
        # the estimators swallow Ctrl-C (they keep the partly trained model): stop here
        # rather than report on a half-trained model
        raise_if_interrupted()
        if args.runs == 1:
            bar.update(1)
    return pipe


def run(args):
    start = time.perf_counter()
    hyper = hyper_params(args)
    check_n_jobs(args.n_jobs)
    check_device(args.device)
    check_out_dir(args.out)
    table = read_data(args)
    out = make_out_dir(args.out)
    for message in table.notes:  # after every check: an error stays a single line
        note(args, message)
    n_jobs = resolve_n_jobs(args.n_jobs, args.runs, args.device)
    n, p = table.frame.shape
    note(args, f"{table.name}: {n} rows x {p} features; {args.runs} {args.model} run(s), "
               f"K={args.n_components}, {args.max_iter} epochs, n_jobs={n_jobs}")

    tic = time.perf_counter()
    pipe = fit_report_model(args, table, hyper=hyper, n_jobs=n_jobs,
                            desc=f"{args.model} runs")
    fit_seconds = time.perf_counter() - tic
    result = _evaluate(args, pipe, table)
    with warnings.catch_warnings():  # local: no filter outlives the command
        if args.quiet:  # e.g. column names in a script the font lacks
            warnings.filterwarnings("ignore", message=r"Glyph .* missing from font",
                                    category=UserWarning)
        figures = _figures(args, result)
    remove_outputs(out, REPORT_FILES)
    files = _write(args, out, pipe, result, figures)
    total = time.perf_counter() - start
    summary = _summary(args, table, result, n_jobs=n_jobs, files=files,
                       timing={"fit_seconds": round(fit_seconds, 2),
                               "total_seconds": round(total, 2)})
    write_json(out / "summary.json", summary)
    (out / "report.html").write_text(_page(args, table, result, figures, summary),
                                     encoding="utf-8")
    _print_table(result, summary)
    print(f"wrote {out / 'report.html'} and {len(files) + 1} more files in {out} "
          f"({total:.0f} s)")


class _Result:
    """What the report shows, for a single model or an ensemble alike."""


def _evaluate(args, pipe, table):
    from skvae import AlignedEnsemble
    from skvae.metrics import evaluate, fvh_lt

    scaler, final = pipe[0], pipe[-1]
    r = _Result()
    r.ensemble = isinstance(final, AlignedEnsemble)
    X_eval = scaler.transform(_eval_rows(table.frame, args.seed))
    if r.ensemble:
        r.evaluation = final.evaluation_
        r.runs = final.estimators_
        r.reference = final.reference_
        r.seeds = [int(s) for s in final.seeds_]
        r.fvh_mean, r.dbsr_mean = r.evaluation.fvh_lt.mean, r.evaluation.dbsr_ls.mean
        r.run_lsdi = [r.evaluation.run_lsdi, r.evaluation.run_lsdi_fvh_lt,
                      r.evaluation.run_lsdi_dbsr_ls]
    else:
        r.evaluation = evaluate(final, X_eval, random_state=args.seed)
        r.runs, r.reference, r.seeds = [final], 0, [args.seed]
        r.fvh_mean, r.dbsr_mean = r.evaluation.fvh_lt.variances, r.evaluation.dbsr_ls.importance
        r.run_lsdi = [[r.evaluation.lsdi], [r.evaluation.lsdi_fvh_lt.lsdi],
                      [r.evaluation.lsdi_dbsr_ls.lsdi]]
    ev = r.evaluation
    r.frame = ev.to_frame()
    r.latent_names = list(ev.latent_names)
    r.feature_names = list(ev.feature_names)
    r.informative = np.asarray(ev.informative, dtype=bool)
    r.kl = np.maximum(np.asarray(ev.kl, dtype=np.float64), 0.0)
    r.threshold = ev.threshold
    r.run_mse = [_mse(run, X_eval) for run in r.runs]
    r.run_informative = [int((run.kl_per_latent_ > ev.threshold).sum()) for run in r.runs]
    r.device = getattr(r.runs[r.reference], "device_", args.device)
    # Traversal curves of the reference run (its latent order is the aligned order).
    reference = r.runs[r.reference]
    r.traversal = fvh_lt(reference, X_eval, informative=r.informative, random_state=args.seed)
    shown = np.flatnonzero(r.informative)
    r.traversal_note = ""
    if shown.size == 0:
        shown = np.sort(np.argsort(-r.kl, kind="stable")[: min(2, r.kl.size)])
        r.traversal_note = ("No latent is informative; the two latents with the largest KL "
                            "are shown instead.")
    r.traversal_latents = shown
    return r


def _row_labels(r):
    return [f"{name} *" if flag else name for name, flag in zip(r.latent_names, r.informative)]


def _png(fig):
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _figures(args, r):
    """name -> PNG bytes, drawn on bare Figures: the caller's pyplot backend is left alone."""
    from matplotlib.figure import Figure

    from skvae.plotting import plot_heatmap, plot_kl
    from skvae.plotting._traversals import _traversals_figure

    k, p = len(r.latent_names), len(r.feature_names)
    runs = f"mean over {len(r.runs)} aligned runs" if r.ensemble else "single run"
    pngs = {}

    fig = Figure(figsize=(max(5.5, 0.55 * k + 2.5), 3.8), layout="constrained")
    ax = fig.subplots()
    plot_kl(r.kl, threshold=r.threshold, labels=r.latent_names, ax=ax,
            title=f"KL per latent ({runs})")
    ax.tick_params(axis="x", labelrotation=45)
    pngs["kl"] = _png(fig)

    width = min(16.0, max(6.0, 0.55 * p + 3.5))
    height = min(14.0, max(3.5, 0.38 * k + 2.2))
    for key, matrix, title, label in [
        ("fvh_lt", r.fvh_mean, f"FVH-LT V ({runs})", "variance over traversal"),
        ("dbsr_ls", r.dbsr_mean, f"DBSR-LS Theta^2 ({runs})", "variance explained"),
    ]:
        fig = Figure(figsize=(width, height), layout="constrained")
        ax = fig.subplots()
        plot_heatmap(matrix, row_labels=_row_labels(r), col_labels=r.feature_names, ax=ax,
                     title=title + "  (* informative)", colorbar_label=label)
        pngs[key] = _png(fig)

    t = r.traversal
    shown = r.traversal_latents
    fig = _traversals_figure(Figure, t.grid[shown], t.curves[shown],
                             latent_labels=[r.latent_names[i] for i in shown],
                             feature_labels=r.feature_names, latents=None, features=None,
                             max_features=min(5, p))
    for ax in fig.axes:
        if ax.get_ylabel():
            ax.set_ylabel("decoded mean (SD units)")
    fig.suptitle("Latent traversals of the reference run")
    pngs["traversals"] = _png(fig)

    if r.ensemble:
        ev = r.evaluation
        fig = Figure(figsize=(max(5.5, 0.55 * k + 2.5), 3.6), layout="constrained")
        ax = fig.subplots()
        position = np.arange(k)
        colors = np.where(r.informative, "tab:blue", "lightgray")
        ax.bar(position, ev.stability, color=colors, edgecolor="black")
        ax.set_xticks(position, labels=r.latent_names, rotation=45, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("mean matched |corr|")
        ax.set_title(f"GAS stability over {len(r.runs)} runs (blue: informative)")
        pngs["stability"] = _png(fig)
    return pngs


def _write(args, out, pipe, r, figures):
    import joblib
    import pandas as pd

    files = []

    def matrix_csv(name, matrix):
        pd.DataFrame(matrix, index=pd.Index(r.latent_names, name="latent"),
                     columns=r.feature_names).to_csv(out / name)
        files.append(name)

    r.frame.to_csv(out / "latents.csv")
    files.append("latents.csv")
    matrix_csv("fvh_lt.csv", r.fvh_mean)
    matrix_csv("dbsr_ls.csv", r.dbsr_mean)
    if r.ensemble:
        ev = r.evaluation
        matrix_csv("fvh_lt_std.csv", ev.fvh_lt.std)
        matrix_csv("dbsr_ls_std.csv", ev.dbsr_ls.std)
        matrix_csv("dbsr_ls_selection_frequency.csv", ev.dbsr_ls.selection_frequency)
    runs = pd.DataFrame({
        "run": np.arange(len(r.runs)),
        "seed": r.seeds,
        "reference": np.arange(len(r.runs)) == r.reference,
        "n_informative": r.run_informative,
        "lsdi": r.run_lsdi[0],
        "lsdi_fvh_lt": r.run_lsdi[1],
        "lsdi_dbsr_ls": r.run_lsdi[2],
        "reconstruction_error": r.run_mse,
    })
    runs.to_csv(out / "runs.csv", index=False)
    files.append("runs.csv")
    for name, data in figures.items():
        (out / f"{name}.png").write_bytes(data)
        files.append(f"{name}.png")
    joblib.dump(pipe, out / "model.joblib")
    files.append("model.joblib")
    return files


def _model_params(args, r):
    reference = r.runs[r.reference]
    params = reference.get_params(deep=False)
    keys = ["n_components", "beta", "capacity", "gamma", "tc_estimator", "lambda_od",
            "lambda_d", "dip_type", "hidden_layer_sizes", "max_iter", "batch_size",
            "learning_rate"]
    return {k: params[k] for k in keys if k in params}


def _summary(args, table, r, *, n_jobs, files, timing):
    from skvae.metrics._evaluation import _plain

    ev = r.evaluation
    return _plain({
        "command": command_line(args),
        "versions": versions(),
        "dataset": table.info(),
        "settings": {
            "model": args.model,
            "estimator": type(r.runs[r.reference]).__name__,
            "params": _model_params(args, r),
            "runs": args.runs,
            "seed": args.seed,
            "device": r.device,
            "n_jobs": n_jobs,
            "threshold": r.threshold,
            "n_eval_rows": int(min(len(table.frame), N_EVAL_ROWS)),
            "standardised": True,
        },
        "timing": timing,
        "lsdi": ev.lsdi,
        "lsdi_fvh_lt": ev.lsdi_fvh_lt._asdict(),
        "lsdi_dbsr_ls": ev.lsdi_dbsr_ls._asdict(),
        "n_informative": ev.n_informative,
        "informative_latents": [n for n, f in zip(r.latent_names, r.informative) if f],
        "reconstruction_error": float(np.mean(r.run_mse)),
        "evaluation": ev.summary(),
        "runs": [
            {"run": i, "seed": r.seeds[i], "reference": i == r.reference,
             "n_informative": r.run_informative[i], "lsdi": r.run_lsdi[0][i],
             "lsdi_fvh_lt": r.run_lsdi[1][i], "lsdi_dbsr_ls": r.run_lsdi[2][i],
             "reconstruction_error": r.run_mse[i]}
            for i in range(len(r.runs))
        ],
        "files": ["report.html", "summary.json", *files],
    })


def _features(names, limit=4):
    names = list(names)
    return ", ".join(names[:limit]) + (f" (+{len(names) - limit})" if len(names) > limit else "")


def _latent_rows(r):
    frame = r.frame
    rows = []
    for name in r.latent_names:
        row = frame.loc[name]
        informative = bool(row["informative"])
        rows.append([
            name, float(row["kl"]), informative,
            float(row["stability"]) if "stability" in frame else None,
            float(row["heterogeneity"]),
            row["fvh_lt_features"] if informative else "",
            row["dbsr_ls_features"] if informative else "",
        ])
    return rows


def _print_table(r, summary):
    ev = r.evaluation
    header = f"{'latent':<18} {'KL':>8} {'inf':>3} {'stab':>5}  FVH-LT features | DBSR-LS features"
    print(header)
    for name, kl, flag, stab, _, fvh, dbsr in _latent_rows(r):
        stab = "" if stab is None else f"{stab:.2f}"
        fvh = _features([f for f in fvh.split(", ") if f])
        dbsr = _features([f for f in dbsr.split(", ") if f])
        print(f"{name:<18} {kl:8.3f} {'yes' if flag else '':>3} {stab:>5}  {fvh} | {dbsr}")
    print(f"informative latents: {ev.n_informative} of {len(r.latent_names)} "
          f"(KL > {r.threshold:g} nats)")
    for title, c in (("FVH-LT ", ev.lsdi_fvh_lt), ("DBSR-LS", ev.lsdi_dbsr_ls)):
        print(f"LSDI {title} {c.lsdi:.3f}  (exclusivity {c.exclusivity:.3f}, "
              f"balance {c.balance:.3f})")
    extra = ""
    if r.ensemble:
        extra = (f"; per-run LSDI {np.mean(ev.run_lsdi):.3f} +/- {np.std(ev.run_lsdi):.3f}")
    print(f"LSDI {ev.lsdi:.3f}{extra}; reconstruction MSE (standardised) "
          f"{summary['reconstruction_error']:.3f}")


HOWTO = {
    "kl": (
        "Each bar is the mean KL divergence (nats, log axis) between a latent's posterior "
        "and the prior, averaged over the data. A latent above the dashed threshold carries "
        "information about the data (informative, blue); the grey ones have collapsed to the "
        "prior and are ignored by the decoder. The number of blue bars is the number of "
        "factors the model found."
    ),
    "stability": (
        "Latents come out permuted and sign-flipped from run to run; GAS matches every "
        "run's latents to the reference run's. The bar is the mean absolute correlation of "
        "each reference latent with its match in the other runs: near 1, every run finds "
        "that latent again; low values mean the latent is not reproducible."
    ),
    "fvh_lt": (
        "Row k shows how much each decoded feature varies when latent k alone is moved "
        "from -3 to 3 (the other latents fixed at data points). A disentangled latent lights "
        "up a few features of its own (one bright block per row, different rows on different "
        "columns); a row spread over many columns mixes factors, an empty row is a collapsed "
        "latent. Starred rows are informative."
    ),
    "dbsr_ls": (
        "Each feature is regressed on the informative latents with a sparse (group + "
        "element-wise lasso) regression chosen by cross-validation; the colour is the "
        "variance of the feature explained by the latent (Theta squared, standardised "
        "units). Zeros mean the latent is not needed for that feature. Compare with the "
        "FVH-LT map: the two should agree on which features belong to which latent."
    ),
    "traversals": (
        "Each panel moves one informative latent of the reference run along the x axis and "
        "plots the decoded means of the features that move most (standardised units, "
        "other latents at the anchors' mean). Steep lines are the features that latent "
        "controls; flat lines are features it leaves alone."
    ),
}


def _settings_pairs(args, table, summary):
    s = summary["settings"]
    d = summary["dataset"]
    params = ", ".join(f"{k}={v}" for k, v in s["params"].items())
    reference = summary["evaluation"].get("reference", 0)
    excluded = ", ".join(f"{c} ({why})" for c, why in d["excluded"].items()) or "none"
    return [
        ("Data", f"{d['name']}: {d['description']}"),
        ("Rows", f"{d['n_rows']} used (read {d['n_rows_read']}, dropped for missing values "
                 f"{d['n_dropped_missing']}, left out by --max-rows {d['n_subsampled_out']})"),
        ("Features", f"{d['n_features']}: {', '.join(d['features'])}"),
        ("Excluded columns", excluded),
        ("Model", f"{s['estimator']} ({params})"),
        ("Runs", f"{s['runs']} (seed {s['seed']}; reference run {reference})"
                 if s["runs"] > 1 else "1 (single model, no alignment)"),
        ("Preprocessing", "StandardScaler (every feature to mean 0, SD 1)"),
        ("Informative threshold", f"KL > {s['threshold']:g} nats"),
        ("Device, parallel fits", f"{s['device']}, n_jobs={s['n_jobs']}"),
        ("Time", f"{summary['timing']['total_seconds']:.1f} s "
                 f"(fitting {summary['timing']['fit_seconds']:.1f} s)"),
    ]


def _page(args, table, r, figures, summary):
    ev = r.evaluation
    parts = ["<section id=\"settings\"><h2>Dataset and settings</h2>",
             _html.key_values(_settings_pairs(args, table, summary)), "</section>"]
    for message in table.notes:
        parts.append(f'<p class="note">Note: {_html.esc(message)}</p>')

    parts.append('<section id="summary"><h2>Summary</h2>')
    parts.append(
        f'<p class="headline">LSDI <b>{ev.lsdi:.3f}</b> with <b>{ev.n_informative}</b> '
        f"informative latent(s) of {len(r.latent_names)}</p>"
    )
    rows = [["FVH-LT (V)", ev.lsdi_fvh_lt.lsdi, ev.lsdi_fvh_lt.exclusivity,
             ev.lsdi_fvh_lt.balance],
            ["DBSR-LS (Theta^2)", ev.lsdi_dbsr_ls.lsdi, ev.lsdi_dbsr_ls.exclusivity,
             ev.lsdi_dbsr_ls.balance]]
    parts.append(_html.table(["matrix", "LSDI", "exclusivity", "balance"], rows,
                             numeric=(1, 2, 3)))
    text = (
        "The LSDI (latent space disentanglement index, 0 to 1) is the mean of the two rows: "
        "exclusivity is high when each feature belongs to one informative latent, balance "
        "when the informative latents share the features evenly. It is 0 with fewer than "
        "two informative latents."
    )
    if r.ensemble:
        text += (f" Computed on the mean matrices of the {len(r.runs)} aligned runs; the "
                 f"runs on their own score {np.mean(ev.run_lsdi):.3f} on average "
                 f"(SD {np.std(ev.run_lsdi):.3f}).")
    parts.append(f"<p>{_html.esc(text)}</p>")
    parts.append(f"<p>Reconstruction error (mean squared error on standardised features, "
                 f"mean over runs): {summary['reconstruction_error']:.3f}</p></section>")

    parts.append('<section id="latents"><h2>Latents</h2>')
    header = ["latent", "KL (nats)", "informative", "stability", "heterogeneity",
              "FVH-LT features", "DBSR-LS features"]
    rows = _latent_rows(r)
    if not r.ensemble:
        header.pop(3)
        rows = [row[:3] + row[4:] for row in rows]
    parts.append(_html.table(
        header, rows, numeric=(1, 3, 4) if r.ensemble else (1, 3),
        row_classes=["informative" if f else "" for f in r.informative]))
    parts.append("<p>Top features (informative latents only; latents.csv has all): FVH-LT, "
                 "features whose traversal variance reaches half of the row maximum; DBSR-LS, "
                 "features selected by the sparse regression"
                 + (" in at least half of the runs" if r.ensemble else "")
                 + "; each list starts with the strongest feature.</p></section>")

    captions = {
        "kl": ("KL per latent", "KL divergence per latent"),
        "stability": ("Stability across runs", "GAS stability per latent"),
        "fvh_lt": ("FVH-LT heat map", "FVH-LT variance heat map"),
        "dbsr_ls": ("DBSR-LS heat map", "DBSR-LS Theta squared heat map"),
        "traversals": ("Latent traversals", "decoded features along latent traversals"),
    }
    for key in ("kl", "stability", "fvh_lt", "dbsr_ls", "traversals"):
        if key not in figures:
            continue
        title, alt = captions[key]
        caption = _html.esc(f"{key}.png")
        if key == "traversals" and r.traversal_note:
            caption += " &mdash; " + _html.esc(r.traversal_note)
        parts.append(_html.figure(anchor=key, title=title, png=figures[key], alt=alt,
                                  caption=caption, howto=_html.esc(HOWTO[key]),
                                  display_width=1000))
    files = ", ".join(summary["files"])
    parts.append(f"<section id=\"files\"><h2>Files</h2><p>{_html.esc(files)}</p></section>")
    return _html.page(
        title=f"skvae report: {table.name}",
        subtitle=f"{summary['settings']['estimator']}, {args.runs} run(s), "
                 f"{len(r.latent_names)} latents, {len(table.frame)} rows x "
                 f"{len(r.feature_names)} features",
        body="\n".join(parts),
        command=summary["command"],
        versions=summary["versions"],
    )
