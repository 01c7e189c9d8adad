"""``skvae tune``: grid search of a VAE's hyperparameters by cross-validated LSDI."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import contextlib
import textwrap
import time

import numpy as np

from skvae.cli._data import MIN_TEST_ROWS, int_at_least, note
from skvae.cli._main import CLIError, raise_if_interrupted
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
    float_list,
    make_out_dir,
    make_vae,
    progress,
    read_data,
    resolve_n_jobs,
    versions,
    write_json,
)

#: Metrics of every candidate (cv_results_ columns mean_test_<metric>, ...).
METRICS = ("lsdi", "lsdi_fvh_lt", "lsdi_dbsr_ls", "n_informative", "elbo", "neg_mse")

DESCRIPTION = textwrap.fill(
    "Grid search (GridSearchCV) of --beta/--capacity/--gamma/--lambda-od "
    "values by cross-validated LSDI.",
    88,
)
EPILOG = f"""\
Every combination of the listed values is fitted on --cv folds of the standardised table
(Pipeline(StandardScaler, model)) and scored on the held-out fold, which needs at least
{MIN_TEST_ROWS} rows (--cv at most rows / {MIN_TEST_ROWS}); the best by mean LSDI is refitted on
all rows. A fit or score that fails stops the search with its error. Flags only apply to
models that have the parameter (beta: bfvae, betavae, annealedvae; capacity: bfvae,
annealedvae; gamma: bfvae, factorvae, betatcvae; lambda-od: bfvae, dipvae).

Scores per candidate and fold: {', '.join(METRICS)} (elbo: mean ELBO in nats;
neg_mse: minus the reconstruction mean squared error on standardised features).

--scheduler ADDRESS sends the fits to the workers of a running Dask cluster (needs
pip install 'skvae[dask]'; --n-jobs is then ignored).

Files written into DIR: tune.csv (cv_results_: one row per candidate, the parameters as
columns named after them, mean_/std_/rank_test_<metric>, split<i>_test_<metric>, fit and
score times), tune.json (keys: command, versions, dataset, settings, grid, n_candidates,
best_params, best_score, best_index, best_scores, files) and model.joblib (the best
candidate refitted on all rows; like report's, it transforms table[features], with
features = tune.json's dataset.features, not the columns left out).
"""


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "tune",
        help="grid search of a VAE's hyperparameters by cross-validated LSDI",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_data_options(parser, data_required=True)
    group = parser.add_argument_group("search")
    group.add_argument("--model", choices=list(VAE_MODELS), default="bfvae",
                       help="the VAE (default: bfvae)")
    for flag, (param, models) in HYPER_FLAGS.items():
        group.add_argument(f"--{flag.replace('_', '-')}", type=float_list, default=None,
                           metavar="X1,X2,...",
                           help=f"values of {param} (models: {', '.join(models)})")
    group.add_argument("--cv", type=int_at_least(2), default=3, metavar="N",
                       help=f"cross-validation folds, each of at least {MIN_TEST_ROWS} "
                            "held-out rows (default: 3)")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the fits on the Dask cluster at ADDRESS (e.g. tcp://host:8786)")
    add_fit_options(parser, default_out="skvae_tune")
    parser.set_defaults(run=run)


class TuneScorer:
    """Multi-metric scorer of a fitted Pipeline(StandardScaler, VAE); picklable."""

    def __init__(self, random_state):
        self.random_state = random_state

    def __call__(self, estimator, X, y=None):
        from skvae.metrics import make_disentanglement_scorer

        scores = make_disentanglement_scorer(
            ["lsdi", "fvh_lt", "dbsr_ls", "n_informative"], random_state=self.random_state
        )(estimator, X)
        X_std = estimator[:-1].transform(X)
        X_hat = estimator[-1].inverse_transform(estimator[-1].transform(X_std))
        mse = float(np.mean((np.asarray(X_hat, float) - np.asarray(X_std, float)) ** 2))
        return {
            "lsdi": scores["lsdi"],
            "lsdi_fvh_lt": scores["fvh_lt"],
            "lsdi_dbsr_ls": scores["dbsr_ls"],
            "n_informative": scores["n_informative"],
            "elbo": float(estimator.score(X)),
            "neg_mse": -mse,
        }


@contextlib.contextmanager
def _backend(address):
    """Send joblib work in the block to the Dask scheduler at ``address`` (None: nothing)."""
    if address is None:
        yield
        return
    try:
        from distributed import Client
    except ImportError:
        raise CLIError("--scheduler needs dask.distributed: pip install 'skvae[dask]'") from None
    from skvae.utils._dask import dask_backend

    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CLIError(f"cannot connect to the Dask scheduler at {address}: {first}") from None
    try:
        with dask_backend(client):
            yield
    finally:
        client.close()


def check_folds(cv, n_rows):
    """Raise CLIError when a fold of ``cv``-fold cross-validation holds out too few rows.

    Every held-out fold is scored, DBSR-LS included (itself cross-validated), so it needs
    ``MIN_TEST_ROWS`` rows, as ``compare``'s held-out part does.
    """
    smallest, largest = n_rows // cv, -(-n_rows // cv)
    if smallest < MIN_TEST_ROWS:
        rows = f"{smallest}" if smallest == largest else f"{smallest} to {largest}"
        most = max(2, n_rows // MIN_TEST_ROWS)
        raise CLIError(
            f"--cv {cv} leaves {rows} held-out rows per fold ({n_rows} rows); at least "
            f"{MIN_TEST_ROWS} are needed: use --cv {most}{' or less' if most > 2 else ''}, "
            "or more rows"
        )


def run(args):
    import pandas as pd
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    start = time.perf_counter()
    values = {flag: getattr(args, flag) for flag in HYPER_FLAGS}
    check_hyper_flags(args.model, values)
    grid = {HYPER_FLAGS[f][0]: v for f, v in values.items() if v is not None}
    if not grid:
        applicable = [f"--{f.replace('_', '-')}" for f, (_, models) in HYPER_FLAGS.items()
                      if args.model in models]
        raise CLIError(
            f"nothing to search: give lists of values for {' / '.join(applicable)}"
            if applicable else f"--model {args.model} has no hyperparameter flag to search"
        )
    check_n_jobs(args.n_jobs)
    check_device(args.device)
    check_out_dir(args.out)
    table = read_data(args)
    check_folds(args.cv, len(table.frame))
    out = make_out_dir(args.out)
    for message in table.notes:  # after every check: an error stays a single line
        note(args, message)
    n_candidates = int(np.prod([len(v) for v in grid.values()]))
    n_fits = n_candidates * args.cv
    n_jobs = -1 if args.scheduler else resolve_n_jobs(args.n_jobs, n_fits, args.device)
    note(args, f"{table.name}: {len(table.frame)} rows x {table.frame.shape[1]} features; "
               f"{n_candidates} candidate(s) x {args.cv} folds of {args.model}")

    pipe = Pipeline([("standardscaler", StandardScaler()),
                     ("model", make_vae(args.model, args, random_state=args.seed))])
    search = GridSearchCV(
        pipe,
        {f"model__{param}": v for param, v in grid.items()},
        scoring=TuneScorer(args.seed),
        refit="lsdi",
        cv=KFold(args.cv, shuffle=True, random_state=args.seed),
        n_jobs=n_jobs,
        # A failed fit or score stops the search with its own error (a ValueError: one
        # line, exit status 2) instead of a NaN score: the scorer returns a dict, which
        # scikit-learn cannot stand in for with a float when scoring fails (it crashed with
        # a KeyError or TypeError), and a NaN candidate ranked last would hide the cause.
        # The fold size is checked above, so valid input does not fail here.
        error_score="raise",
    )
    with progress(n_fits + 1, desc="fits", quiet=args.quiet) as bar, _backend(args.scheduler):
        search.fit(table.frame)
        raise_if_interrupted()  # the fits swallow Ctrl-C: write nothing of a cut search
        bar.update(1)  # the refit of the best candidate

    results = pd.DataFrame(search.cv_results_).drop(columns=["params"])
    results = results.rename(columns={f"param_model__{p}": p for p in grid})
    results.to_csv(out / "tune.csv", index=False)
    import joblib

    joblib.dump(search.best_estimator_, out / "model.joblib")
    best = int(search.best_index_)
    files = ["tune.csv", "tune.json", "model.joblib"]
    from skvae.metrics._evaluation import _plain

    summary = _plain({
        "command": command_line(args),
        "versions": versions(),
        "dataset": table.info(),
        "settings": {
            "model": args.model, "cv": args.cv, "n_jobs": n_jobs,
            "scheduler": args.scheduler, "n_components": args.n_components,
            "max_iter": args.max_iter, "batch_size": args.batch_size, "seed": args.seed,
            "device": args.device, "refit": "lsdi",
            "total_seconds": round(time.perf_counter() - start, 2),
        },
        "grid": grid,
        "n_candidates": n_candidates,
        "best_params": {k.removeprefix("model__"): v for k, v in search.best_params_.items()},
        "best_score": search.best_score_,
        "best_index": best,
        "best_scores": {m: search.cv_results_[f"mean_test_{m}"][best] for m in METRICS},
        "files": files,
    })
    write_json(out / "tune.json", summary)
    _print(results, grid, best)
    print(f"best: {', '.join(f'{k}={v:g}' for k, v in summary['best_params'].items())} "
          f"(LSDI {search.best_score_:.3f}); wrote {', '.join(files)} in {out}")


def _print(results, grid, best):
    columns = list(grid) + ["mean_test_lsdi", "std_test_lsdi", "mean_test_n_informative",
                            "mean_test_neg_mse", "rank_test_lsdi"]
    shown = results[columns].rename(columns={
        "mean_test_lsdi": "lsdi", "std_test_lsdi": "lsdi_sd",
        "mean_test_n_informative": "K*", "mean_test_neg_mse": "neg_mse",
        "rank_test_lsdi": "rank"}).sort_values("rank", kind="stable")
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))

