"""Time of the label-free evaluation (FVH-LT, DBSR-LS, GAS, LSDI) against one model fit.

One BFVAE (K=10, default settings, ``--epochs`` epochs, one torch thread) is fitted once on
20,000 rows of the FA24 design (24 features, 4 uniform factors); an AlignedEnsemble of 10
short BFVAE runs (``--gas-epochs`` epochs each) on the same rows supplies the GAS runs. Then
every piece is timed on the 20,000 rows (median of ``--repeats`` repeats after one warm-up),
with one thread (torch and BLAS) and with the default threads:

- ``encode``: ``transform`` (posterior means) of all rows;
- ``informative``: :func:`~skvae.metrics.informative_latents` (KL > 0.1 nats);
- ``fvh_lt``: 100 data anchors x 21 grid points (the defaults);
- ``dbsr_ls``: encode + 10 x 10 penalty grid, 5 folds, one-SE rule (the defaults);
- ``lsdi``: the LSDI of ``V`` and of ``Theta**2``;
- ``evaluate``: :func:`~skvae.metrics.evaluate` of the single model (all of the above);
- ``gas_align``: encode the 10 runs, their informative masks, greedy alignment;
- ``evaluate_ensemble``: ``evaluate`` of the fitted AlignedEnsemble (10 runs, each through
  FVH-LT and DBSR-LS with shared anchors and folds, aligned by the fitted alignment,
  aggregated, LSDI of the means);
- ``full``: ``gas_align`` on these rows + the aggregated evaluation: the full evaluation
  with all four parts, which the goal (< 5 s, well under one fit) is about.

Scaling (same pieces, ``--scaling-repeats`` repeats):

- n in {2e3, 2e4, 2e5}: the same fitted model and ensemble, evaluated on fewer or more rows
  of the same design (the data are drawn once with 220,000 rows; the models are fitted on
  the first 20,000);
- K in {5, 10, 20} and p in {12, 24, 96} (4 factors): one short BFVAE fit per case
  (``--short-epochs`` epochs, long enough for the surplus latents to collapse, so that the
  informative latents are those of a trained model; their number, not K, sets the cost of
  DBSR-LS). GAS there aligns 10 permuted, sign-flipped, noisy copies of the model's codes,
  and ``full`` evaluates the one model 10 times (as many FVH-LT and DBSR-LS runs as 10
  distinct models; the cost depends on the shapes, not on the weights);
- a worst case for each K: DBSR-LS forced onto all K latents, collapsed ones included (which
  the documentation advises against). Their standardised codes are nearly collinear, and
  the solver needs far more iterations: the table reports the time, the iterations and the
  condition number of the codes' correlation matrix.

The machine's load average and the OpenMP environment are recorded. On a shared, busy
machine the default (two) torch threads can be many times slower than one: OpenMP threads
spin while they wait for a partner that another process has pushed off its core. Setting
``OMP_WAIT_POLICY=PASSIVE`` before Python starts (waiting threads sleep instead) removes
that penalty; ``--output bench_metrics_omp_passive`` keeps such a run apart.

Run from the repository root:  python -m benchmarks.bench_metrics [--quick] [--profile]
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import statistics
import time
import warnings

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from benchmarks._common import write_result
from skvae import BFVAE, AlignedEnsemble
from skvae.datasets import make_factor_analysis
from skvae.metrics import (
    dbsr_ls,
    evaluate,
    fvh_lt,
    gas_align,
    informative_latents,
    lsdi_components,
)
from skvae.metrics._evaluation import _evaluate_runs

N_TRAIN, K, N_RUNS, SEED = 20_000, 10, 10, 0
DEFAULT_THREADS = torch.get_num_threads()


@contextlib.contextmanager
def threads(n):
    """``n`` torch threads and, for ``n=1``, one BLAS thread too; restore afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        if n == 1:
            with threadpool_limits(1):
                yield
        else:
            yield
    finally:
        torch.set_num_threads(before)


def timed(function, repeats):
    """Median seconds of ``repeats`` calls after one warm-up call, and all the times."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


# --------------------------------------------------------------------------- the pieces
def realign(runs, X, reference):
    """GAS on these rows: encode every run, informative masks, greedy alignment."""
    codes = [run.transform(X) for run in runs]
    masks = [informative_latents(run) for run in runs]
    return gas_align(codes, reference=reference, informative=masks)


def full_evaluation(runs, X, reference, informative=None):
    """All four parts over the runs: GAS, then per-run FVH-LT and DBSR-LS, aggregated LSDI."""
    alignment = realign(runs, X, reference)
    return _evaluate_runs(runs, X, alignment, informative=informative, random_state=SEED)


def model_pieces(model, X, mask):
    """The pieces timed on one fitted model: encode, FVH-LT, DBSR-LS, LSDI, evaluate."""
    ev = evaluate(model, X, random_state=SEED)
    V, theta2 = ev.fvh_lt.variances, ev.dbsr_ls.importance
    return {
        "encode": lambda: model.transform(X),
        "fvh_lt": lambda: fvh_lt(model, X, informative=mask, random_state=SEED),
        "dbsr_ls": lambda: dbsr_ls(model, X, informative=mask, random_state=SEED),
        "lsdi": lambda: (
            lsdi_components(V, informative=mask),
            lsdi_components(theta2, informative=mask),
        ),
        "evaluate": lambda: evaluate(model, X, random_state=SEED),
    }


def pieces(model, ensemble, X):
    """Name -> zero-argument callable of every timed piece, for one model and its runs."""
    single = model_pieces(model, X, informative_latents(model))
    runs, ref = ensemble.estimators_, ensemble.reference_
    return {
        "encode": single.pop("encode"),
        "informative": lambda: informative_latents(model),
        **single,
        "gas_align": lambda: realign(runs, X, ref),
        "evaluate_ensemble": lambda: evaluate(ensemble, X, random_state=SEED),
        "full": lambda: full_evaluation(runs, X, ref),
    }


def synthetic_pieces(model, X, rng):
    """Pieces of the K and p sweeps: GAS on perturbed copies, ``full`` on 10 copies."""
    n_latents = model.n_components
    mask = informative_latents(model)
    Z = model.transform(X)
    scale = Z.std(axis=0)
    codes = [Z] + [
        Z[:, rng.permutation(n_latents)] * rng.choice([-1.0, 1.0], size=n_latents)
        + 0.1 * scale * rng.standard_normal(Z.shape)
        for _ in range(N_RUNS - 1)
    ]
    masks = [mask] * N_RUNS  # only the count of informative latents matters for the cost
    runs = [model] * N_RUNS

    def full():
        masks_now = [informative_latents(run) for run in runs]
        for run in runs:  # the encoding cost of 10 runs; the alignment uses the copies
            run.transform(X)
        alignment = gas_align(codes, informative=masks_now)
        return _evaluate_runs(runs, X, alignment, random_state=SEED)

    return {
        **model_pieces(model, X, mask),
        "gas_align": lambda: gas_align(codes, informative=masks),
        "full": full,
    }


def dbsr_all_latents(model, X):
    """DBSR-LS forced onto every latent, collapsed ones included (a misuse; 1 thread, 1 run).

    Returns seconds, FISTA iterations of the CV solve, and the condition number of the
    correlation matrix of the codes (what makes the solver slow).
    """
    import logging

    records = []

    class Catch(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    logger = logging.getLogger("skvae.metrics._dbsr_ls")
    handler, level = Catch(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    Z = model.transform(X)
    try:
        with threads(1), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            dbsr_ls(model, X, informative=np.ones(Z.shape[1], dtype=bool), random_state=SEED)
            seconds = time.perf_counter() - start
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    iterations = [int(m.split(":")[1].split()[0]) for m in records if "FISTA iterations" in m]
    return {
        "seconds": seconds,
        "cv_fista_iterations": iterations[0] if iterations else None,
        "convergence_warnings": sum("did not converge" in str(w.message) for w in caught),
        "cond_corr_codes": float(np.linalg.cond(np.corrcoef(Z.T))),
    }


def time_pieces(functions, repeats, thread_settings):
    """{threads: {piece: {median_s, times}}} for every thread setting."""
    out = {}
    for n_threads in thread_settings:
        with threads(n_threads):
            out[str(n_threads)] = {}
            for name, function in functions.items():
                median, times = timed(function, repeats)
                out[str(n_threads)][name] = {"median_s": median, "times": times}
    return out


def profile(function, top=15):
    """cProfile of one call: the ``top`` functions by own time, as rows of numbers."""
    profiler = cProfile.Profile()
    profiler.enable()
    function()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (path, line, name), (_, ncalls, tottime, cumtime, _) in stats.stats.items():
        rows.append(
            {
                "function": f"{path.rsplit('/', 1)[-1]}:{line}({name})",
                "ncalls": ncalls,
                "tottime_s": tottime,
                "cumtime_s": cumtime,
            }
        )
    rows.sort(key=lambda r: r["tottime_s"], reverse=True)
    return {"total_s": sum(r["tottime_s"] for r in rows), "top": rows[:top]}


# --------------------------------------------------------------------------- fits
def fit(model, X):
    """Fit with one torch thread; return the model and the seconds it took."""
    with threads(1):
        start = time.perf_counter()
        model.fit(X)
        return model, time.perf_counter() - start


def short_fit(X, n_components, epochs):
    model = BFVAE(n_components=n_components, max_iter=epochs, random_state=SEED)
    return fit(model, X)


# --------------------------------------------------------------------------- output
def print_table(title, timings, fit_s=None):
    settings = list(timings)
    names = list(timings[settings[0]])
    head = "".join(f"{f'{s} thread(s)':>16}" for s in settings)
    ratio = "".join(f"{f'/ fit ({s})':>14}" for s in settings) if fit_s else ""
    print(f"\n{title}\n{'piece':<20}{head}{ratio}")
    for name in names:
        values = [timings[s][name]["median_s"] for s in settings]
        line = f"{name:<20}" + "".join(f"{v:16.4f}" for v in values)
        if fit_s:
            line += "".join(f"{v / fit_s:14.4f}" for v in values)
        print(line)


def print_sweep(label, rows, setting):
    names = list(rows[0]["timings"][setting])
    print(f"\nscaling in {label} ({setting} thread(s), median s)")
    print(f"{label:>8}" + "".join(f"{name:>18}" for name in names))
    for row in rows:
        cells = "".join(f"{row['timings'][setting][n]['median_s']:18.4f}" for n in names)
        print(f"{row[label]:>8}" + cells)


def loglog_slope(xs, ys):
    """Least-squares slope of log(time) on log(size)."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def slopes(rows, label, setting):
    names = list(rows[0]["timings"][setting])
    xs = [row[label] for row in rows]
    return {
        name: loglog_slope(xs, [row["timings"][setting][name]["median_s"] for row in rows])
        for name in names
    }


# --------------------------------------------------------------------------- main
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100, help="epochs of the main fit")
    parser.add_argument("--gas-epochs", type=int, default=5, help="epochs of each GAS run")
    parser.add_argument("--short-epochs", type=int, default=10, help="epochs of the K/p fits")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--scaling-repeats", type=int, default=3)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the full evaluation (one thread)"
    )
    parser.add_argument(
        "--output", default="bench_metrics", help="result name (benchmarks/results/NAME.json)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 2 epochs, 1 repeat, nothing written"
    )
    args = parser.parse_args()
    if args.quick:
        args.epochs = args.gas_epochs = args.short_epochs = 1
        args.repeats = args.scaling_repeats = 1
    load_start = os.getloadavg()
    thread_settings = [1] if DEFAULT_THREADS == 1 else [1, DEFAULT_THREADS]

    X_all = make_factor_analysis(N_TRAIN + 200_000, preset="FA24", random_state=SEED)[0]
    X = X_all[:N_TRAIN]
    model, fit_s = fit(BFVAE(n_components=K, max_iter=args.epochs, random_state=SEED), X)
    print(
        f"main fit: BFVAE(K={K}), {args.epochs} epochs on {X.shape[0]:,} x {X.shape[1]}: "
        f"{fit_s:.1f} s ({fit_s / args.epochs:.2f} s/epoch, 1 thread), "
        f"{int(informative_latents(model).sum())} informative latents",
        flush=True,
    )
    ensemble = AlignedEnsemble(
        BFVAE(n_components=K, max_iter=args.gas_epochs), n_runs=N_RUNS, random_state=SEED
    )
    ensemble, ensemble_s = fit(ensemble, X)
    print(
        f"GAS runs: AlignedEnsemble of {N_RUNS} BFVAE runs x {args.gas_epochs} epochs: "
        f"{ensemble_s:.1f} s",
        flush=True,
    )

    results = {
        "setting": (
            f"FA24, {N_TRAIN} x 24, BFVAE(K={K}) defaults; FVH-LT 100 anchors x 21 grid; "
            "DBSR-LS 10 x 10 grid, 5 folds; GAS over 10 AlignedEnsemble runs "
            f"({args.gas_epochs} epochs each); fits with 1 torch thread; medians of "
            f"{args.repeats} repeats (scaling: {args.scaling_repeats}) after a warm-up; "
            "'1' = one torch and one BLAS thread, else torch's default threads"
        ),
        "environment": {key: os.environ.get(key) for key in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")},
        "fit": {
            "epochs": args.epochs,
            "seconds": fit_s,
            "s_per_epoch": fit_s / args.epochs,
            "n_informative": int(informative_latents(model).sum()),
            "params": {
                key: model.get_params()[key]
                for key in ("beta", "gamma", "capacity", "hidden_layer_sizes", "batch_size")
            },
        },
        "gas_runs": {
            "how": f"AlignedEnsemble of {N_RUNS} BFVAE fits",
            "epochs": args.gas_epochs,
            "fit_s": ensemble_s,
            "n_informative": [int(informative_latents(r).sum()) for r in ensemble.estimators_],
        },
    }

    timings = time_pieces(pieces(model, ensemble, X), args.repeats, thread_settings)
    results["pieces"] = timings
    results["ratio_to_fit"] = {
        s: {n: v["median_s"] / fit_s for n, v in t.items()} for s, t in timings.items()
    }
    ev = evaluate(model, X, random_state=SEED)
    full = full_evaluation(ensemble.estimators_, X, ensemble.reference_)
    results["values"] = {
        "lsdi": ev.lsdi,
        "lsdi_ensemble": full.lsdi,
        "stability": full.stability.tolist(),
        "informative_reference": full.informative.tolist(),
    }
    print_table(
        f"pieces on {N_TRAIN:,} rows (median s; ratio to the {fit_s:.0f} s fit)", timings, fit_s
    )
    print(
        f"single-model LSDI {ev.lsdi:.3f}; 10-run aggregated LSDI {full.lsdi:.3f}; "
        f"GAS stability {np.round(full.stability, 2)}",
        flush=True,
    )

    if args.profile:
        with threads(1):
            results["profile_full"] = profile(
                lambda: full_evaluation(ensemble.estimators_, X, ensemble.reference_)
            )
        print(f"\ncProfile of full (1 thread), {results['profile_full']['total_s']:.2f} s:")
        for row in results["profile_full"]["top"]:
            print(
                f"  {row['tottime_s']:8.3f} s own {row['cumtime_s']:8.3f} s cum "
                f"{row['ncalls']:>7}  {row['function']}"
            )

    # Scaling in n: the same model and runs on fewer or more rows.
    n_rows = [2_000, 20_000, 200_000] if not args.quick else [2_000, 20_000]
    sweep_n = []
    for n in n_rows:
        X_n = X_all[:n] if n <= N_TRAIN else X_all[N_TRAIN : N_TRAIN + n]
        t = time_pieces(pieces(model, ensemble, X_n), args.scaling_repeats, thread_settings)
        sweep_n.append({"n": n, "timings": t})
        print(f"n={n:,} done", flush=True)

    # Scaling in K and p: one short fit each, every latent informative.
    rng = np.random.default_rng(SEED)
    sweep_k, sweep_p, fits = [], [], {}
    for n_components in (5, 10, 20):
        m, s = short_fit(X, n_components, args.short_epochs)
        fits[f"K={n_components}"] = s
        t = time_pieces(synthetic_pieces(m, X, rng), args.scaling_repeats, thread_settings)
        sweep_k.append(
            {
                "K": n_components,
                "n_informative": int(informative_latents(m).sum()),
                "timings": t,
                "dbsr_ls_all_latents": dbsr_all_latents(m, X),
            }
        )
        print(f"K={n_components} done", flush=True)
    for p in (12, 24, 96):
        X_p = make_factor_analysis(N_TRAIN, p, 4, random_state=SEED)[0]
        m, s = short_fit(X_p, K, args.short_epochs)
        fits[f"p={p}"] = s
        t = time_pieces(synthetic_pieces(m, X_p, rng), args.scaling_repeats, thread_settings)
        sweep_p.append({"p": p, "n_informative": int(informative_latents(m).sum()), "timings": t})
        print(f"p={p} done", flush=True)

    results["scaling"] = {
        "n": sweep_n,
        "K": sweep_k,
        "p": sweep_p,
        "short_fit_s": fits,
        "loglog_slopes": {
            label: {s: slopes(rows, label, s) for s in map(str, thread_settings)}
            for label, rows in (("n", sweep_n), ("K", sweep_k), ("p", sweep_p))
        },
    }
    for label, rows in (("n", sweep_n), ("K", sweep_k), ("p", sweep_p)):
        for setting in map(str, thread_settings):
            print_sweep(label, rows, setting)
        if label != "n":
            print(
                "informative latents: "
                + ", ".join(f"{r[label]}: {r['n_informative']}" for r in rows)
            )
        print(
            "log-log slope (1 thread): "
            + ", ".join(
                f"{k} {v:.2f}" for k, v in results["scaling"]["loglog_slopes"][label]["1"].items()
            )
        )

    print("\nDBSR-LS forced onto all K latents (collapsed ones included; 1 thread, 1 run):")
    for row in sweep_k:
        w = row["dbsr_ls_all_latents"]
        print(
            f"  K={row['K']:>3}: {w['seconds']:7.2f} s, {w['cv_fista_iterations']} FISTA "
            f"iterations, cond(corr(Z)) = {w['cond_corr_codes']:.3g}, "
            f"{w['convergence_warnings']} ConvergenceWarning(s)"
        )
    results["load_average"] = {"start": load_start, "end": os.getloadavg()}
    print(f"load average (1, 5, 15 min): start {load_start}, end {os.getloadavg()}")
    if args.quick:
        print("\nquick run: nothing written")
    else:
        print("\nwritten to", write_result(args.output, results))


if __name__ == "__main__":
    main()
