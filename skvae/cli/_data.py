"""Reading and checking the table a command works on (file or bundled dataset)."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import csv
import re
import shlex
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from skvae.cli._main import CLIError

#: Fewest rows a table must keep (after dropping missing values) to be evaluated: the
#: runs, the DBSR-LS 5-fold cross-validation and a held-out split all need rows.
MIN_ROWS = 50
#: Fewest held-out rows of ``compare``'s split and of each ``tune`` fold: the evaluation
#: cross-validates DBSR-LS (5 folds) on them.
MIN_TEST_ROWS = 25
#: Fewest feature columns: a latent-by-feature matrix with one column says nothing.
MIN_FEATURES = 2
#: Rows of the simulated bundled tables (FA15, FA24, FA100).
FA_ROWS = 5000
DEFAULT_DATASET = "white_wine"
_CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".csv.zip", ".csv.bz2", ".csv.xz")
_PARQUET_SUFFIXES = (".parquet", ".pq")
#: Separators a CSV file may use when ``--sep`` is not given.
SEPARATORS = ",;\t|"
#: Lines read (header included) to detect the separator of a CSV file.
SNIFF_LINES = 20
#: A text column counts as numeric when at least this fraction of its non-empty values are
#: numbers; its other values (e.g. ``?``) are then missing values.
MIN_NUMERIC_FRACTION = 0.9
#: pandas' name of a first column without a header: the row index ``DataFrame.to_csv``
#: writes.
INDEX_HEADER = "Unnamed: 0"


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


def _sep_name(sep):
    """How to write ``sep`` after ``--sep`` on a command line."""
    return "tab" if sep == "\t" else shlex.quote(sep)


def sniff_sep(path, *, decimal=".", encoding="utf-8"):
    """The separator of a CSV file: csv.Sniffer on its first lines, among , ; tab |.

    Parameters
    ----------
    path : path-like
        The file (compressed files are read by pandas).
    decimal : str, default="."
        The decimal mark, not a candidate separator.
    encoding : str, default="utf-8"
        The file's encoding.

    Returns
    -------
    sep : str
        The separator; ``","`` when none can be told apart (e.g. a single column).
    """
    try:
        # each line as one string: a separator that does not occur, quotes kept as text
        lines = pd.read_csv(path, sep="\x1f", header=None, nrows=SNIFF_LINES, dtype=str,
                            quoting=csv.QUOTE_NONE, na_filter=False, encoding=encoding)[0]
        candidates = "".join(c for c in SEPARATORS if c != decimal)
        return csv.Sniffer().sniff("\n".join(lines), delimiters=candidates).delimiter
    except (csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return ","  # reading the file with it reports any problem


def _header_names(path, *, sep, encoding):
    """The column names on the first line of a CSV file, as written (stripped)."""
    names = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str, encoding=encoding,
                        skipinitialspace=True, na_filter=False).iloc[0]
    return [str(n).strip() for n in names]


def _read_file(path, *, sep=None, decimal=".", encoding="utf-8", na_values=None):
    """The table of a CSV or Parquet file, and notes on how it was read."""
    notes = []
    parquet = _has_suffix(path, _PARQUET_SUFFIXES)
    if parquet:
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

        def reader(p, **options):
            return pd.read_parquet(p), False
    else:
        if sep is None:
            sep = ("\t" if _has_suffix(path, (".tsv", ".tsv.gz"))
                   else sniff_sep(path, decimal=decimal, encoding=encoding))
        # ',' both ways reads decimal commas in quoted fields ("0,5"); unquoted ones add
        # fields to their rows, which is refused below
        if sep == decimal and decimal != ",":
            raise CLIError(f"--sep and --decimal are both {_sep_name(sep)}")

        def reader(p, **options):
            """The table, and whether rows have more fields than the header."""
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                # read_table sorts out columns of mixed types
                warnings.simplefilter("ignore", pd.errors.DtypeWarning)
                frame = pd.read_csv(p, sep=sep, decimal=decimal, encoding=encoding,
                                    na_values=na_values, skipinitialspace=True, **options)
            longer = False
            for warning in caught:
                if (issubclass(warning.category, pd.errors.ParserWarning)
                        and "does not match length of data" in str(warning.message)):
                    longer = True
                else:
                    warnings.warn_explicit(warning.message, warning.category,
                                           warning.filename, warning.lineno)
            return frame, longer
    quote = ('; with --sep , and --decimal , the decimal commas must be in quoted fields '
             '("0,5")') if sep == decimal else ""
    try:
        # index_col=False: pandas would take the first field(s) of rows longer than the
        # header as the row index, shifting the columns; it drops their last fields instead
        frame, longer = reader(path, index_col=False)
        if longer and frame.shape[1] > 1:
            # pandas' default read tells which fields are extra: the first ones (its index)
            # hold row names (R's write.table), the last ones, when all empty, come from a
            # separator at the end of every data row (e.g. Excel exports)
            shifted, _ = reader(path)
            n_extra = shifted.index.nlevels
            trailing = (shifted.shape[1] > n_extra
                        and shifted.iloc[:, -n_extra:].isna().all(axis=None))
            if quote and not trailing:
                raise CLIError(f"the rows of {path.name} have more fields than its header "
                               f"({frame.shape[1]} columns){quote}")
            if trailing:
                notes.append(
                    f"the rows of {path.name} end with {n_extra} separator(s) more than its "
                    "header: the empty last field(s) are left out")
            else:
                frame = shifted
                notes.append(
                    f"the rows of {path.name} have {n_extra} more field(s) than its header: "
                    "the first field(s) of each row, without a column name, are row names, "
                    "left out")
        if not parquet and any(re.fullmatch(r".+\.[0-9]+", str(c)) for c in frame.columns):
            # pandas renames a repeated name a to a.1: look at the header itself
            names = [n for n in _header_names(path, sep=sep, encoding=encoding) if n]
            twice = sorted({n for i, n in enumerate(names) if n in names[:i]})
            if twice:
                raise CLIError(f"{path.name} has duplicate column names: {_short_list(twice)}")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = quote if isinstance(exc, pd.errors.ParserError) else ""
        if isinstance(exc, UnicodeDecodeError) and not parquet:
            hint = "; give the file's encoding with --encoding (e.g. --encoding latin-1)"
        raise CLIError(f"cannot read {path} as a table: {first}{hint}") from None
    if not parquet and frame.shape[1] == 1:
        header = str(frame.columns[0])
        others = [c for c in SEPARATORS if c in header and c != sep]
        if others:
            raise CLIError(
                f"{path.name} reads as a single column {header!r} (separator {sep!r}); "
                f"give the file's separator with --sep, e.g. --sep {_sep_name(others[0])}"
            )
    return frame, notes


#: A number written with ``,`` as thousands separator, e.g. ``1,037`` or ``-12,345,678``.
_THOUSANDS = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+")


def _as_numbers(values, decimal):
    """A text column as numbers, and whether it counts as numeric.

    Returns the values as float (NaN where a value is not a number) and whether at least
    ``MIN_NUMERIC_FRACTION`` of the non-empty values are numbers (and one at least).
    ``True``/``False`` are 1 and 0 (pandas reads a column of them with an empty cell as
    text). With a decimal mark other than ``.``, a value holding ``.`` is not a number:
    it may be a thousands separator (``2.188``), which is not read.
    """
    if values.dtype == object:
        values = values.map(lambda v: int(v) if isinstance(v, (bool, np.bool_)) else v)
    text = values.astype(str).str.strip()
    if decimal != ".":
        text = text.where(~text.str.contains(".", regex=False))
        text = text.str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    n_numbers = int(numbers.notna().sum())
    return numbers, n_numbers > 0 and n_numbers >= MIN_NUMERIC_FRACTION * values.notna().sum()


def _marks_hint(frame, columns, decimal):
    """A hint for text columns that would be numbers with another decimal mark (or none).

    With ``--decimal ','``: values holding ``.``. Otherwise: values holding ``,``, either
    decimal commas (``--decimal ','`` reads them) or thousands separators (``1,037``,
    which no option reads: ``--decimal ','`` would read it as 1.037).
    """
    if decimal == ",":
        dots = [c for c in columns
                if _as_numbers(frame[c].astype(str).str.replace(".", "", regex=False), ",")[1]]
        if not dots:
            return ""
        return (f"; {_short_list(dots)}: values with '.', which --decimal ',' does not read "
                "(a thousands separator? remove it from the file)")
    if decimal != ".":
        return ""
    commas = [c for c in columns if _as_numbers(frame[c], ",")[1]]
    thousands = [c for c in commas if frame[c].dropna().astype(str).str.strip().map(
        lambda v: "," not in v or bool(_THOUSANDS.fullmatch(v))).all()]
    decimals = [c for c in commas if c not in thousands]
    hint = ""
    if decimals:
        hint += "; if the file uses a decimal comma, give --decimal ','"
    if thousands:
        hint += (f"; {_short_list(thousands)}: ',' as in 1,037 (a thousands separator? it "
                 "is not read: remove it from the file)")
    return hint


def _non_numeric(column, tokens):
    """The message for the values of a numeric column that are not numbers."""
    counts = tokens.astype(str).value_counts()
    shown = ", ".join(repr(t) for t in counts.index[:3]) + (", ..." if len(counts) > 3 else "")
    n = int(counts.sum())
    return (f"column {column!r} has {n} non-numeric value{'' if n == 1 else 's'} ({shown}), "
            "treated as missing")


def _split_names(text):
    """The names of ``--columns``: comma-separated, each non-empty and listed once."""
    names = [c.strip() for c in text.split(",")]
    if "" in names:
        raise CLIError(f"--columns: empty name in {text!r}")
    twice = sorted({c for i, c in enumerate(names) if c in names[:i]})
    if twice:
        raise CLIError(f"--columns lists {', '.join(twice)} twice")
    return names


def read_table(source, *, columns=None, target=None, index_col=None, dropna=False,
               max_rows=None, seed=0, sep=None, decimal=".", encoding="utf-8",
               na_values=None):
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
    index_col : str, default=None
        An identifier column to exclude. A first column named ``Unnamed: 0`` (no header:
        the row index ``DataFrame.to_csv`` writes) is excluded too, unless ``columns``
        or ``target`` names it.
    dropna : bool, default=False
        Drop rows with missing values in the used columns instead of failing.
    max_rows : int, default=None
        Use at most this many rows, drawn at random (``seed``) without replacement.
    seed : int, default=0
        Seed of the row subsample and of the simulated tables.
    sep : str, default=None
        Column separator of a CSV file; None detects it (:func:`sniff_sep`), tab for
        ``.tsv`` files.
    decimal : str, default="."
        Decimal mark of a CSV file.
    encoding : str, default="utf-8"
        Encoding of a CSV file.
    na_values : list of str, default=None
        Values of a CSV file read as missing, besides pandas' defaults (empty, NA, NaN...).

    Returns
    -------
    table : Table

    Notes
    -----
    A text column counts as numeric when at least ``MIN_NUMERIC_FRACTION`` (90%) of its
    non-empty values are numbers; its other values are missing values.
    """
    source = DEFAULT_DATASET if source is None else str(source)
    path = Path(source).expanduser()
    if path.is_file():
        frame, read_notes = _read_file(path, sep=sep, decimal=decimal, encoding=encoding,
                                       na_values=na_values)
        name, description, default_target = path.name, f"file {path}", None
    elif path.is_dir():
        raise CLIError(f"{source} is a directory; give a CSV or Parquet file")
    elif _canonical(source) in BUNDLED:
        name, read_notes = _canonical(source), []
        frame, default_target, description = BUNDLED[name](seed)
    elif _has_suffix(source, _CSV_SUFFIXES + _PARQUET_SUFFIXES) or "/" in source:
        raise CLIError(f"no such file: {source}")
    else:
        raise CLIError(
            f"{source!r} is neither a file nor a bundled dataset; bundled datasets: "
            f"{', '.join(bundled_names())}"
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.columns.has_duplicates:
        twice = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise CLIError(f"{name} has duplicate column names: {_short_list(twice)}")
    table = Table(frame=frame, name=name, description=description, n_rows_read=len(frame),
                  notes=list(read_notes))

    wanted = _split_names(columns) if columns is not None else []
    for option, column in (("--target", target), ("--index-col", index_col)):
        if column is not None and column not in frame.columns:
            raise CLIError(
                f"{option} {column!r} is not a column of {name}; columns: "
                f"{_short_list(frame.columns)}"
            )
    # a bundled table's own target stays out when --target names another column: it is
    # the label, not a feature
    targets = [c for c in dict.fromkeys((target, default_target)) if c is not None]
    if index_col is not None and index_col == target:
        raise CLIError(f"--index-col and --target are the same column {target!r}")
    if index_col is not None and index_col == default_target:
        raise CLIError(f"--index-col {index_col!r} is the target of the bundled {name}")
    for column in targets:
        table.excluded[column] = "target"
    if index_col is not None:
        table.excluded[index_col] = "index"
    unnamed_index = (frame.columns[:1].tolist() == [INDEX_HEADER]
                     and INDEX_HEADER not in (*targets, index_col, *wanted))
    if unnamed_index:
        table.excluded[INDEX_HEADER] = "index"
    if columns is not None:
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise CLIError(
                f"--columns: {', '.join(missing)} not in {name}; columns: "
                f"{_short_list(frame.columns)}"
            )
        for column, why in ([(t, "target") for t in targets]
                            + [(index_col, "index column")]):
            if column is not None and column in wanted:
                raise CLIError(f"--columns includes the {why} {column!r}")
        for c in frame.columns:
            if c not in wanted and c not in table.excluded:
                table.excluded[c] = "not in --columns"
        candidates = wanted
    else:
        candidates = [c for c in frame.columns if c not in table.excluded]

    # before the columns are sorted out: a header-only file has 0 rows, whatever its columns
    if len(frame) < MIN_ROWS:
        raise CLIError(
            f"{name} has too few rows: {len(frame)} usable, at least {MIN_ROWS} are needed"
        )
    numeric, non_numeric, empty = [], [], []
    for c in candidates:
        kind = frame[c].dtype
        if frame[c].isna().all():  # e.g. after a trailing separator: nothing to learn from
            empty.append(c)
            table.excluded[c] = "empty"
            continue
        if pd.api.types.is_bool_dtype(kind) or pd.api.types.is_numeric_dtype(kind):
            numeric.append(c)
            continue
        numbers, is_numeric = _as_numbers(frame[c], decimal)
        if is_numeric:
            tokens = frame[c][frame[c].notna() & numbers.isna()]
            if len(tokens):
                non_numeric.append(_non_numeric(c, tokens))
            frame[c] = numbers
            numeric.append(c)
        else:
            table.excluded[c] = "not numeric"
    not_numeric = [c for c, why in table.excluded.items() if why == "not numeric"]
    if columns is not None and not_numeric:
        raise CLIError(f"--columns: not numeric: {', '.join(not_numeric)}")
    if columns is not None and empty:
        raise CLIError(f"--columns: no values in {', '.join(empty)}")
    hint = _marks_hint(frame, not_numeric, decimal)
    if empty:
        table.notes.append(f"excluded {len(empty)} empty column(s) (no values): "
                           f"{_short_list(empty)}")
    if not numeric:
        left_out = ([f"not numeric: {_short_list(not_numeric)}"] if not_numeric else []) + (
            [f"empty: {_short_list(empty)}"] if empty else [])
        raise CLIError(f"{name} has no numeric column to use"
                       + (f" ({'; '.join(left_out)})" if left_out else "") + hint)
    if not_numeric:
        table.notes.append(
            f"excluded {len(not_numeric)} non-numeric column(s): {_short_list(not_numeric)}"
            + hint
        )
    if unnamed_index:
        table.notes.append(
            f"excluded the first column {INDEX_HEADER!r}: it has no header, as the row index "
            "that DataFrame.to_csv writes (--index-col names an identifier column)"
        )
    if index_col is not None:
        table.notes.append(f"excluded the index column {index_col!r}")
    if target is not None:
        table.notes.append(f"excluded the target column {target!r}")
    if default_target is not None and target is None:
        table.notes.append(f"excluded the target column {default_target!r}")
    elif default_target is not None and default_target != target:
        table.notes.append(f"excluded the bundled table's own target column "
                           f"{default_target!r} too (besides --target {target!r})")

    data = frame[numeric].astype(np.float64)
    data = data.replace([np.inf, -np.inf], np.nan)
    bad_rows = data.isna().any(axis=1)
    if bad_rows.any():
        counts = data.isna().sum()
        where = ", ".join(f"{c} ({n})" for c, n in counts[counts > 0].items())
        if not dropna:
            raise CLIError(
                f"{int(bad_rows.sum())} of {len(data)} rows have missing or infinite values "
                f"(in {where}){''.join('; ' + m for m in non_numeric)}; drop them with "
                "--dropna or clean the table"
            )
        table.n_dropped = int(bad_rows.sum())
        data = data.loc[~bad_rows]
        table.notes.extend(non_numeric)
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
            + (f" (not numeric: {_short_list(not_numeric)}){hint}" if not_numeric else "")
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
