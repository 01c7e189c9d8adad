"""Fit time per epoch and peak memory of BFVAE against the number of rows and features.

Each case runs in a fresh subprocess, which reports its resident memory from /proc (the
peak, VmHWM, is reset before each phase, so it is the peak of that phase alone; torch
allocations are invisible to tracemalloc). Data are standard normal float32 rows drawn
directly in float32 (no float64 temporary). Model: BFVAE with gamma=0 (no TC term),
default MLP (128, 64), K=10, fused Adam; one torch thread unless --threads says otherwise.
The time per epoch is the last epoch's duration (skorch's EpochTimer).

Memory is reported against the size of the data: ``copies = (peak - RSS before the data
were created) / data bytes`` counts the caller's array too, so the goal "not more than two
copies of the data plus a constant" reads ``copies <= 2`` on the big cases.

Run from the repository root:  python -m benchmarks.bench_scaling [--threads 1] [--quick]
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MB = 2**20


def _memory():
    """Current and peak resident memory of this process in bytes (Linux /proc)."""
    values = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                values[key] = int(value.split()[0]) * 1024
    return values["VmRSS"], values["VmHWM"]


def _reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _phase(function):
    """Run ``function``; return its result, seconds and peak RSS in bytes during it."""
    _reset_peak()
    start = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - start
    return result, seconds, _memory()[1]


def run_case(n, p, batch_size, epochs, threads, dtype="float32", early_stopping=False,
             evaluate=False):
    """One case, in this process: returns a dict of timings and memory."""
    import torch

    from skvae import BFVAE

    torch.set_num_threads(threads)
    base_rss = _memory()[0]
    X = np.random.default_rng(0).standard_normal((n, p), dtype=np.float32)
    if dtype == "float64":
        X = X.astype(np.float64)
    data_bytes = X.nbytes
    with_data_rss = _memory()[0]
    model = BFVAE(gamma=0.0, max_iter=epochs, batch_size=batch_size, random_state=0,
                  early_stopping=early_stopping, n_iter_no_change=epochs + 1)
    _, fit_s, fit_peak = _phase(lambda: model.fit(X))
    durations = [row["dur"] for row in model.history_]
    row = {
        "n": n, "p": p, "batch_size": batch_size, "epochs": epochs, "dtype": dtype,
        "early_stopping": early_stopping, "threads": threads,
        "s_per_epoch": durations[-1], "epoch_s": durations, "fit_s": fit_s,
        "rows_per_s": n / durations[-1],
        "data_MB": data_bytes / MB,
        "rss_before_data_MB": base_rss / MB,
        "rss_with_data_MB": with_data_rss / MB,
        "fit_peak_MB": fit_peak / MB,
        "fit_above_data_MB": (fit_peak - with_data_rss) / MB,
        "fit_copies": (fit_peak - base_rss) / data_bytes,
        "peak_reset_supported": _reset_peak(),
    }
    if evaluate:
        Z, transform_s, transform_peak = _phase(lambda: model.transform(X))
        row.update(transform_s=transform_s, transform_peak_MB=transform_peak / MB,
                   transform_copies=(transform_peak - base_rss) / data_bytes,
                   output_MB=Z.nbytes / MB)
        del Z
        _, score_s, score_peak = _phase(lambda: model.score(X))
        row.update(score_s=score_s, score_peak_MB=score_peak / MB,
                   score_copies=(score_peak - base_rss) / data_bytes)
    return row


def cases(quick):
    """(n, p, batch, epochs, options) of the scaling runs."""
    if quick:
        return [(n, 24, 256, 2, {}) for n in (1_000, 10_000)] + [(2_000, 1000, 256, 2, {})]
    result = []
    for n in (1_000, 10_000, 100_000, 1_000_000):
        for batch in (256, 1024):
            result.append((n, 24, batch, 2 if n < 1_000_000 else 1, {}))
    for p in (10, 100, 1000):
        for batch in (256, 1024):
            result.append((100_000, p, batch, 2, {}))
    result.append((1_000_000, 100, 256, 1, {}))
    result.append((1_000_000, 100, 1024, 1, {"evaluate": True}))
    result.append((1_000_000, 100, 1024, 1, {"dtype": "float64"}))
    result.append((1_000_000, 100, 1024, 1, {"early_stopping": True}))
    return result


def loglog_slope(xs, ys):
    """Least-squares slope of log(y) on log(x)."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="tiny cases (a smoke test)")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # JSON; runs one case in-process
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(**json.loads(args.case))))
        return

    from benchmarks._common import write_result
    load_at_start = os.getloadavg()

    rows = []
    for n, p, batch, epochs, options in cases(args.quick):
        spec = dict(n=n, p=p, batch_size=batch, epochs=epochs, threads=args.threads, **options)
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_scaling", "--case", json.dumps(spec)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        extra = "".join(f" {k}" for k in options)
        print(f"n={n:>9,} p={p:>4} batch={batch:>4}{extra}: {row['s_per_epoch']:8.3f} s/epoch "
              f"({row['rows_per_s']:>9,.0f} rows/s), data {row['data_MB']:7.1f} MB, fit peak "
              f"{row['fit_peak_MB']:7.1f} MB = {row['fit_copies']:.2f} x data above base",
              flush=True)

    summary = {}
    for batch in (256, 1024):
        plain = [r for r in rows if r["p"] == 24 and r["batch_size"] == batch
                 and r["n"] >= 10_000]
        if len(plain) >= 2:
            summary[f"slope_log_time_vs_log_n_batch{batch}"] = loglog_slope(
                [r["n"] for r in plain], [r["s_per_epoch"] for r in plain])
        wide = [r for r in rows if r["n"] == 100_000 and r["batch_size"] == batch
                and r["dtype"] == "float32"]
        if len(wide) >= 2:
            summary[f"slope_log_time_vs_log_p_batch{batch}"] = loglog_slope(
                [r["p"] for r in wide], [r["s_per_epoch"] for r in wide])
    smallest = min(rows, key=lambda r: r["data_MB"])
    summary["constant_MB"] = smallest["fit_above_data_MB"]  # torch's first-use allocations
    for r in rows:
        r["fit_copies_net_of_constant"] = r["fit_copies"] - summary["constant_MB"] / r["data_MB"]
    for key, value in summary.items():
        print(f"{key}: {value:.3f}")
    payload = {
        "load_average_at_start": load_at_start,
        "load_average_at_end": os.getloadavg(),
        "setting": "BFVAE(gamma=0), MLP (128, 64), K=10, fused Adam, standard normal rows; "
                   f"{args.threads} torch thread(s); one subprocess per case; s/epoch is the "
                   "last epoch; copies = (peak RSS - RSS before the data) / data bytes",
        "summary": summary,
        "cases": rows,
    }
    if args.quick:
        print("quick run: nothing written")
    else:
        print("written to", write_result("bench_scaling", payload))


if __name__ == "__main__":
    main()
