"""Models by name, the hyperparameter flags they accept, and shared command options."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import codecs
import contextlib
import math
import os
import platform
import shlex
import sys
import threading

from skvae.cli._data import check_max_rows, int_at_least, positive_int, read_table
from skvae.cli._main import CLIError, raise_if_interrupted

#: VAE model name -> class name in :mod:`skvae`.
VAE_MODELS = {
    "bfvae": "BFVAE",
    "vae": "VAE",
    "betavae": "BetaVAE",
    "annealedvae": "AnnealedVAE",
    "factorvae": "FactorVAE",
    "betatcvae": "BetaTCVAE",
    "dipvae": "DIPVAE",
}
#: Linear baselines (``compare`` only).
LINEAR_MODELS = ("pca", "fastica", "fa")
#: Hyperparameter flag -> (estimator parameter, models that have it).
HYPER_FLAGS = {
    "beta": ("beta", ("bfvae", "betavae", "annealedvae")),
    "capacity": ("capacity", ("bfvae", "annealedvae")),
    "gamma": ("gamma", ("bfvae", "factorvae", "betatcvae")),
    "lambda_od": ("lambda_od", ("bfvae", "dipvae")),
}
#: Default number of epochs of every VAE fit (chosen so that the default ``skvae report``
#: runs in well under two minutes on two cores).
DEFAULT_MAX_ITER = 40


def model_class(name):
    import skvae

    return getattr(skvae, VAE_MODELS[name])


def check_hyper_flags(model, values):
    """Raise CLIError when a hyperparameter flag is given for a model without it."""
    for flag, value in values.items():
        if value is None:
            continue
        param, models = HYPER_FLAGS[flag]
        if model not in models:
            have = ", ".join(m for m in models)
            raise CLIError(
                f"--{flag.replace('_', '-')} does not apply to --model {model} "
                f"(models with {param}: {have})"
            )


def make_vae(name, args, hyper=None, *, random_state=None):
    """A VAE estimator from the common options (and ``hyper``: param -> value)."""
    params = dict(
        n_components=args.n_components,
        max_iter=args.max_iter,
        batch_size=args.batch_size,
        device=args.device,
        random_state=random_state,
    )
    params.update(hyper or {})
    return model_class(name)(**params)


def make_linear(name, n_components, seed):
    from sklearn.decomposition import PCA, FastICA

    from skvae.estimators import DecodingFactorAnalysis

    if name == "pca":
        return PCA(n_components=n_components, random_state=seed)
    if name == "fastica":
        return FastICA(n_components=n_components, whiten="unit-variance", max_iter=1000,
                       random_state=seed)
    return DecodingFactorAnalysis(n_components=n_components, rotation="varimax",
                                  random_state=seed)


def resolve_n_jobs(n_jobs, n_fits, device):
    """``--n-jobs``: None -> the CPU cores (at most ``n_fits``) on CPU, 1 on a GPU."""
    if n_jobs is not None:
        return n_jobs
    if device == "cuda":
        return 1
    if device == "auto":
        import torch

        if torch.cuda.is_available():
            return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, n_fits))


def float_list(value):
    """argparse type: comma-separated finite floats >= 0, each listed once."""
    try:
        values = [float(v) for v in token_list(value)]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of numbers: {value!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"must be finite: {value!r}")
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"must be non-negative: {value!r}")
    twice = [v for i, v in enumerate(values) if v in values[:i]]
    if twice:
        raise argparse.ArgumentTypeError(f"lists {twice[0]:g} twice: {value!r}")
    return values


def non_negative_float(value):
    """argparse type: a finite float >= 0."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"must be finite, got {value}")
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be non-negative, got {value}")
    return number


def separator(value):
    """argparse type of ``--sep``: one character, or ``tab``."""
    sep = "\t" if value in ("tab", "\\t") else value
    if len(sep) != 1:
        raise argparse.ArgumentTypeError(f"must be one character or tab, got {value!r}")
    return sep


def one_character(value):
    """argparse type: a single character (``--decimal``)."""
    if len(value) != 1:
        raise argparse.ArgumentTypeError(f"must be one character, got {value!r}")
    return value


def encoding(value):
    """argparse type of ``--encoding``: a codec Python knows."""
    try:
        codecs.lookup(value)
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding: {value!r}") from None
    return value


def token_list(value):
    """argparse type: comma-separated values, each non-empty (``--na-values``)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("empty list")
    tokens = [t.strip() for t in value.split(",")]
    if "" in tokens:
        raise argparse.ArgumentTypeError(f"empty value in {value!r}")
    return tokens


def add_data_options(parser, *, data_required):
    """DATA and the table options shared by every command."""
    if data_required:
        parser.add_argument(
            "data", metavar="DATA",
            help="CSV or Parquet file, or a bundled dataset: white_wine, fifa, fa15, fa24, fa100")
    else:
        parser.add_argument(
            "data", metavar="DATA", nargs="?", default=None,
            help="CSV or Parquet file, or a bundled dataset: white_wine (default), fifa, "
                 "fa15, fa24, fa100")
    group = parser.add_argument_group("data")
    group.add_argument("--columns", metavar="A,B,...",
                       help="comma-separated columns to use (default: every numeric column)")
    group.add_argument("--target", metavar="COL",
                       help="a column to exclude, e.g. a label (bundled tables exclude theirs)")
    group.add_argument("--index-col", metavar="COL",
                       help="an identifier column to exclude (a first column without a "
                            "header, the row index DataFrame.to_csv writes, is excluded "
                            "anyway)")
    group.add_argument("--dropna", action="store_true",
                       help="drop rows with missing values instead of stopping with an error")
    group.add_argument("--max-rows", type=check_max_rows, metavar="N",
                       help="use at most N rows, drawn at random with --seed")
    csv_files = parser.add_argument_group("CSV files")
    csv_files.add_argument("--sep", type=separator, metavar="CHAR",
                           help="column separator: one character, or tab (default: detected "
                                "among ',' ';' tab '|'; tab for .tsv)")
    csv_files.add_argument("--decimal", type=one_character, default=".", metavar="CHAR",
                           help="decimal mark (default: .)")
    csv_files.add_argument("--encoding", type=encoding, default="utf-8", metavar="NAME",
                           help="text encoding, e.g. latin-1 (default: utf-8)")
    csv_files.add_argument("--na-values", type=token_list, metavar="A,B,...",
                           help="values read as missing, besides empty fields, NA, NaN, "
                                "null...")


def read_data(args):
    """The table DATA, read and checked with the data options of ``args``."""
    return read_table(args.data, columns=args.columns, target=args.target,
                      index_col=args.index_col, dropna=args.dropna, max_rows=args.max_rows,
                      seed=args.seed, sep=args.sep, decimal=args.decimal,
                      encoding=args.encoding, na_values=args.na_values)


def add_fit_options(parser, *, default_out):
    """Options of the VAE fits, output and verbosity shared by every command."""
    group = parser.add_argument_group("fitting")
    group.add_argument("--n-components", type=positive_int, default=10, metavar="K",
                       help="latent dimension (default: 10)")
    group.add_argument("--max-iter", type=positive_int, default=DEFAULT_MAX_ITER, metavar="N",
                       help=f"epochs per VAE fit (default: {DEFAULT_MAX_ITER})")
    group.add_argument("--batch-size", type=int_at_least(2), default=256, metavar="N",
                       help="minibatch size (default: 256)")
    group.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                       help="torch device (default: auto = cuda when available)")
    group.add_argument("--n-jobs", type=int, default=None, metavar="N",
                       help="fits run in parallel processes, one torch thread each (default: "
                            "the CPU cores, at most the number of fits; 1 on a GPU; -1: all)")
    group.add_argument("--seed", type=seed, default=0, help="random seed (default: 0)")
    out = parser.add_argument_group("output")
    out.add_argument("--out", metavar="DIR", default=default_out,
                     help=f"output directory, created if needed (default: {default_out})")
    out.add_argument("-q", "--quiet", action="store_true",
                     help="no progress bar, notes or missing-glyph warnings of the "
                          "figures (errors are still printed)")
    out.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                     help="log progress details")


def check_n_jobs(n_jobs):
    if n_jobs is not None and n_jobs == 0:
        raise CLIError("--n-jobs must be a non-zero integer (-1: all cores)")


def check_device(device):
    """Raise CLIError for ``--device cuda`` without a CUDA device."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise CLIError(f"--device cuda: no CUDA device is available to torch "
                           f"{torch.__version__}; use --device cpu or auto")


def seed(value):
    """argparse type of ``--seed``: an integer in [0, 2**32 - 1]."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if not 0 <= number < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {number}")
    return number


def check_out_dir(path):
    """Raise CLIError when ``--out`` names an existing file (checked before any work)."""
    from pathlib import Path

    if Path(path).expanduser().exists() and not Path(path).expanduser().is_dir():
        raise CLIError(f"--out {path} exists and is not a directory")


def make_out_dir(path):
    from pathlib import Path

    out = Path(path).expanduser()
    check_out_dir(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create the output directory {path}: {exc.strerror}") from None
    return out


def remove_outputs(out, names):
    """Remove the files ``names`` (the files a command writes) from ``out``; nothing else."""
    for name in names:
        path = out / name
        if path.is_file() or path.is_symlink():
            path.unlink()


def command_line(args):
    """The command as typed (``skvae ...``), quoted for a shell."""
    return " ".join(["skvae", *(shlex.quote(a) for a in args.argv)])


def versions():
    """Versions of Python and the main libraries."""
    import matplotlib
    import numpy
    import pandas
    import scipy
    import sklearn
    import skorch
    import torch

    import skvae

    return {
        "skvae": skvae.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "scikit-learn": sklearn.__version__,
        "skorch": skorch.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "matplotlib": matplotlib.__version__,
        "platform": platform.platform(),
    }


@contextlib.contextmanager
def progress(total, *, desc, quiet):
    """A tqdm bar on stderr that counts the joblib tasks completed inside the block.

    joblib calls ``Parallel.print_progress`` after every finished task (in the
    sequential, process and Dask backends alike); it is wrapped here, for the
    duration of the block, to advance the bar. Yields the bar (``bar.update(n)``
    counts work done outside joblib), or a stand-in without output when ``quiet``.

    In the main thread (joblib's sequential backend: ``--n-jobs 1``, a GPU), a task that
    ends after Ctrl-C stops the work (:func:`~skvae.cli._main.raise_if_interrupted`):
    the estimators swallow the interruption of a fit, and the other fits would go on.
    """
    from joblib import Parallel
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit="fit", file=sys.stderr, disable=quiet,
               dynamic_ncols=True, leave=not quiet)
    original = Parallel.print_progress

    def print_progress(parallel):
        count = parallel.n_completed_tasks
        step = count - getattr(parallel, "_skvae_counted", 0)
        if step > 0:
            parallel._skvae_counted = count
            bar.update(min(step, max(0, bar.total - bar.n)))
        if threading.current_thread() is threading.main_thread():
            raise_if_interrupted()
        return original(parallel)

    Parallel.print_progress = print_progress
    try:
        yield bar
    finally:
        Parallel.print_progress = original
        bar.close()


def write_json(path, data):
    import json

    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, allow_nan=False)
        fh.write("\n")
