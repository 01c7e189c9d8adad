"""DBSR-LS time on correlated latents, where the solver's iterations dominate.

``dbsr_ls_from_codes(Z, X, random_state=0)`` (10 x 10 penalty grid, 5-fold CV, final fit)
on 5,000 rows: ``Z`` has K equicorrelated standard normal codes (correlation rho, so the
Gram matrix has condition number 1 + K rho / (1 - rho)), ``X = Z W + noise`` with 30% of
the entries of ``W`` non-zero. A last case is real image data: the 784 pixels of MNIST 5k
(121 of them constant) on their 10 leading principal components. With ``--collinear`` a
case of nearly collinear latents is added: the informative codes of an AnnealedVAE fitted
on MNIST 5k as in the full paper comparison (80% training split, 100 epochs, seed 0; Gram
condition number about 2e5; the fit takes a few minutes). Reports the fastest of
``--repeats`` runs per case. With ``--baseline REV`` the module ``skvae/metrics/_dbsr_ls.py``
of git revision REV is loaded too and timed alternately with the current one on the same
data (ratios baseline / current, largest coefficient difference).

Run from the repository root:
    python -m benchmarks.bench_dbsr_ls [--repeats 3] [--baseline REV] [--collinear] [--output NAME]
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib.util
import subprocess
import tempfile
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from benchmarks._common import write_result
from skvae import AnnealedVAE
from skvae.datasets import load_mnist_5k
from skvae.metrics import dbsr_ls_from_codes, informative_latents

#: (K, p, rho): uncorrelated and correlated codes, few and many features.
CASES = [(10, 24, 0.0), (10, 100, 0.0), (10, 100, 0.9), (20, 100, 0.95), (10, 11, 0.9),
         (10, 784, 0.0), (10, 784, 0.9)]
N_ROWS = 5000


def make_codes(K, p, rho, rng):
    shared = rng.standard_normal((N_ROWS, 1))
    Z = np.sqrt(rho) * shared + np.sqrt(1 - rho) * rng.standard_normal((N_ROWS, K))
    W = rng.standard_normal((K, p)) * (rng.random_sample((K, p)) < 0.3)
    return Z, Z @ W + rng.standard_normal((N_ROWS, p))


def mnist_codes():
    X = load_mnist_5k().data.astype(np.float64)
    return PCA(10, random_state=0).fit_transform(X), X


def annealed_vae_codes():
    """Codes of all 5,000 MNIST images and the informative mask of an AnnealedVAE."""
    X = load_mnist_5k().data.astype(np.float64)
    train, test = train_test_split(np.arange(len(X)), test_size=0.2, random_state=0)
    model = AnnealedVAE(n_components=10, likelihood="bernoulli", max_iter=100,
                        batch_size=256, random_state=0).fit(X[train])
    X = np.vstack([X[train], X[test]])
    return model.transform(X).astype(np.float64), X, informative_latents(model)


def load_revision(rev):
    """``skvae/metrics/_dbsr_ls.py`` as of git revision ``rev``, as a module."""
    source = subprocess.run(["git", "show", f"{rev}:skvae/metrics/_dbsr_ls.py"], check=True,
                            capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py") as f:
        f.write(source)
        f.flush()
        spec = importlib.util.spec_from_file_location(f"dbsr_ls_{rev}", f.name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def fastest(function, Z, X, repeats, informative=None):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function(Z, X, informative=informative, random_state=0)
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV", help="git revision to compare against")
    parser.add_argument("--collinear", action="store_true",
                        help="add the AnnealedVAE codes of MNIST 5k (fits the model first)")
    parser.add_argument("--output", default="bench_dbsr_ls",
                        help="name of the result file in benchmarks/results (no .json)")
    args = parser.parse_args()
    baseline = load_revision(args.baseline) if args.baseline else None
    rng = np.random.RandomState(0)
    rows = []
    cases = [*CASES, (10, 784, "mnist5k")]
    if args.collinear:
        cases.append((10, 784, "annealedvae-mnist5k"))
    for K, p, rho in cases:
        informative = None
        if rho == "mnist5k":
            Z, X = mnist_codes()
        elif rho == "annealedvae-mnist5k":
            Z, X, informative = annealed_vae_codes()
        else:
            Z, X = make_codes(K, p, rho, rng)
        if baseline is None:
            seconds, result = fastest(dbsr_ls_from_codes, Z, X, args.repeats, informative)
        else:  # one call of each in turn, so that both see the same machine load
            times, base_times = [], []
            for _ in range(args.repeats):
                elapsed, result = fastest(dbsr_ls_from_codes, Z, X, 1, informative)
                times.append(elapsed)
                elapsed, base_result = fastest(baseline.dbsr_ls_from_codes, Z, X, 1,
                                               informative)
                base_times.append(elapsed)
            seconds, base_seconds = min(times), min(base_times)
        G = np.corrcoef(Z if informative is None else Z[:, informative], rowvar=False)
        rows.append({"K": K, "p": p, "rho": rho, "condition_number": float(np.linalg.cond(G)),
                     "seconds": seconds, "n_selected": int(np.count_nonzero(result.support))})
        line = (f"K={K:>2} p={p:>3} rho={rho} (cond {rows[-1]['condition_number']:7.1f}): "
                f"{seconds:.2f} s")
        if baseline is not None:
            rows[-1].update({
                "baseline_seconds": base_seconds,
                "speedup": base_seconds / seconds,
                "max_coef_difference": float(np.abs(result.coef - base_result.coef).max()),
                "same_penalties": bool((result.lambda_b, result.lambda_s)
                                       == (base_result.lambda_b, base_result.lambda_s)),
            })
            line += (f", {args.baseline} {base_seconds:.2f} s ({rows[-1]['speedup']:.2f}x; "
                     f"max coef difference {rows[-1]['max_coef_difference']:.1e})")
        print(line, flush=True)
    print("written to", write_result(args.output, {
        "setting": f"dbsr_ls_from_codes, {N_ROWS} rows, 10 x 10 grid, 5 folds, "
                   f"fastest of {args.repeats}"
                   + (f", alternated with revision {args.baseline}" if baseline else ""),
        "cases": rows,
    }))


if __name__ == "__main__":
    main()
