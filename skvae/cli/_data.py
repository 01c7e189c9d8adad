"""Reading and checking the table a command works on (file or bundled dataset)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from skvae.cli._main import CLIError

#: Fewest rows a table must keep (after dropping missing values) to be evaluated: the
#: runs, the DBSR-LS 5-fold cross-validation and a held-out split all need rows.
MIN_ROWS = 50
#: Fewest feature columns: a latent-by-feature matrix with one column says nothing.
MIN_FEATURES = 2
#: Rows of the simulated bundled tables (FA15, FA24, FA100).
FA_ROWS = 5000
DEFAULT_DATASET = "white_wine"
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".csv.zip", ".csv.bz2", ".csv.xz")
_PARQUET_SUFFIXES = (".parquet", ".pq")


def _white_wine(seed):
    from skvae.datasets import load_white_wine

    bunch = load_white_wine(as_frame=True)
    return bunch.frame, "quality", "UCI white wine quality (Cortez et al. 2009), bundled"


def _fifa(seed):
    from skvae.datasets import load_fifa

    bunch = load_fifa(as_frame=True)
    return bunch.frame, "overall", "FIFA 20 skill attributes of the top 5,000 players, bundled"


def _fa(preset):
    def load(seed):
        from skvae.datasets import make_factor_analysis

        X, _, loadings = make_factor_analysis(FA_ROWS, preset=preset, random_state=seed)
        frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
        return frame, None, (
            f"simulated factor-analysis table {preset} ({FA_ROWS} rows, "
            f"{loadings.shape[0]} factors, seed {seed})"
        )

    return load


#: Bundled dataset name -> loader(seed) returning (frame, target column or None, description).
BUNDLED = {
    "white_wine": _white_wine,
    "fifa": _fifa,
    "fa15": _fa("FA15"),
    "fa24": _fa("FA24"),
    "fa100": _fa("FA100"),
}
_ALIASES = {"wine": "white_wine", "whitewine": "white_wine", "fifa20": "fifa"}


@dataclass
class Table:
    """A checked table: numeric feature columns, no missing values.

    Attributes
    ----------
    frame : pandas.DataFrame
        The features used (float64), with their column names.
    name : str
        Short name of the data (bundled name or file name).
    description : str
        One line: where the data come from.
    excluded : dict of str to str
        Column -> reason it is not used (target, not numeric, constant, not selected).
    n_rows_read : int
        Rows read from the source.
    n_dropped : int
        Rows dropped for missing values (``--dropna``).
    n_subsampled : int
        Rows left out by ``--max-rows``.
    notes : list of str
        Messages for the user about the above.
    """

    frame: pd.DataFrame
    name: str
    description: str
    excluded: dict = field(default_factory=dict)
    n_rows_read: int = 0
    n_dropped: int = 0
    n_subsampled: int = 0
    notes: list = field(default_factory=list)

    def info(self):
        """JSON-ready description of the table."""
        return {
            "name": self.name,
            "description": self.description,
            "n_rows_read": int(self.n_rows_read),
            "n_rows": int(self.frame.shape[0]),
            "n_features": int(self.frame.shape[1]),
            "features": [str(c) for c in self.frame.columns],
            "excluded": dict(self.excluded),
            "n_dropped_missing": int(self.n_dropped),
            "n_subsampled_out": int(self.n_subsampled),
        }


def _canonical(name):
    key = name.strip().lower().replace("-", "_")
    return _ALIASES.get(key, key)


def bundled_names():
    """Names of the bundled datasets, as accepted for DATA."""
    return sorted(BUNDLED)


def _has_suffix(path, suffixes):
    return str(path).lower().endswith(suffixes)


def _read_file(path):
    if _has_suffix(path, _PARQUET_SUFFIXES):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            try:
                import fastparquet  # noqa: F401
            except ImportError:
                raise CLIError(
                    f"reading Parquet ({path}) needs pyarrow, which is not installed: "
                    "pip install pyarrow"
                ) from None
        reader = pd.read_parquet
    elif _has_suffix(path, (".tsv", ".tsv.gz")):
        def reader(p):
            return pd.read_csv(p, sep="\t")
    else:
        reader = pd.read_csv
    try:
        return reader(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CLIError(f"cannot read {path} as a table: {first}") from None


def _split_names(text):
    return [c.strip() for c in text.split(",") if c.strip()]


def read_table(source, *, columns=None, target=None, dropna=False, max_rows=None, seed=0):
    """Read ``source`` (a CSV/Parquet path or a bundled name) and check it.

    Parameters
    ----------
    source : str or None
        Path of a CSV (``.csv``, ``.tsv``, ``.txt``, optionally compressed) or Parquet
        (``.parquet``, ``.pq``) file, or the name of a bundled dataset. None means
        the bundled white-wine data.
    columns : str, default=None
        Comma-separated columns to use (default: every numeric column).
    target : str, default=None
        A column to exclude (e.g. a label). Bundled tables exclude theirs.
    dropna : bool, default=False
        Drop rows with missing values in the used columns instead of failing.
    max_rows : int, default=None
        Use at most this many rows, drawn at random (``seed``) without replacement.
    seed : int, default=0
        Seed of the row subsample and of the simulated tables.

    Returns
    -------
    table : Table
    """
    source = DEFAULT_DATASET if source is None else str(source)
    path = Path(source).expanduser()
    if path.is_file():
        frame = _read_file(path)
        name, description, default_target = path.name, f"file {path}", None
    elif path.is_dir():
        raise CLIError(f"{source} is a directory; give a CSV or Parquet file")
    elif _canonical(source) in BUNDLED:
        name = _canonical(source)
        frame, default_target, description = BUNDLED[name](seed)
    elif _has_suffix(source, _CSV_SUFFIXES + _PARQUET_SUFFIXES) or "/" in source:
        raise CLIError(f"no such file: {source}")
    else:
        raise CLIError(
            f"{source!r} is neither a file nor a bundled dataset; bundled datasets: "
            f"{', '.join(bundled_names())}"
        )
    frame.columns = [str(c) for c in frame.columns]
    table = Table(frame=frame, name=name, description=description, n_rows_read=len(frame))

    target = target if target is not None else default_target
    if target is not None:
        if target not in frame.columns:
            raise CLIError(
                f"--target {target!r} is not a column of {name}; columns: "
                f"{_short_list(frame.columns)}"
            )
        table.excluded[target] = "target"
    if columns is not None:
        wanted = _split_names(columns)
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise CLIError(
                f"--columns: {', '.join(missing)} not in {name}; columns: "
                f"{_short_list(frame.columns)}"
            )
        if target in wanted:
            raise CLIError(f"--columns includes the target {target!r}")
        for c in frame.columns:
            if c not in wanted and c not in table.excluded:
                table.excluded[c] = "not in --columns"
        candidates = wanted
    else:
        candidates = [c for c in frame.columns if c not in table.excluded]

    numeric = []
    for c in candidates:
        kind = frame[c].dtype
        if pd.api.types.is_bool_dtype(kind) or pd.api.types.is_numeric_dtype(kind):
            numeric.append(c)
        else:
            table.excluded[c] = "not numeric"
    not_numeric = [c for c, why in table.excluded.items() if why == "not numeric"]
    if columns is not None and not_numeric:
        raise CLIError(f"--columns: not numeric: {', '.join(not_numeric)}")
    if not numeric:
        raise CLIError(
            f"{name} has no numeric column to use"
            + (f" (not numeric: {_short_list(not_numeric)})" if not_numeric else "")
        )
    if not_numeric:
        table.notes.append(
            f"excluded {len(not_numeric)} non-numeric column(s): {_short_list(not_numeric)}"
        )
    if target is not None:
        table.notes.append(f"excluded the target column {target!r}")

    data = frame[numeric].astype(np.float64)
    data = data.replace([np.inf, -np.inf], np.nan)
    bad_rows = data.isna().any(axis=1)
    if bad_rows.any():
        counts = data.isna().sum()
        where = ", ".join(f"{c} ({n})" for c, n in counts[counts > 0].items())
        if not dropna:
            raise CLIError(
                f"{int(bad_rows.sum())} of {len(data)} rows have missing or infinite values "
                f"(in {where}); drop them with --dropna or clean the table"
            )
        table.n_dropped = int(bad_rows.sum())
        data = data.loc[~bad_rows]
        table.notes.append(
            f"dropped {table.n_dropped} row(s) with missing or infinite values (in {where})"
        )

    # before the constant columns: with too few rows every column may look constant
    if len(data) < MIN_ROWS:
        raise CLIError(
            f"{name} has too few rows: {len(data)} usable, at least {MIN_ROWS} are needed"
        )

    constant = [c for c in data.columns if data[c].nunique() <= 1]
    if constant:
        for c in constant:
            table.excluded[c] = "constant"
        data = data.drop(columns=constant)
        table.notes.append(f"excluded {len(constant)} constant column(s): {_short_list(constant)}")
    if data.shape[1] < MIN_FEATURES:
        raise CLIError(
            f"{name} has {data.shape[1]} usable numeric column(s) "
            f"({_short_list(data.columns) or 'none'}); at least {MIN_FEATURES} are needed"
        )
    if max_rows is not None and len(data) > max_rows:
        table.n_subsampled = len(data) - max_rows
        rows = np.sort(np.random.RandomState(seed).choice(len(data), max_rows, replace=False))
        data = data.iloc[rows]
        table.notes.append(f"using {max_rows} of {len(data) + table.n_subsampled} rows "
                           f"(--max-rows, seed {seed})")
    table.frame = data.reset_index(drop=True)
    return table


def _short_list(names, limit=8):
    names = [str(n) for n in names]
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f", ... ({len(names)} in all)"


def int_at_least(minimum):
    """argparse type: an integer >= ``minimum``."""
    import argparse

    def parse(value):
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {number}")
        return number

    return parse


positive_int = int_at_least(1)
#: argparse type of ``--max-rows``
check_max_rows = int_at_least(MIN_ROWS)


def note(args, message):
    """Print ``skvae <command>: note: <message>`` on stderr unless ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(f"skvae {args.command}: note: {message}", file=sys.stderr)
