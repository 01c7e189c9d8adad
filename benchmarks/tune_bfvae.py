"""A small documented search over BFVAE defaults on FA15, FA24, white wine and FIFA.

Each configuration (beta, capacity, gamma, learning rate) is fitted R times (an
:class:`~skvae.AlignedEnsemble`, the same seeds for every configuration) on the training rows
of each dataset and evaluated on the held-out rows with ``paper_comparison.run_cell``: LSDI
(per run, mean over runs), informative latents, reconstruction error, and on the simulated
tables the FDR of the informative latents and DCI disentanglement against the true factors.
``kl_leak`` is the total aligned mean KL of the non-informative latents (nats): the paper's
"near-zero KL outside the informative latents" criterion.

Selection rule (fixed before looking at the results):

1. *Sanity on simulated data*: on FA15 and FA24 every run must find exactly the true number
   of informative latents with FDR 0 (no spurious and no merged latents).
2. Among the configurations that pass, rank by the mean LSDI over the four datasets.
3. Configurations within 0.02 of the best mean LSDI are tied; among them prefer the lower mean
   reconstruction error (normalised per dataset by the best error there), then the cheaper
   fit.

The default is changed only if a configuration beats the current default (beta=1,
capacity=0, gamma=5, lr=1e-3) by more than the tie margin, or ties it with clearly lower
reconstruction error.

Outcome (benchmarks/results/tune_bfvae.md, R = 2, 60 epochs): ``beta0.5`` passed the sanity
check and had the best mean LSDI (0.786 against 0.581 for the former default), with lower
reconstruction error on every table; it is the shipped default since. ``C5`` had a higher mean
LSDI (0.810) but failed the sanity check (a fourth informative latent in one FA15 run).
A check outside the search (tune_bfvae_check.md) found ``beta=0.5`` as good on FA100 but
slightly worse than ``beta=1`` on the 8x8 digits (Bernoulli likelihood).

After the capacity ramp was fixed to count the last, partial batch of each epoch (it had
ended 3-6 % early), the capacity configurations were rerun (``--configs C5 C10 C10-gamma2
C25 --append``). At R = 2, ``C5`` then passed the sanity check, and ``C5`` (0.788),
``beta0.5`` (0.786) and ``C10`` (0.773) tied, so that the reconstruction tie-break chose
``C10``. With R = 5 for these three (``--configs beta0.5 C5 C10 --runs 5 --out
tune_bfvae_r5``), only ``beta0.5`` passes the sanity check (``C5``: a fourth latent in one
FA15 run; ``C10``: FDR 0.05 on FA24) and is chosen: the default stands, and R = 2 is too
few seeds to separate these three.

Outputs: benchmarks/results/tune_bfvae.csv (one row per dataset x configuration),
tune_bfvae.json (setting, summary, chosen configuration, rule) and tune_bfvae.md.

Run from the repository root:  python -m benchmarks.tune_bfvae [--runs 2] [--epochs 60]
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before torch; inherited by the workers

import argparse
import json
import time

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed

from benchmarks._common import RESULTS, write_result
from benchmarks.paper_comparison import THRESHOLD, epochs_for, load_dataset, plain, run_cell
from skvae import BFVAE

DATASETS = ("FA15", "FA24", "wine", "fifa")
#: Also accepted by --datasets, for checks outside the search (FA100, digits 8x8).
EXTRA_DATASETS = ("FA100", "images")
#: name -> (beta, capacity, gamma, learning rate). "default" is the default *before* this
#: search (beta=1, identical to BetaTCVAE's objective); the search chose "beta0.5".
CONFIGS = {
    "default": (1.0, 0.0, 5.0, 1e-3),
    "gamma2": (1.0, 0.0, 2.0, 1e-3),
    "gamma10": (1.0, 0.0, 10.0, 1e-3),
    "gamma20": (1.0, 0.0, 20.0, 1e-3),
    "beta0.5": (0.5, 0.0, 5.0, 1e-3),
    "C5": (1.0, 5.0, 5.0, 1e-3),
    "C10": (1.0, 10.0, 5.0, 1e-3),
    "C10-gamma2": (1.0, 10.0, 2.0, 1e-3),
    "C25": (1.0, 25.0, 5.0, 1e-3),
    "lr3e-3": (1.0, 0.0, 5.0, 3e-3),
}
TIE = 0.02


def tune_cell(dataset, config, data, *, epochs, runs):
    """run_cell for one BFVAE configuration; adds the configuration and ``kl_leak``."""
    beta, capacity, gamma, lr = CONFIGS[config]
    model = BFVAE(n_components=10, beta=beta, capacity=capacity, gamma=gamma,
                  learning_rate=lr, max_iter=epochs_for(data, epochs),
                  likelihood=data["likelihood"])
    record, extras = run_cell(dataset, "BFVAE", model, data, n_runs=runs)
    kl = np.asarray(extras["kl_aligned"])
    record.update({
        "config": config, "beta": beta, "capacity": capacity, "gamma": gamma,
        "learning_rate": lr,
        "kl_informative_mean": float(kl[kl > THRESHOLD].mean()) if (kl > THRESHOLD).any()
        else 0.0,
        "kl_leak": float(kl[kl <= THRESHOLD].sum()),
        "exact_informative_runs": None,
    })
    if data["n_factors"] is not None:
        per_run = extras["per_run"]
        record["exact_informative_runs"] = int(sum(
            row["informative"] == data["n_factors"] and row["fdr"] == 0 for row in per_run))
    return record


def summarise(frame, runs):
    """One row per configuration: the selection criteria."""
    rows = []
    best_recon = frame.groupby("dataset")["recon_error_mean"].min()
    for config, group in frame.groupby("config", sort=False):
        sim = group[group["dataset"].isin(("FA15", "FA24"))]
        g = group.set_index("dataset")
        rows.append({
            "config": config,
            "beta": group["beta"].iloc[0], "capacity": group["capacity"].iloc[0],
            "gamma": group["gamma"].iloc[0], "learning_rate": group["learning_rate"].iloc[0],
            "sanity": bool((sim["exact_informative_runs"] == runs).all()) if len(sim) else None,
            "lsdi_mean": float(group["lsdi_mean"].mean()),
            **{f"lsdi_{d}": float(g.loc[d, "lsdi_mean"]) for d in g.index},
            **{f"informative_{d}": float(g.loc[d, "informative_mean"]) for d in g.index},
            "recon_relative": float((g["recon_error_mean"] / best_recon[g.index]).mean()),
            "kl_leak_max": float(group["kl_leak"].max()),
            "seconds_per_fit": float(group["fit_seconds_per_run"].mean()),
        })
    summary = pd.DataFrame(rows)
    passed = summary[summary["sanity"].fillna(False).astype(bool)]
    chosen = None
    if len(passed):
        top = passed["lsdi_mean"].max()
        tied = passed[passed["lsdi_mean"] >= top - TIE]
        chosen = tied.sort_values(["recon_relative", "seconds_per_fit"]).iloc[0]["config"]
    return summary, chosen


def markdown(frame, summary, chosen, setting):
    lines = ["# BFVAE defaults: a small search", "",
             f"Setting: R = {setting['runs']} runs per cell, {setting['epochs']} epochs, "
             f"{setting['rows']} simulated rows, datasets {', '.join(setting['datasets'])}; "
             f"wall time {setting['wall_seconds'] / 60:.1f} min. Rule: see "
             "benchmarks/tune_bfvae.py (sanity on FA15/FA24, then mean LSDI, ties within "
             f"{TIE} broken by reconstruction). 'default' is the default before the search "
             "(beta=1, the objective of BetaTCVAE); 'recon (rel.)' is the mean over datasets "
             "of the held-out MSE divided by the best configuration's on that dataset.", "",
             (f"Chosen: **{chosen}** {CONFIGS[chosen]} (beta, capacity, gamma, lr)."
              if chosen else "No choice: the sanity check needs FA15 or FA24, absent here."
              if summary["sanity"].isna().all() else
              "No configuration passed the sanity check."), "",
             "## Summary", "",
             "| config | beta | C | gamma | lr | sanity | mean LSDI | " +
             " | ".join(f"LSDI {d}" for d in setting["datasets"]) + " | " +
             " | ".join(f"inf. {d}" for d in setting["datasets"]) +
             " | recon (rel.) | KL leak max | s/fit |",
             "|" + "---|" * (10 + 2 * len(setting["datasets"]))]
    for _, r in summary.iterrows():
        lines.append(
            f"| {r['config']} | {r['beta']:g} | {r['capacity']:g} | {r['gamma']:g} | "
            f"{r['learning_rate']:g} | "
            f"{'n/a' if pd.isna(r['sanity']) else 'yes' if r['sanity'] else 'no'} | "
            f"{r['lsdi_mean']:.3f} | "
            + " | ".join(f"{r.get(f'lsdi_{d}', np.nan):.3f}" for d in setting["datasets"])
            + " | "
            + " | ".join(f"{r.get(f'informative_{d}', np.nan):.1f}" for d in setting["datasets"])
            + f" | {r['recon_relative']:.3f} | {r['kl_leak_max']:.3f} | "
            f"{r['seconds_per_fit']:.1f} |")
    lines += ["", "## Per dataset", "",
              "| dataset | config | informative | LSDI | FDR | DCI-D | recon | KL inf. | "
              "KL leak |", "|---|---|---|---|---|---|---|---|---|"]
    for _, r in frame.iterrows():
        fdr = r.get("fdr_mean", np.nan)
        dci = r.get("dci_d_mean", np.nan)
        lines.append(
            f"| {r['dataset']} | {r['config']} | {r['informative_mean']:.1f} ± "
            f"{r['informative_sd']:.1f} | {r['lsdi_mean']:.3f} ± {r['lsdi_sd']:.3f} | "
            + ("" if np.isnan(fdr) else f"{fdr:.2f}") + " | "
            + ("" if np.isnan(dci) else f"{dci:.2f}")
            + f" | {r['recon_error_mean']:.3f} | {r['kl_informative_mean']:.2f} | "
            f"{r['kl_leak']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS),
                        choices=DATASETS + EXTRA_DATASETS)
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", default="tune_bfvae")
    parser.add_argument("--replot", action="store_true",
                        help="only rewrite the Markdown summary from the CSV and JSON")
    parser.add_argument("--append", action="store_true",
                        help="add these configurations to the existing results (same setting)")
    args = parser.parse_args(argv)
    if args.replot:
        frame = pd.read_csv(RESULTS / f"{args.out}.csv")
        setting = json.loads((RESULTS / f"{args.out}.json").read_text())["setting"]
        summary, chosen = summarise(frame, setting["runs"])
        (RESULTS / f"{args.out}.md").write_text(markdown(frame, summary, chosen, setting))
        return
    setting = {"runs": args.runs, "epochs": args.epochs, "rows": args.rows,
               "datasets": args.datasets, "configs": {c: CONFIGS[c] for c in args.configs},
               "load_average_start": list(os.getloadavg())}
    torch.set_num_threads(1)
    start = time.perf_counter()
    data = {d: load_dataset(d, rows=args.rows, seed=0) for d in args.datasets}
    jobs = [delayed(tune_cell)(d, c, data[d], epochs=args.epochs, runs=args.runs)
            for c in args.configs for d in args.datasets]
    print(f"tune_bfvae: {len(jobs)} cells x {args.runs} runs", flush=True)
    frame = pd.DataFrame(Parallel(n_jobs=args.jobs, verbose=10)(jobs))
    setting["wall_seconds"] = time.perf_counter() - start
    setting["load_average_end"] = list(os.getloadavg())
    if args.append:  # earlier configurations first; the setting records both runs
        previous = pd.read_csv(RESULTS / f"{args.out}.csv")
        previous = previous[~previous["config"].isin(args.configs)]
        frame = pd.concat([previous, frame], ignore_index=True)
        earlier = json.loads((RESULTS / f"{args.out}.json").read_text())["setting"]
        setting["configs"] = {**earlier["configs"], **setting["configs"]}
        setting["wall_seconds"] += earlier["wall_seconds"]
        setting["appended_runs"] = [earlier.get("load_average_start"),
                                    setting["load_average_start"]]
    setting["cpu_seconds"] = float(frame["cell_cpu_seconds"].sum())
    summary, chosen = summarise(frame, args.runs)
    print(summary.to_string(), flush=True)
    print(f"chosen: {chosen}", flush=True)

    RESULTS.mkdir(exist_ok=True)
    frame.to_csv(RESULTS / f"{args.out}.csv", index=False, float_format="%.6g")
    write_result(args.out, {
        "setting": setting,
        "rule": __doc__.split("Selection rule")[1].split("Outputs:")[0].strip(),
        "chosen": chosen,
        "chosen_params": CONFIGS.get(chosen),
        "summary": plain(summary.to_dict(orient="records")),
    })
    (RESULTS / f"{args.out}.md").write_text(markdown(frame, summary, chosen, setting))
    print(f"wall time {setting['wall_seconds'] / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
