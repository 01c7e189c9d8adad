"""``skvae compare``: the same label-free evaluation across several models on one table."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import textwrap
import time

import numpy as np

from skvae.cli import _html
from skvae.cli._data import MIN_TEST_ROWS, note, positive_int
from skvae.cli._main import CLIError, raise_if_interrupted
from skvae.cli._models import (
    LINEAR_MODELS,
    VAE_MODELS,
    add_data_options,
    add_fit_options,
    check_device,
    check_n_jobs,
    check_out_dir,
    command_line,
    make_linear,
    make_out_dir,
    make_vae,
    progress,
    read_data,
    resolve_n_jobs,
    versions,
    write_json,
)

DEFAULT_MODELS = "vae,betavae,factorvae,bfvae,pca"
#: Columns of compare.csv (and of each entry of compare.json's "models").
COLUMNS = [
    "model", "estimator", "n_components", "n_informative", "lsdi", "lsdi_sd",
    "lsdi_fvh_lt", "exclusivity_fvh_lt", "balance_fvh_lt",
    "lsdi_dbsr_ls", "exclusivity_dbsr_ls", "balance_dbsr_ls",
    "stability", "reconstruction_error", "reconstruction_error_sd", "fit_seconds",
]

DESCRIPTION = textwrap.fill(
    "Fit several models on the same standardised table and compare their "
    "label-free disentanglement (LSDI) with their held-out reconstruction error.",
    88,
)
_MODELS_TEXT = textwrap.fill(
    f"Models: {', '.join(VAE_MODELS)} (each with its defaults, --runs runs aligned by GAS) "
    f"and the linear baselines {', '.join(LINEAR_MODELS)} (fa: FactorAnalysis with varimax "
    "rotation).",
    88,
)
_COLUMNS_TEXT = textwrap.fill(f"compare.csv columns: {', '.join(COLUMNS)}.", 88)
EPILOG = f"""\
{_MODELS_TEXT}

The table is split (--test-size, --seed) into a training part, on which every model is
fitted, and a held-out part, on which every model is evaluated (informative latents,
FVH-LT, DBSR-LS, LSDI) and its reconstruction error is measured (mean squared error on
the standardised features; for several runs the mean over runs, with its SD).

Linear baselines have no KL, so all their components count as informative, and too many
components lower their LSDI. --linear-components auto (the default) gives them the median
number of informative latents the VAE models found (at least 2), or --n-components when
no VAE is compared.

Files written into DIR: compare.csv (one row per model; columns below), compare.json
(keys: command, versions, dataset, settings, models, best, files; "models" holds the
rows of compare.csv), compare.png (LSDI against reconstruction error) and compare.html.

{_COLUMNS_TEXT}
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "compare",
        help="evaluate several models on one table: one table and one picture",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_data_options(parser, data_required=True)
    group = parser.add_argument_group("models")
    group.add_argument("--models", default=DEFAULT_MODELS, metavar="M1,M2,...",
                       help=f"comma-separated model names (default: {DEFAULT_MODELS})")
    group.add_argument("--runs", type=positive_int, default=3, metavar="R",
                       help="runs of each VAE, aligned by GAS (default: 3; 1: single model)")
    group.add_argument("--linear-components", type=linear_components, default="auto",
                       metavar="N",
                       help="components of the linear baselines: an integer or auto (default)")
    group.add_argument("--test-size", type=float, default=0.2, metavar="F",
                       help="held-out fraction for evaluation (default: 0.2)")
    add_fit_options(parser, default_out="skvae_compare")
    parser.set_defaults(run=run)


def parse_models(text):
    names = [m.strip().lower() for m in text.split(",")]
    if not any(names):
        raise CLIError("--models is empty")
    if "" in names:
        raise CLIError(f"--models: empty value in {text!r}")
    known = list(VAE_MODELS) + list(LINEAR_MODELS)
    unknown = [m for m in names if m not in known]
    if unknown:
        raise CLIError(f"--models: unknown {', '.join(unknown)}; choose from {', '.join(known)}")
    if len(set(names)) != len(names):
        raise CLIError("--models lists a model twice")
    return names


def linear_components(text):
    """argparse type of ``--linear-components``: 'auto' or a positive integer."""
    if text == "auto":
        return text
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer or auto, got {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _linear_components(args, vae_rows, n_features, n_train):
    """Components of the linear baselines and the rule that gave them.

    At most the number of features and of training rows: PCA refuses more, FastICA and
    factor analysis would quietly fit fewer.
    """
    limit = min(n_features, n_train)
    if args.linear_components != "auto":
        n = args.linear_components
        if not 1 <= n <= limit:
            what = ("the number of features" if n_features <= n_train
                    else f"the number of training rows, --test-size {args.test_size:g}")
            raise CLIError(f"--linear-components must be between 1 and {limit} "
                           f"({what}), got {n}")
        return n, "given"
    if vae_rows:
        found = int(round(float(np.median([row["n_informative"] for row in vae_rows]))))
        return int(min(max(found, 2), limit)), "median informative latents of the VAEs"
    return int(min(args.n_components, limit)), "--n-components"


def _mse(model, X):
    X_hat = model.inverse_transform(model.transform(X))
    return float(np.mean((np.asarray(X_hat, dtype=np.float64) - X.to_numpy(np.float64)) ** 2))


def _row(name, pipe, evaluation, X_test_std, seconds):
    from skvae import AlignedEnsemble

    final = pipe[-1]
    ensemble = isinstance(final, AlignedEnsemble)
    runs = final.estimators_ if ensemble else [final]
    errors = [_mse(run, X_test_std) for run in runs]
    fvh, dbsr = evaluation.lsdi_fvh_lt, evaluation.lsdi_dbsr_ls
    stability = np.nan
    if ensemble:
        mask = evaluation.informative
        stability = float(np.mean(evaluation.stability[mask])) if mask.any() else 0.0
    return {
        "model": name,
        "estimator": type(runs[0]).__name__,
        "n_components": int(len(evaluation.latent_names)),
        "n_informative": int(evaluation.n_informative),
        "lsdi": float(evaluation.lsdi),
        "lsdi_sd": float(np.std(evaluation.run_lsdi)) if ensemble else np.nan,
        "lsdi_fvh_lt": float(fvh.lsdi),
        "exclusivity_fvh_lt": float(fvh.exclusivity),
        "balance_fvh_lt": float(fvh.balance),
        "lsdi_dbsr_ls": float(dbsr.lsdi),
        "exclusivity_dbsr_ls": float(dbsr.exclusivity),
        "balance_dbsr_ls": float(dbsr.balance),
        "stability": stability,
        "reconstruction_error": float(np.mean(errors)),
        "reconstruction_error_sd": float(np.std(errors)) if len(errors) > 1 else np.nan,
        "fit_seconds": round(seconds, 2),
    }


def run(args):
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skvae import AlignedEnsemble
    from skvae.metrics import evaluate

    start = time.perf_counter()
    models = parse_models(args.models)
    check_n_jobs(args.n_jobs)
    check_device(args.device)
    check_out_dir(args.out)
    if not 0.05 <= args.test_size <= 0.5:
        raise CLIError(f"--test-size must be between 0.05 and 0.5, got {args.test_size}")
    table = read_data(args)
    X_train, X_test = train_test_split(table.frame, test_size=args.test_size,
                                       random_state=args.seed)
    n_features = table.frame.shape[1]
    _linear_components(args, [], n_features, len(X_train))  # check a given number early
    if len(X_test) < MIN_TEST_ROWS:
        raise CLIError(f"only {len(X_test)} held-out rows (--test-size {args.test_size:g} of "
                       f"{len(table.frame)}); at least {MIN_TEST_ROWS} are needed: use a larger "
                       "--test-size or more rows")
    out = make_out_dir(args.out)
    for message in table.notes:  # after every check: an error stays a single line
        note(args, message)
    n_jobs = resolve_n_jobs(args.n_jobs, args.runs, args.device)
    vaes = [m for m in models if m in VAE_MODELS]
    linears = [m for m in models if m in LINEAR_MODELS]
    note(args, f"{table.name}: {len(X_train)} training and {len(X_test)} held-out rows x "
               f"{table.frame.shape[1]} features; models {', '.join(models)}")

    rows, fitted = {}, {}
    total = len(vaes) * args.runs + len(linears)
    with progress(total, desc="fits", quiet=args.quiet) as bar:
        for name in vaes:
            tic = time.perf_counter()
            model = make_vae(name, args, random_state=args.seed)
            if args.runs >= 2:
                model = AlignedEnsemble(model, n_runs=args.runs, n_jobs=n_jobs,
                                        random_state=args.seed)
            pipe = Pipeline([("standardscaler", StandardScaler().set_output(transform="pandas")),
                             ("model", model)]).fit(X_train)
            raise_if_interrupted()  # the fit swallows Ctrl-C: compare no half-trained model
            if args.runs == 1:
                bar.update(1)
            seconds = time.perf_counter() - tic
            evaluation = evaluate(pipe, X_test, random_state=args.seed)
            rows[name] = _row(name, pipe, evaluation, pipe[0].transform(X_test), seconds)
            fitted[name] = pipe
        n_linear, rule = _linear_components(args, list(rows.values()), n_features,
                                            len(X_train))
        for name in linears:
            tic = time.perf_counter()
            pipe = Pipeline([("standardscaler", StandardScaler().set_output(transform="pandas")),
                             ("model", make_linear(name, n_linear, args.seed))]).fit(X_train)
            bar.update(1)
            seconds = time.perf_counter() - tic
            evaluation = evaluate(pipe, X_test, random_state=args.seed)
            rows[name] = _row(name, pipe, evaluation, pipe[0].transform(X_test), seconds)

    import pandas as pd

    frame = pd.DataFrame([rows[m] for m in models], columns=COLUMNS)
    frame.to_csv(out / "compare.csv", index=False)
    png = _figure(frame)
    (out / "compare.png").write_bytes(png)
    files = ["compare.csv", "compare.json", "compare.png", "compare.html"]
    best = frame.loc[frame["lsdi"].idxmax(), "model"]
    total_seconds = time.perf_counter() - start
    from skvae.metrics._evaluation import _plain

    summary = _plain({
        "command": command_line(args),
        "versions": versions(),
        "dataset": table.info(),
        "settings": {
            "models": models,
            "runs": args.runs,
            "n_components": args.n_components,
            "linear_components": n_linear if linears else None,
            "linear_components_rule": rule if linears else None,
            "max_iter": args.max_iter,
            "batch_size": args.batch_size,
            "test_size": args.test_size,
            "n_train": len(X_train),
            "n_test": len(X_test),
            "seed": args.seed,
            "device": args.device,
            "n_jobs": n_jobs,
            "total_seconds": round(total_seconds, 2),
        },
        "models": frame.to_dict(orient="records"),
        "best": best,
        "files": files,
    })
    write_json(out / "compare.json", summary)
    (out / "compare.html").write_text(_page(table, frame, png, summary), encoding="utf-8")
    _print(frame)
    print(f"wrote {', '.join(files)} in {out} ({total_seconds:.0f} s)")


def _figure(frame):
    import io

    from matplotlib.figure import Figure  # not pyplot: the caller's backend is left alone

    from skvae.plotting import plot_lsdi_tradeoff

    fig = Figure(figsize=(6.5, 4.5), layout="constrained")
    ax = fig.subplots()
    plot_lsdi_tradeoff(frame, x="reconstruction_error", y="lsdi", label="model", ax=ax)
    ax.set_xlabel("held-out reconstruction error (MSE, standardised)")
    ax.set_ylabel("LSDI")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("Disentanglement against reconstruction")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


_SHOWN = ["model", "n_components", "n_informative", "lsdi", "lsdi_sd", "lsdi_fvh_lt",
          "lsdi_dbsr_ls", "stability", "reconstruction_error", "fit_seconds"]


def _print(frame):
    shown = frame[_SHOWN].rename(columns={"n_components": "K", "n_informative": "K*",
                                          "reconstruction_error": "recon_mse",
                                          "fit_seconds": "fit_s"})
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))


def _page(table, frame, png, summary):
    s = summary["settings"]
    parts = ['<section id="settings"><h2>Dataset and settings</h2>']
    pairs = [
        ("Data", f"{table.name}: {table.description}"),
        ("Rows", f"{s['n_train']} for fitting, {s['n_test']} held out for evaluation "
                 f"(seed {s['seed']})"),
        ("Features", f"{table.frame.shape[1]}: {', '.join(map(str, table.frame.columns))}"),
        ("Models", ", ".join(s["models"])),
        ("VAE settings", f"K={s['n_components']}, {s['max_iter']} epochs, batch "
                         f"{s['batch_size']}, {s['runs']} run(s) each, defaults otherwise"),
    ]
    if s["linear_components"] is not None:
        pairs.append(("Linear baselines", f"{s['linear_components']} components "
                                          f"({s['linear_components_rule']})"))
    pairs.append(("Time", f"{s['total_seconds']:.1f} s"))
    parts += [_html.key_values(pairs), "</section>"]
    parts.append('<section id="comparison"><h2>Comparison</h2>')
    header = ["model", "K", "informative", "LSDI", "LSDI SD", "FVH-LT LSDI", "DBSR-LS LSDI",
              "stability", "reconstruction MSE", "fit (s)"]
    rows = frame[_SHOWN].astype(object).where(frame[_SHOWN].notna(), None).values.tolist()
    parts.append(_html.table(header, rows, numeric=range(1, len(header))))
    parts.append(
        "<p>LSDI (0 to 1) on the held-out rows: mean of the FVH-LT and DBSR-LS indices; "
        "LSDI SD is the SD of the runs' own LSDIs; stability is the mean GAS stability of the "
        "informative latents (VAEs with several runs). Reconstruction MSE is on the held-out "
        "standardised features (1.0 = no better than predicting the mean).</p></section>")
    parts.append(_html.figure(
        anchor="tradeoff", title="LSDI against reconstruction error", png=png,
        alt="LSDI against reconstruction error, one point per model", caption="compare.png",
        howto=_html.esc(
            "One point per model. Up is more disentangled, left reconstructs better: the "
            "best models sit in the upper left. Error bars are the SD over runs. A model "
            "with fewer than two informative latents has LSDI 0 whatever its error."),
    ))
    return _html.page(
        title=f"skvae compare: {table.name}",
        subtitle=f"{len(frame)} models, best LSDI: {summary['best']}",
        body="\n".join(parts), command=summary["command"], versions=summary["versions"],
    )
