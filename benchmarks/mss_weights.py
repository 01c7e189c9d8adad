"""Which importance weights for the minibatch-stratified TC estimate: released code or appendix.

Chen et al.'s released code (rtqichen/beta-tcvae, copied by pythae and by skvae) builds the
B x B weight matrix with ``W.view(-1)[::M + 1] = 1 / N`` and ``W.view(-1)[1::M + 1] =
(N - M) / (N M)`` (M = B - 1). Striding by the batch size puts these weights in the first
two *columns* of every row, so a sample's own posterior weighs 1/M like the others; their
appendix C.2 intends 1/N on the diagonal and the stratified weight on one neighbour per row.
This script fits ``BFVAE()`` and ``BetaTCVAE()`` (defaults, 60 epochs) with both weightings,
the same seeds, on 5,000 rows of FA15 and FA24 and evaluates 1,250 held-out rows: LSDI,
informative latents, their mean KL and the held-out ELBO.

Run from the repository root:  python -m benchmarks.mss_weights [--seeds 3] [--jobs 2]
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch; inherited by the workers

import argparse
import statistics
from unittest import mock

import torch
from joblib import Parallel, delayed
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks._common import RESULTS, write_result
from skvae import BFVAE, BetaTCVAE
from skvae.datasets import make_factor_analysis
from skvae.losses import _tc
from skvae.metrics import evaluate

MODELS = {"BFVAE": BFVAE, "BetaTCVAE": BetaTCVAE}
N_TRAIN, N_TEST, EPOCHS = 5000, 1250, 60


def appendix_log_weights(batch_size, dataset_size, device, dtype):
    """Appendix C.2's weights: 1/N for the own posterior, (N - M) / (N M) for the next."""
    m = batch_size - 1
    weights = torch.full((batch_size, batch_size), 1.0 / m, device=device, dtype=dtype)
    weights.fill_diagonal_(1.0 / dataset_size)
    weights.view(-1)[1 :: batch_size + 1].fill_((dataset_size - m) / (dataset_size * m))
    weights[m, 0] = (dataset_size - m) / (dataset_size * m)
    return weights.log()


def run(preset, model_name, weights, seed):
    torch.set_num_threads(1)
    X = make_factor_analysis(N_TRAIN + N_TEST, preset=preset, random_state=0)[0]
    X_train, X_test = X[:N_TRAIN], X[N_TRAIN:]
    model = make_pipeline(StandardScaler(),
                          MODELS[model_name](max_iter=EPOCHS, random_state=seed))
    if weights == "appendix":
        with mock.patch.object(_tc, "_log_importance_weights", appendix_log_weights):
            model.fit(X_train)
    else:
        model.fit(X_train)
    kl = model[-1].kl_per_latent_
    informative = kl > 0.1
    return {"preset": preset, "model": model_name, "weights": weights, "seed": seed,
            "lsdi": float(evaluate(model, X_test, random_state=0).lsdi),
            "n_informative": int(informative.sum()),
            "informative_kl": float(kl[informative].mean()) if informative.any() else 0.0,
            "heldout_elbo": float(model.score(X_test))}


def summarise(runs):
    rows = []
    keys = sorted({(r["preset"], r["model"], r["weights"]) for r in runs})
    for preset, model, weights in keys:
        cell = [r for r in runs if (r["preset"], r["model"], r["weights"]) == (preset, model,
                                                                               weights)]
        row = {"preset": preset, "model": model, "weights": weights}
        for key in ("lsdi", "n_informative", "informative_kl", "heldout_elbo"):
            values = [r[key] for r in cell]
            row[key] = statistics.mean(values)
            row[key + "_sd"] = statistics.stdev(values) if len(values) > 1 else 0.0
        rows.append(row)
    return rows


def write_markdown(rows, setting):
    lines = ["# MSS importance weights: released code against appendix C.2", "",
             f"Setting: {setting}. Mean ± SD over seeds.", "",
             "| data | model | weights | LSDI | informative | KL per informative latent "
             "| held-out ELBO |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['preset']} | {r['model']} | {r['weights']} | "
                     f"{r['lsdi']:.3f} ± {r['lsdi_sd']:.3f} | {r['n_informative']:.1f} | "
                     f"{r['informative_kl']:.2f} ± {r['informative_kl_sd']:.2f} | "
                     f"{r['heldout_elbo']:.2f} ± {r['heldout_elbo_sd']:.2f} |")
    (RESULTS / "mss_weights.md").write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    jobs = [delayed(run)(preset, model, weights, seed)
            for preset in ("FA15", "FA24") for model in MODELS for seed in range(args.seeds)
            for weights in ("released code", "appendix")]
    runs = Parallel(n_jobs=args.jobs)(jobs)
    rows = summarise(runs)
    setting = (f"{N_TRAIN} training and {N_TEST} held-out rows, defaults, {EPOCHS} epochs, "
               f"seeds 0-{args.seeds - 1}")
    for r in rows:
        print(f"{r['preset']} {r['model']:<9} {r['weights']:<13} LSDI {r['lsdi']:.3f} "
              f"informative {r['n_informative']:.1f} KL {r['informative_kl']:.2f} "
              f"ELBO {r['heldout_elbo']:.2f}")
    write_markdown(rows, setting)
    print("written to", write_result("mss_weights", {"setting": setting, "summary": rows,
                                                     "runs": runs}))


if __name__ == "__main__":
    main()
