"""Cost of scoring every epoch with :class:`~skvae.callbacks.DisentanglementScoring`.

BFVAE (defaults, K=10) is fitted for ``--epochs`` epochs on FA15 and FA24 tables of
``--rows`` standardised rows, without a callback and with ``DisentanglementScoring`` of
``'lsdi'`` (the whole evaluation of all rows each epoch: informative latents, FVH-LT,
DBSR-LS), one torch thread. The three variants alternate within each repeat and the
fastest of ``--repeats`` is kept; the ratio to the plain fit is the cost of scoring, and
the per-epoch difference is the time of one evaluation. The scored fit must train
exactly as the plain one (same losses), which the script checks.

Run from the repository root:  python -m benchmarks.bench_scoring_callback [--repeats 3]
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import torch
from sklearn.preprocessing import StandardScaler

from benchmarks._common import write_result
from skvae import BFVAE
from skvae.callbacks import DisentanglementScoring
from skvae.datasets import make_factor_analysis

VARIANTS = {
    "plain": lambda: None,
    "lsdi": lambda: DisentanglementScoring("lsdi"),
    "fvh_lt": lambda: DisentanglementScoring("fvh_lt"),
}


def fit_seconds(X, epochs, callback):
    model = BFVAE(max_iter=epochs, random_state=0,
                  callbacks=None if callback is None else [callback])
    start = time.perf_counter()
    model.fit(X)
    return time.perf_counter() - start, model.loss_curve_


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    results = []
    try:
        warm_up, _, _ = make_factor_analysis(500, preset="FA15", random_state=0)
        fit_seconds(warm_up, 1, DisentanglementScoring("lsdi"))  # imports, first-call costs
        for preset in ("FA15", "FA24"):
            X, _, _ = make_factor_analysis(args.rows, preset=preset, random_state=0)
            X = StandardScaler().fit_transform(X)
            best = {name: float("inf") for name in VARIANTS}
            curves = {}
            for _ in range(args.repeats):
                for name, make in VARIANTS.items():
                    seconds, curves[name] = fit_seconds(X, args.epochs, make())
                    best[name] = min(best[name], seconds)
            same = all(curves[name] == curves["plain"] for name in VARIANTS)
            row = {"preset": preset, "rows": args.rows, "epochs": args.epochs,
                   "same_training": same,
                   **{f"{name}_s": round(best[name], 3) for name in VARIANTS}}
            for name in ("lsdi", "fvh_lt"):
                row[f"{name}_ratio"] = round(best[name] / best["plain"], 3)
                row[f"{name}_ms_per_epoch"] = round(
                    1000 * (best[name] - best["plain"]) / args.epochs, 1)
            results.append(row)
            print(row)
    finally:
        torch.set_num_threads(previous)
    print("written to", write_result("bench_scoring_callback", {"results": results}))


if __name__ == "__main__":
    main()
