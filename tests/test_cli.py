"""The ``skvae`` command line: report, compare, tune; files, JSON keys and error messages."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import importlib
import json
import re
import shlex
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from skorch.callbacks import Callback

from skvae.cli import _main as cli_main
from skvae.cli import main
from skvae.cli._compare import COLUMNS as COMPARE_COLUMNS
from skvae.cli._data import MIN_ROWS, read_table
from skvae.cli._main import CLIError, build_parser
from skvae.cli._models import read_data
from skvae.cli._report import REPORT_FILES
from skvae.datasets import make_factor_analysis

README = Path(__file__).resolve().parents[1] / "README.md"
FAST = ["--max-iter", "2", "--n-components", "4", "--n-jobs", "1", "--quiet"]
REPORT_KEYS = {
    "command", "versions", "dataset", "settings", "timing", "lsdi", "lsdi_fvh_lt",
    "lsdi_dbsr_ls", "n_informative", "informative_latents", "reconstruction_error",
    "evaluation", "runs", "files",
}
DATASET_KEYS = {"name", "description", "n_rows_read", "n_rows", "n_features", "features",
                "excluded", "n_dropped_missing", "n_subsampled_out"}
COMPARE_KEYS = {"command", "versions", "dataset", "settings", "models", "best", "files"}
TUNE_KEYS = {"command", "versions", "dataset", "settings", "grid", "n_candidates",
             "best_params", "best_score", "best_index", "best_scores", "files"}
FEATURES = [f"item_{j}" for j in range(15)]


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    """300 rows of FA15 with a text column and a label column."""
    X, factors, _ = make_factor_analysis(300, preset="FA15", random_state=0)
    frame = pd.DataFrame(X, columns=FEATURES)
    frame.insert(3, "group", np.where(factors[:, 0] > 0, "high", "low"))
    frame["label"] = (factors[:, 1] > 0).astype(int)
    path = tmp_path_factory.mktemp("data") / "table.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def report(csv_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    status = main(["report", str(csv_path), "--target", "label", "--runs", "2", *FAST,
                   "--out", str(out)])
    assert status == 0
    return out


def _json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def test_report_files(report):
    summary = _json(report / "summary.json")
    expected = {"report.html", "summary.json", "latents.csv", "fvh_lt.csv", "dbsr_ls.csv",
                "fvh_lt_std.csv", "dbsr_ls_std.csv", "dbsr_ls_selection_frequency.csv",
                "runs.csv", "kl.png", "stability.png", "fvh_lt.png", "dbsr_ls.png",
                "traversals.png", "model.joblib"}
    assert set(summary["files"]) == expected == set(REPORT_FILES)
    assert {p.name for p in report.iterdir()} == expected
    for name in expected:
        if name.endswith(".png"):
            with Image.open(report / name) as image:
                assert image.format == "PNG" and min(image.size) > 100


def test_report_summary_json(report, csv_path):
    summary = _json(report / "summary.json")
    assert set(summary) == REPORT_KEYS
    assert set(summary["dataset"]) == DATASET_KEYS
    dataset = summary["dataset"]
    assert dataset["features"] == FEATURES
    assert dataset["excluded"] == {"label": "target", "group": "not numeric"}
    assert dataset["n_rows"] == 300
    assert summary["settings"]["runs"] == 2 and summary["settings"]["model"] == "bfvae"
    assert summary["settings"]["params"]["n_components"] == 4
    assert summary["command"].startswith(f"skvae report {csv_path}")
    for key in ("lsdi_fvh_lt", "lsdi_dbsr_ls"):
        assert set(summary[key]) == {"lsdi", "exclusivity", "balance"}
    assert 0 <= summary["lsdi"] <= 1
    assert summary["lsdi"] == pytest.approx(summary["evaluation"]["lsdi"])
    assert summary["n_informative"] == len(summary["informative_latents"])
    assert len(summary["runs"]) == 2 and sum(r["reference"] for r in summary["runs"]) == 1
    assert summary["evaluation"]["n_runs"] == 2


def test_report_csvs(report):
    names = _json(report / "summary.json")["evaluation"]["latent_names"]
    latents = pd.read_csv(report / "latents.csv", index_col="latent")
    assert list(latents.index) == names
    assert list(latents.columns) == ["kl", "informative", "informative_frequency", "stability",
                                     "heterogeneity", "fvh_lt_features", "dbsr_ls_features"]
    for name in ("fvh_lt", "dbsr_ls", "fvh_lt_std", "dbsr_ls_std",
                 "dbsr_ls_selection_frequency"):
        matrix = pd.read_csv(report / f"{name}.csv", index_col="latent")
        assert matrix.shape == (4, 15)
        assert list(matrix.columns) == FEATURES and list(matrix.index) == names
        assert np.isfinite(matrix.to_numpy()).all() and (matrix.to_numpy() >= 0).all()
    runs = pd.read_csv(report / "runs.csv")
    assert list(runs.columns) == ["run", "seed", "reference", "n_informative", "lsdi",
                                  "lsdi_fvh_lt", "lsdi_dbsr_ls", "reconstruction_error"]
    assert len(runs) == 2


def test_report_model_loads_and_transforms(report, csv_path):
    model = joblib.load(report / "model.joblib")
    frame = pd.read_csv(csv_path)
    codes = model.transform(frame[FEATURES])
    assert np.asarray(codes).shape == (300, 4)
    assert type(model[-1]).__name__ == "AlignedEnsemble" and model[-1].n_runs == 2
    # the scaler is part of the model: raw (unstandardised) features go in
    assert model[0].mean_.shape == (15,)


def test_report_single_model_on_bundled_dataset(report, tmp_path, capsys):
    # DIR holds an earlier report with --runs 2, and a file of the user's
    for path in report.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "notes.txt").write_text("mine")
    status = main(["report", "white_wine", "--max-rows", "200", "--runs", "1",
                   "--model", "betavae", "--beta", "2", *FAST, "--out", str(tmp_path)])
    assert status == 0
    out = capsys.readouterr().out
    assert re.search(r"^LSDI \d\.\d{3}", out, re.M)
    assert "informative latents:" in out
    summary = _json(tmp_path / "summary.json")
    assert summary["dataset"]["name"] == "white_wine"
    assert summary["dataset"]["n_rows"] == 200 and summary["dataset"]["n_features"] == 11
    assert summary["dataset"]["excluded"] == {"quality": "target"}
    assert summary["settings"]["params"]["beta"] == 2.0
    assert summary["settings"]["runs"] == 1 and len(summary["runs"]) == 1
    assert "stability" not in summary["evaluation"]
    assert not (tmp_path / "stability.png").exists()
    # no file of the earlier report is left over; the user's file stays
    assert {p.name for p in tmp_path.iterdir()} == {*summary["files"], "notes.txt"}
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert type(joblib.load(tmp_path / "model.joblib")[-1]).__name__ == "BetaVAE"


def test_compare(csv_path, tmp_path):
    status = main(["compare", str(csv_path), "--models", "vae,pca,fa", "--runs", "2", *FAST,
                   "--out", str(tmp_path)])
    assert status == 0
    frame = pd.read_csv(tmp_path / "compare.csv")
    assert list(frame.columns) == COMPARE_COLUMNS
    assert list(frame["model"]) == ["vae", "pca", "fa"]
    assert frame["lsdi"].between(0, 1).all()
    assert (frame["reconstruction_error"] > 0).all()
    summary = _json(tmp_path / "compare.json")
    assert set(summary) == COMPARE_KEYS
    assert [row["model"] for row in summary["models"]] == ["vae", "pca", "fa"]
    assert set(summary["models"][0]) == set(COMPARE_COLUMNS)
    settings = summary["settings"]
    assert settings["n_train"] + settings["n_test"] == 300
    # auto: median informative latents of the VAEs, at least 2
    assert settings["linear_components"] == max(2, int(frame["n_informative"][0]))
    assert (frame["n_components"][1:] == settings["linear_components"]).all()
    # a linear model counts every component as informative
    assert (frame["n_informative"][1:] == frame["n_components"][1:]).all()
    with Image.open(tmp_path / "compare.png") as image:
        assert image.format == "PNG"
    html = (tmp_path / "compare.html").read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 1 and "<table>" in html


def test_main_leaves_logging_and_the_pyplot_backend_alone(csv_path, tmp_path, monkeypatch):
    """main may run in-process (a notebook): its logging setup and figures do not outlive it."""
    import logging

    import matplotlib
    import matplotlib.pyplot as plt

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # pytest's own handlers make basicConfig a no-op
    monkeypatch.setattr(root, "level", logging.ERROR)
    backend = matplotlib.get_backend()
    plt.switch_backend("pdf")
    try:
        status = main(["compare", str(csv_path), "--models", "pca,fa", "--verbose", *FAST,
                       "--out", str(tmp_path)])
        assert matplotlib.get_backend() == "pdf"
    finally:
        plt.switch_backend(backend)
    assert status == 0 and (tmp_path / "compare.png").exists()
    assert root.handlers == [] and root.level == logging.ERROR


def test_tune(csv_path, tmp_path):
    status = main(["tune", str(csv_path), "--target", "label", "--model", "betavae",
                   "--beta", "1,4", "--cv", "2", *FAST, "--out", str(tmp_path)])
    assert status == 0
    results = pd.read_csv(tmp_path / "tune.csv")
    assert len(results) == 2 and list(results["beta"]) == [1.0, 4.0]
    for metric in ("lsdi", "lsdi_fvh_lt", "lsdi_dbsr_ls", "n_informative", "elbo", "neg_mse"):
        assert {f"mean_test_{metric}", f"std_test_{metric}", f"rank_test_{metric}",
                f"split0_test_{metric}", f"split1_test_{metric}"} <= set(results.columns)
    summary = _json(tmp_path / "tune.json")
    assert set(summary) == TUNE_KEYS
    assert summary["grid"] == {"beta": [1.0, 4.0]} and summary["n_candidates"] == 2
    assert summary["best_params"]["beta"] in (1.0, 4.0)
    assert summary["best_score"] == pytest.approx(results["mean_test_lsdi"].max())
    model = joblib.load(tmp_path / "model.joblib")
    assert model[-1].beta == summary["best_params"]["beta"]
    assert np.asarray(model.transform(pd.read_csv(csv_path)[FEATURES])).shape == (300, 4)


def test_tune_on_dask_scheduler(csv_path, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=":0") as cluster:
        status = main(["tune", str(csv_path), "--target", "label", "--model", "betavae",
                       "--beta", "1,4", "--cv", "2", *FAST, "--out", str(tmp_path),
                       "--scheduler", cluster.scheduler_address])
    assert status == 0
    summary = _json(tmp_path / "tune.json")
    assert summary["settings"]["scheduler"] == cluster.scheduler_address
    assert len(pd.read_csv(tmp_path / "tune.csv")) == 2


# ------------------------------------------------------------------ errors
@pytest.fixture(scope="module")
def bad_tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    rng = np.random.RandomState(0)
    pd.DataFrame({"a": ["x", "y"] * 40, "b": ["u"] * 80}).to_csv(root / "text.csv", index=False)
    pd.DataFrame(rng.normal(size=(MIN_ROWS - 1, 3)), columns=list("abc")).to_csv(
        root / "short.csv", index=False)
    pd.DataFrame({"a": [1.0], "b": [2.0], "c": [3.0]}).to_csv(root / "onerow.csv", index=False)
    nan = pd.DataFrame(rng.normal(size=(100, 3)), columns=list("abc"))
    nan.iloc[[3, 7], 1] = np.nan
    nan.to_csv(root / "nan.csv", index=False)
    pd.DataFrame({"a": rng.normal(size=100), "b": "t"}).to_csv(root / "one.csv", index=False)
    (root / "broken.csv").write_bytes(b"a,b\n1,2\n3,4,5,6\n\x00\x01")
    (root / "t.parquet").write_bytes(b"PAR1")
    abc = pd.DataFrame(rng.normal(size=(100, 3)).round(4), columns=list("abc"))
    abc.to_csv(root / "semi.csv", sep=";", index=False)
    abc.to_csv(root / "semi_comma.csv", sep=";", decimal=",", index=False)
    latin = abc.rename(columns={"c": "qualité"})
    latin.iloc[5, 2] = np.nan
    latin.to_csv(root / "latin.csv", index=False, encoding="latin-1")
    qmark = abc.rename(columns={"a": "feat 1"}).astype(object)
    qmark.iloc[7, 0] = "?"
    qmark.to_csv(root / "qmark.csv", index=False)
    pd.DataFrame(rng.normal(size=(60, 3)), columns=list("abc")).to_csv(root / "r60.csv",
                                                                        index=False)
    (root / "headeronly.csv").write_text("a,b,c,d\n")
    _write_lines(root / "dup.csv", ["a,a,b,c"] + ["1,2,3,4", "5,6,7,9"] * 40)
    pd.DataFrame(rng.normal(size=(60, 40)), columns=[f"x{j}" for j in range(40)]).to_csv(
        root / "wide.csv", index=False)
    # quoted decimal commas in a comma-separated file, and the same unquoted
    _write_lines(root / "dc.csv", ["a,b,c"] + ['"0,123","-1,5","2,25"', '"1,5","0,25","-3"'] * 30)
    _write_lines(root / "dc_unquoted.csv", ["a,b,c"] + ["0,123,-1,5,2,25"] * 60)
    return root


ERRORS = [
    (["report", "{root}/missing.csv"], "no such file: "),
    (["report", "no_such_dataset"], "bundled datasets: fa100, fa15, fa24, fifa, white_wine"),
    (["report", "{root}"], "is a directory"),
    (["report", "{root}/text.csv"], "has no numeric column"),
    (["report", "{root}/one.csv"], "at least 2 are needed"),
    (["report", "{root}/short.csv"], f"too few rows: {MIN_ROWS - 1} usable"),
    (["report", "{root}/onerow.csv"], "too few rows: 1 usable"),
    (["report", "{root}/nan.csv"], "2 of 100 rows have missing or infinite values (in b (2))"),
    (["report", "{root}/nan.csv", "--target", "zz"], "--target 'zz' is not a column"),
    (["report", "{root}/nan.csv", "--columns", "a,zz"], "--columns: zz not in nan.csv"),
    (["report", "{root}/nan.csv", "--columns", "a,,b"], "--columns: empty name in 'a,,b'"),
    (["report", "{root}/nan.csv", "--columns", "a,b,a"], "--columns lists a twice"),
    (["report", "--runs", "0"], "argument --runs: must be at least 1, got 0"),
    (["report", "--batch-size", "1"], "argument --batch-size: must be at least 2, got 1"),
    (["report", "--bogus"], "unrecognized arguments: --bogus"),
    (["report", "--model", "nope"], "argument --model: invalid choice: 'nope'"),
    (["report", "--max-rows", "10"], f"argument --max-rows: must be at least {MIN_ROWS}"),
    (["report", "--model", "betavae", "--gamma", "3"],
     "--gamma does not apply to --model betavae (models with gamma: bfvae, factorvae, "
     "betatcvae)"),
    (["report", "--model", "vae", "--beta", "3"], "--beta does not apply to --model vae"),
    (["report", "--beta", "-1"], "argument --beta: must be non-negative"),
    (["report", "--n-jobs", "0"], "--n-jobs must be a non-zero integer"),
    (["compare", "{root}/nan.csv", "--models", "vae,foo"], "--models: unknown foo"),
    (["compare", "{root}/nan.csv", "--models", "vae,,pca"], "--models: empty value in 'vae,,pca'"),
    (["compare", "{root}/nan.csv", "--dropna", "--linear-components", "x"],
     "argument --linear-components: must be an integer or auto, got 'x'"),
    (["compare"], "the following arguments are required: DATA"),
    (["tune", "{root}/nan.csv"], "nothing to search: give lists of values for --beta / "
                                 "--capacity / --gamma / --lambda-od"),
    (["tune", "{root}/nan.csv", "--beta", "1,x"], "argument --beta: not a comma-separated"),
    (["tune", "{root}/nan.csv", "--model", "factorvae", "--capacity", "1,2"],
     "--capacity does not apply to --model factorvae"),
    (["tune", "{root}/nan.csv", "--beta", "1", "--cv", "1"],
     "argument --cv: must be at least 2, got 1"),
    (["tune", "{root}/nan.csv", "--beta", "1", "--cv", "0"],
     "argument --cv: must be at least 2, got 0"),
    (["tune", "{root}/r60.csv", "--gamma", "0", "--cv", "15"],
     "--cv 15 leaves 4 held-out rows per fold (60 rows); at least 25 are needed: use --cv 2,"),
    (["tune", "{root}/r60.csv", "--gamma", "0", "--cv", "13"],
     "--cv 13 leaves 4 to 5 held-out rows per fold (60 rows); at least 25 are needed"),
    (["tune", "{root}/nan.csv", "--dropna", "--gamma", "0", "--cv", "4"],
     "--cv 4 leaves 24 to 25 held-out rows per fold (98 rows); at least 25 are needed: use "
     "--cv 3 or less, or more rows"),
    (["report", "{root}/headeronly.csv"], "headeronly.csv has too few rows: 0 usable"),
    (["report", "{root}/dup.csv"], "dup.csv has duplicate column names: a"),
    (["compare", "{root}/wide.csv", "--models", "pca,fastica,fa", "--test-size", "0.5",
      "--linear-components", "35"],
     "--linear-components must be between 1 and 30 (the number of training rows, "
     "--test-size 0.5), got 35"),
    (["compare", "{root}/wide.csv", "--models", "fa", "--test-size", "0.5",
      "--linear-components", "31"], "--linear-components must be between 1 and 30"),
    (["report", "{root}/dc_unquoted.csv", "--decimal", ","],
     "the rows of dc_unquoted.csv have more fields than its header (3 columns); with --sep , "
     'and --decimal , the decimal commas must be in quoted fields ("0,5")'),
    (["report", "{root}/r60.csv", "--sep", ";", "--decimal", ";"],
     "--sep and --decimal are both ';'"),
    (["report", "{root}/broken.csv"], "cannot read"),
    (["report", "{root}/nan.csv", "--dropna", "--out", "{root}/text.csv"],
     "exists and is not a directory"),
    (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
    (["report", "--seed", "-1"], "argument --seed: must be between 0 and 2**32 - 1, got -1"),
    (["compare", "{root}/nan.csv", "--dropna"], "only 20 held-out rows (--test-size 0.2 of 98)"),
    (["compare", "{root}/nan.csv", "--dropna", "--linear-components", "4"],
     "--linear-components must be between 1 and 3 (the number of features), got 4"),
    (["report", "{root}/nan.csv", "--index-col", "zz"], "--index-col 'zz' is not a column"),
    (["report", "{root}/nan.csv", "--index-col", "a", "--columns", "a,b"],
     "--columns includes the index column 'a'"),
    (["report", "{root}/semi.csv", "--sep", ","],
     "semi.csv reads as a single column 'a;b;c' (separator ','); give the file's separator "
     "with --sep, e.g. --sep ';'"),
    (["report", "{root}/semi_comma.csv"], "has no numeric column to use (not numeric: a, b, "
                                          "c); if the file uses a decimal comma, give "
                                          "--decimal ','"),
    (["report", "{root}/semi_comma.csv", "--sep", ",", "--decimal", ","],
     "semi_comma.csv reads as a single column 'a;b;c' (separator ','); give the file's "
     "separator with --sep, e.g. --sep ';'"),
    (["report", "{root}/latin.csv"], "codec can't decode byte 0xe9 in position 6: unexpected "
                                     "end of data; give the file's encoding with --encoding"),
    (["report", "{root}/latin.csv", "--encoding", "latin-1"],
     "1 of 100 rows have missing or infinite values (in qualité (1))"),
    (["report", "{root}/qmark.csv"],
     "1 of 100 rows have missing or infinite values (in feat 1 (1)); column 'feat 1' has 1 "
     "non-numeric value ('?'), treated as missing; drop them with --dropna"),
    (["report", "{root}/qmark.csv", "--na-values", "?,-"],
     "1 of 100 rows have missing or infinite values (in feat 1 (1)); drop them with --dropna"),
    (["report", "--sep", ";;"], "argument --sep: must be one character or tab, got ';;'"),
    (["report", "--decimal", ""], "argument --decimal: must be one character, got ''"),
    (["report", "--encoding", "utf-99"], "argument --encoding: unknown encoding: 'utf-99'"),
    (["report", "--beta", "inf"], "argument --beta: must be finite, got inf"),
    (["report", "--model", "annealedvae", "--capacity", "nan"],
     "argument --capacity: must be finite, got nan"),
    (["tune", "{root}/nan.csv", "--gamma", "5,5"], "argument --gamma: lists 5 twice: '5,5'"),
    (["tune", "{root}/nan.csv", "--gamma", "1,5.0,5"],
     "argument --gamma: lists 5 twice: '1,5.0,5'"),
    (["tune", "{root}/nan.csv", "--gamma", "0,,5"], "argument --gamma: empty value in '0,,5'"),
    (["report", "{root}/qmark.csv", "--na-values", "?,,NA"],
     "argument --na-values: empty value in '?,,NA'"),
    (["report", "{root}/qmark.csv", "--na-values", " "], "argument --na-values: empty list"),
    (["tune", "{root}/nan.csv", "--beta", "1,inf"], "argument --beta: must be finite: '1,inf'"),
    (["demo", "--n-samples", "10"], f"argument --n-samples: must be at least {MIN_ROWS}"),
]


@pytest.mark.parametrize("argv, message", ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_bad_input_one_line_error(argv, message, bad_tables, capsys, monkeypatch):
    monkeypatch.chdir(bad_tables)
    argv = [a.format(root=bad_tables) for a in argv]
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    prefix = "skvae: error: " if argv[0] == "frobnicate" else f"skvae {argv[0]}: error: "
    assert lines[0].startswith(prefix), lines[0]
    assert message in lines[0]
    assert "Traceback" not in err


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is available")
def test_cuda_without_device(capsys):
    assert main(["report", "--device", "cuda"]) == 2
    assert capsys.readouterr().err.startswith("skvae report: error: --device cuda: no CUDA")


def test_parquet_without_pyarrow(bad_tables, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "fastparquet", None)
    assert main(["report", str(bad_tables / "t.parquet")]) == 2
    assert capsys.readouterr().err.strip().endswith("which is not installed: pip install pyarrow")


def test_scheduler_without_dask(csv_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    status = main(["tune", str(csv_path), "--beta", "1,2", *FAST, "--out", str(tmp_path),
                   "--scheduler", "tcp://127.0.0.1:1"])
    assert status == 2
    assert capsys.readouterr().err.strip() == (
        "skvae tune: error: --scheduler needs dask.distributed: pip install 'skvae[dask]'")


def test_dropna_and_columns(bad_tables):
    table = read_table(str(bad_tables / "nan.csv"), dropna=True)
    assert table.frame.shape == (98, 3) and table.n_dropped == 2
    assert any("dropped 2 row(s)" in n for n in table.notes)
    table = read_table(str(bad_tables / "nan.csv"), columns="a,c")
    assert list(table.frame.columns) == ["a", "c"]
    assert table.excluded == {"b": "not in --columns"}
    table = read_table(None, max_rows=60, seed=1)
    assert table.name == "white_wine" and table.frame.shape == (60, 11)


def _write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_unnamed_index_column_is_left_out(tmp_path):
    """The row index DataFrame.to_csv writes (first column, no header) is not a feature."""
    frame = pd.DataFrame(np.random.RandomState(0).normal(size=(60, 3)), columns=list("abc"))
    frame.to_csv(tmp_path / "t.csv")
    table = read_table(str(tmp_path / "t.csv"))
    assert list(table.frame.columns) == ["a", "b", "c"]
    assert table.excluded == {"Unnamed: 0": "index"}
    assert any("'Unnamed: 0': it has no header" in n for n in table.notes)
    # named in --columns, it is used
    table = read_table(str(tmp_path / "t.csv"), columns="Unnamed: 0,a")
    assert list(table.frame.columns) == ["Unnamed: 0", "a"]
    # --index-col names an identifier column (the unnamed index is still left out)
    frame.insert(0, "id", np.arange(100, 160))
    frame.to_csv(tmp_path / "id.csv")
    table = read_table(str(tmp_path / "id.csv"), index_col="id")
    assert list(table.frame.columns) == ["a", "b", "c"]
    assert table.excluded == {"Unnamed: 0": "index", "id": "index"}
    assert "excluded the index column 'id'" in table.notes


SEPARATED = {
    # the UCI wine files: semicolons, quoted header names
    "uci.csv": (['"fixed acidity";"volatile acidity";"quality"', "7;0.27;6", "6.3;0.3;5"], {}),
    "tab.txt": (["fixed acidity\tvolatile acidity\tquality", "7\t0.27\t6", "6.3\t0.3\t5"],
                {}),
    "pipe.csv": (["fixed acidity|volatile acidity|quality", "7|0.27|6", "6.3|0.3|5"], {}),
    "comma.csv": (["fixed acidity;volatile acidity;quality", "7;0,27;6", "6,3;0,3;5"],
                  {"decimal": ","}),
    "space.csv": (["fixed acidity, volatile acidity, quality", "7, 0.27, 6", "6.3, 0.3, 5"],
                  {}),
    "given.csv": (["fixed acidity:volatile acidity:quality", "7:0.27:6", "6.3:0.3:5"],
                  {"sep": ":"}),
}


@pytest.mark.parametrize("name", SEPARATED)
def test_separators_decimal_marks_and_spaces(name, tmp_path):
    lines, options = SEPARATED[name]
    _write_lines(tmp_path / name, lines + lines[1:] * 30)
    table = read_table(str(tmp_path / name), target="quality", **options)
    assert list(table.frame.columns) == ["fixed acidity", "volatile acidity"]
    assert table.frame.iloc[:2].to_numpy().tolist() == [[7.0, 0.27], [6.3, 0.3]]
    table = read_table(str(tmp_path / name), columns="volatile acidity, quality", **options)
    assert list(table.frame.columns) == ["volatile acidity", "quality"]


def test_separator_of_compressed_file(tmp_path):
    frame = pd.DataFrame(np.random.RandomState(0).normal(size=(60, 3)), columns=list("abc"))
    frame.to_csv(tmp_path / "t.csv.gz", sep=";", index=False)
    table = read_table(str(tmp_path / "t.csv.gz"))
    np.testing.assert_allclose(table.frame.to_numpy(), frame.to_numpy())


def test_data_options_reach_the_reader(tmp_path):
    """--sep, --decimal, --encoding, --na-values and --index-col, as parsed."""
    lines = ["id;a;b;qualité"] + [f"{i};{i},5;{i % 7},25;{i % 3}" for i in range(60)]
    lines[4] = "3;-;1,5;2"
    (tmp_path / "t.csv").write_text("\n".join(lines), encoding="latin-1")
    args = build_parser().parse_args([
        "report", str(tmp_path / "t.csv"), "--sep", ";", "--decimal", ",", "--encoding",
        "latin-1", "--na-values", "-", "--index-col", "id", "--dropna"])
    table = read_data(args)
    assert list(table.frame.columns) == ["a", "b", "qualité"]
    assert table.n_dropped == 1 and table.frame["a"].iloc[0] == 0.5
    assert not any("non-numeric" in n for n in table.notes)  # "-" is a missing value
    assert build_parser().parse_args(["report", "--sep", "tab"]).sep == "\t"


def test_stray_missing_value_marker(bad_tables, tmp_path):
    """A numeric column with a few other values: those are missing values, named."""
    table = read_table(str(bad_tables / "qmark.csv"), dropna=True)
    assert list(table.frame.columns) == ["feat 1", "b", "c"] and table.n_dropped == 1
    assert table.notes[0] == "column 'feat 1' has 1 non-numeric value ('?'), treated as missing"
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.normal(size=(100, 3)), columns=list("abc")).astype(object)
    frame.iloc[:10, 0] = ["?"] * 5 + ["n.a."] * 3 + ["-"] * 2  # 90% numbers: numeric
    frame.iloc[:11, 1] = "x"                              # 89%: text
    frame.to_csv(tmp_path / "t.csv", index=False)
    table = read_table(str(tmp_path / "t.csv"), dropna=True)
    assert list(table.frame.columns) == ["a", "c"] and table.excluded == {"b": "not numeric"}
    assert table.notes[1] == ("column 'a' has 10 non-numeric values ('?', 'n.a.', '-'), "
                              "treated as missing")


def test_version_and_help_of_every_option(capsys):
    import skvae

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"skvae {skvae.__version__}\n"
    for name, subparser in build_parser().subcommands.items():
        for action in subparser._actions:
            assert action.help, (name, action.option_strings)
    assert main(["demo", "--help"]) == 0
    out = capsys.readouterr().out
    assert "(default: 5000)" in out and "-q, --quiet" in out


def test_demo_quiet(capsys):
    argv = ["demo", "--n-samples", "60", "--n-components", "2", "--max-iter", "1"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "informative latents:" in captured.out
    assert captured.err.startswith("skvae demo: note: fitting BFVAE on FA15")
    assert main([*argv, "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_entry_point_exit_status_and_message(tmp_path):
    """``python -m skvae`` itself: exit status 2 and one line on stderr, no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "skvae", "report", str(tmp_path / "nope.csv")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"skvae report: error: no such file: {tmp_path}/nope.csv"
    assert result.stdout == ""


def test_help_lists_subcommands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("report", "compare", "tune", "demo"):
        assert command in out
    assert main(["report", "--help"]) == 0
    out = capsys.readouterr().out
    assert "summary.json keys:" in out and "--dropna" in out


# ------------------------------------------------------------------ audit 3
def test_tune_scoring_failure_is_one_line_error(bad_tables, tmp_path, capsys, monkeypatch):
    """A scorer that fails stops the search with its message (was: KeyError/TypeError)."""
    from skvae.cli import _tune

    def fail(self, estimator, X, y=None):
        raise ValueError("scoring failed on purpose")

    monkeypatch.setattr(_tune.TuneScorer, "__call__", fail)
    status = main(["tune", str(bad_tables / "r60.csv"), "--gamma", "0,1", "--cv", "2",
                   *FAST, "--out", str(tmp_path)])
    assert status == 2
    assert capsys.readouterr().err.strip() == "skvae tune: error: scoring failed on purpose"
    assert not list(tmp_path.iterdir())  # no tune.csv or model.joblib of a broken search


class _CtrlC(Callback):
    """Sends SIGINT to this process at the end of the first epoch of every fit."""

    fits = []

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 1:
            type(self).fits.append(1)
            signal.raise_signal(signal.SIGINT)


INTERRUPTED = {
    "report": (["--runs", "1"], "report.html"),
    "report_runs2": (["--runs", "2"], "report.html"),
    "compare": (["--models", "vae,betavae", "--runs", "1"], "compare.csv"),
    "tune": (["--model", "betavae", "--beta", "1,4", "--cv", "2"], "tune.csv"),
}


@pytest.mark.parametrize("case", INTERRUPTED)
def test_ctrl_c_during_an_in_process_fit(case, csv_path, tmp_path, capsys, monkeypatch):
    """The estimators swallow Ctrl-C in fit; the command still stops with status 130."""
    command = case.split("_")[0]
    options, output = INTERRUPTED[case]
    module = importlib.import_module(f"skvae.cli._{command}")
    make_vae = module.make_vae

    def with_ctrl_c(*args, **kwargs):
        return make_vae(*args, **kwargs).set_params(callbacks=[_CtrlC()])

    monkeypatch.setattr(module, "make_vae", with_ctrl_c)
    monkeypatch.setattr(_CtrlC, "fits", [])
    handler = signal.getsignal(signal.SIGINT)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Training was interrupted")
        status = main([command, str(csv_path), "--target", "label", *options, *FAST,
                       "--max-iter", "3", "--out", str(tmp_path)])
    assert status == 130
    assert capsys.readouterr().err.strip().endswith(f"skvae {command}: interrupted")
    assert not (tmp_path / output).exists() and not (tmp_path / "model.joblib").exists()
    assert _CtrlC.fits == [1]  # the next fits (runs, models, candidates) are not started
    assert signal.getsignal(signal.SIGINT) is handler  # the command's handler is gone
    assert not cli_main.interrupted()


def test_catch_interrupts_records_and_restores():
    previous = signal.getsignal(signal.SIGINT)
    with cli_main.catch_interrupts():
        handler = signal.getsignal(signal.SIGINT)
        assert handler is not previous and not cli_main.interrupted()
        with pytest.raises(KeyboardInterrupt):  # as Python's own handler does
            handler(signal.SIGINT, None)
        assert cli_main.interrupted()
        with pytest.raises(KeyboardInterrupt):
            cli_main.raise_if_interrupted()
    assert signal.getsignal(signal.SIGINT) is previous
    assert not cli_main.interrupted()
    cli_main.raise_if_interrupted()  # nothing recorded outside a command


def test_bundled_target_stays_out_with_another_target():
    table = read_table("white_wine", target="alcohol", max_rows=60)
    assert table.excluded == {"alcohol": "target", "quality": "target"}
    assert "quality" not in table.frame.columns and table.frame.shape[1] == 10
    assert ("excluded the bundled table's own target column 'quality' too (besides --target "
            "'alcohol')") in table.notes
    table = read_table("white_wine", target="quality", max_rows=60)
    assert table.excluded == {"quality": "target"}
    with pytest.raises(CLIError, match="--columns includes the target 'quality'"):
        read_table("white_wine", target="alcohol", columns="pH,quality")


def test_decimal_comma_file_with_dots_is_not_read_as_decimals(tmp_path):
    """menge holds thousands separators (2.188): not a decimal point with --decimal ','."""
    rng = np.random.RandomState(0)
    lines = ["preis;menge;gewicht"] + [
        f"{str(round(p, 2)).replace('.', ',')};{m // 1000}.{m % 1000:03d};"
        f"{str(round(g, 3)).replace('.', ',')}"
        for p, m, g in zip(rng.uniform(1, 50, 60), rng.randint(1000, 3000, 60),
                           rng.uniform(0.01, 1, 60))]
    _write_lines(tmp_path / "german.csv", lines)
    with pytest.raises(CLIError) as info:  # two columns left: menge is not read
        read_table(str(tmp_path / "german.csv"), decimal=",", columns="preis,menge")
    assert "--columns: not numeric: menge" in str(info.value)
    frame = pd.read_csv(tmp_path / "german.csv", sep=";", dtype=str)
    frame["extra"] = frame["preis"].str.replace(",", "9")
    frame.to_csv(tmp_path / "german2.csv", sep=";", index=False)
    table = read_table(str(tmp_path / "german2.csv"), decimal=",")
    assert list(table.frame.columns) == ["preis", "gewicht", "extra"]
    assert table.excluded == {"menge": "not numeric"}
    assert table.notes[0] == (
        "excluded 1 non-numeric column(s): menge; menge: values with '.', which --decimal "
        "',' does not read (a thousands separator? remove it from the file)")
    # a few values with '.' in a decimal-comma column are named, not read as decimals
    frame.loc[:2, "gewicht"] = "0.5"
    frame.to_csv(tmp_path / "german3.csv", sep=";", index=False)
    table = read_table(str(tmp_path / "german3.csv"), decimal=",", dropna=True)
    assert table.n_dropped == 3 and not (table.frame["gewicht"] == 0.5).any()
    assert "column 'gewicht' has 3 non-numeric values ('0.5')" in table.notes[1]


def test_thousands_separator_hint_does_not_suggest_decimal_comma(tmp_path):
    rng = np.random.RandomState(0)
    _write_lines(tmp_path / "t.csv", ["a;b;c"] + [
        f"{int(n) // 1000},{int(n) % 1000:03d};{x:.3f};{y:.3f}"
        for n, x, y in zip(rng.randint(1000, 9999, 60), rng.normal(size=60),
                           rng.normal(size=60))])
    table = read_table(str(tmp_path / "t.csv"))
    assert table.excluded == {"a": "not numeric"}
    assert table.notes[0] == ("excluded 1 non-numeric column(s): a; a: ',' as in 1,037 (a "
                              "thousands separator? it is not read: remove it from the file)")
    assert "--decimal" not in table.notes[0]
    # a decimal comma still gets the hint
    _write_lines(tmp_path / "d.csv", ["a;b;c"] + [
        f"{x:.2f};{x:.3f};{y:.3f}".replace(".", ",", 1)
        for x, y in zip(rng.normal(size=60), rng.normal(size=60))])
    table = read_table(str(tmp_path / "d.csv"))
    assert table.notes[0].endswith("; if the file uses a decimal comma, give --decimal ','")


def test_quoted_decimal_commas_in_a_comma_separated_file(bad_tables):
    for options in ({"decimal": ","}, {"decimal": ",", "sep": ","}):
        table = read_table(str(bad_tables / "dc.csv"), **options)
        assert table.frame.iloc[:2].to_numpy().tolist() == [[0.123, -1.5, 2.25],
                                                            [1.5, 0.25, -3.0]]
    with pytest.raises(CLIError, match="if the file uses a decimal comma, give --decimal ','"):
        read_table(str(bad_tables / "dc.csv"))


def test_empty_columns_and_trailing_separators(tmp_path):
    """Excel exports: a separator at the end of every line, or of the data rows only."""
    rows = [f"{i},{i % 7}.5,{-i}," for i in range(60)]
    _write_lines(tmp_path / "both.csv", ["a,b,c,"] + rows)
    _write_lines(tmp_path / "rows.csv", ["a,b,c"] + rows)
    _write_lines(tmp_path / "empty.csv", ["a,b,c,d"] + rows)
    expected = [[0.0, 0.5, 0.0], [1.0, 1.5, -1.0]]
    table = read_table(str(tmp_path / "both.csv"))
    assert table.frame.iloc[:2].to_numpy().tolist() == expected
    assert table.excluded == {"Unnamed: 3": "empty"}
    assert table.notes == ["excluded 1 empty column(s) (no values): Unnamed: 3"]
    table = read_table(str(tmp_path / "empty.csv"))
    assert table.frame.iloc[:2].to_numpy().tolist() == expected
    assert table.excluded == {"d": "empty"}
    table = read_table(str(tmp_path / "rows.csv"))  # was: a as the index, c empty
    assert list(table.frame.columns) == ["a", "b", "c"] and table.notes == []
    assert table.frame.iloc[:2].to_numpy().tolist() == expected
    _write_lines(tmp_path / "rows2.csv", ["a,b,c"] + [row + "," for row in rows])
    table = read_table(str(tmp_path / "rows2.csv"))
    assert table.frame.iloc[:2].to_numpy().tolist() == expected
    assert table.notes == ["the rows of rows2.csv end with 2 separator(s) more than its "
                           "header: the empty last field(s) are left out"]
    with pytest.raises(CLIError, match="--columns: no values in d"):
        read_table(str(tmp_path / "empty.csv"), columns="a,d")
    # rows with a first field more than the header (R's write.table): row names
    _write_lines(tmp_path / "names.csv", ["a,b"] + [f"r{i},{i},{i % 5}" for i in range(60)])
    table = read_table(str(tmp_path / "names.csv"))
    assert table.frame.iloc[:2].to_numpy().tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert "are row names, left out" in table.notes[0]


def test_duplicate_names_only_from_the_header(tmp_path):
    _write_lines(tmp_path / "t.csv", ["a,a.1,b"] + ["1,2,3", "4,5,7"] * 30)
    assert list(read_table(str(tmp_path / "t.csv")).frame.columns) == ["a", "a.1", "b"]


def test_boolean_column_with_an_empty_cell(tmp_path):
    """True/False columns are 1/0, complete or not; an empty cell is a missing value."""
    rng = np.random.RandomState(0)
    flags = ["True", "False"] * 30
    rows = [f"{x:.3f},{y:.3f},{f}" for x, y, f in zip(rng.normal(size=60),
                                                     rng.normal(size=60), flags)]
    _write_lines(tmp_path / "full.csv", ["a,b,flag"] + rows)
    rows[5] = rows[5].rsplit(",", 1)[0] + ","
    _write_lines(tmp_path / "gap.csv", ["a,b,flag"] + rows)
    full = read_table(str(tmp_path / "full.csv"))
    gap = read_table(str(tmp_path / "gap.csv"), dropna=True)
    assert list(full.frame.columns) == list(gap.frame.columns) == ["a", "b", "flag"]
    assert gap.n_dropped == 1
    assert full.frame["flag"].drop(index=5).tolist() == gap.frame["flag"].tolist()
    assert set(gap.frame["flag"]) == {0.0, 1.0}
    with pytest.raises(CLIError, match=r"1 of 60 rows have missing .* \(in flag \(1\)\)"):
        read_table(str(tmp_path / "gap.csv"))


def test_report_model_takes_the_documented_feature_columns(report, csv_path, capsys):
    """The documented recipe: model.transform(table[summary['dataset']['features']])."""
    assert main(["report", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "joblib.load(path).transform(table[features])" in help_text
    assert "summary.json's dataset.features" in help_text
    rst = (Path(__file__).resolve().parents[1] / "doc" / "user_guide" / "cli.rst").read_text(
        encoding="utf-8")
    assert "model.transform(table[features])" in rst
    features = _json(report / "summary.json")["dataset"]["features"]
    table = pd.read_csv(csv_path)  # with the text column and the label left out
    model = joblib.load(report / "model.joblib")
    assert np.asarray(model.transform(table[features])).shape == (300, 4)
    with pytest.raises(ValueError, match="feature names"):
        model.transform(table)


def test_quiet_silences_missing_glyph_warnings(tmp_path):
    frame = pd.DataFrame(np.random.RandomState(0).normal(size=(60, 3)),
                         columns=["温度", "压力", "ünï"])
    frame.to_csv(tmp_path / "u.csv", index=False)
    argv = ["report", str(tmp_path / "u.csv"), "--runs", "1", "--max-iter", "1",
            "--n-components", "2", "--n-jobs", "1"]
    glyphs = {}
    for quiet in (False, True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            status = main([*argv, "--out", str(tmp_path / str(quiet))]
                          + (["-q"] if quiet else []))
        assert status == 0
        glyphs[quiet] = [w for w in caught if "missing from font" in str(w.message)]
    if not glyphs[False]:
        pytest.skip("the font has these glyphs")
    assert glyphs[True] == []


# ------------------------------------------------------------------ README
def _readme_commands():
    """The ``skvae ...`` lines of the README's "Command line" section."""
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    section = text.partition("## Command line")[2].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash|sh|console)\n(.*?)```", section, re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip().startswith("skvae ")]


def test_readme_commands_parse():
    commands = _readme_commands()
    assert {shlex.split(c)[1] for c in commands} >= {"report", "compare", "tune"}
    parser = build_parser()
    for command in commands:
        args = parser.parse_args(shlex.split(command)[1:])
        assert callable(args.run)


@pytest.mark.slow
@pytest.mark.parametrize("command", _readme_commands())
def test_readme_commands_run_as_written(command, tmp_path):
    """The README's commands, exactly as written, in an empty directory (slow)."""
    result = subprocess.run(shlex.split(command), cwd=tmp_path, capture_output=True,
                            text=True, timeout=1200)
    assert result.returncode == 0, result.stderr[-2000:]
    written = [p for p in tmp_path.rglob("*") if p.suffix in (".json", ".html")]
    assert written
