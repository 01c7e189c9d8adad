"""The FA15 signature of the default BFVAE: per-latent KL, informative latents and LSDI.

The same setting as the slow tests in tests/test_slow_fa15.py (10,000 rows, 3 uniform factors,
K=10, 60 epochs, seed 0), plus the LSDI of the same model with its informative latents mixed
by random rotations.

Run:  python -m benchmarks.fa15_signature
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
from scipy.stats import ortho_group
from sklearn.preprocessing import StandardScaler

from benchmarks._common import write_result
from skvae import BFVAE
from skvae.datasets import make_factor_analysis
from skvae.metrics import evaluate
from tests.test_slow_fa15 import _Rotated


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)  # no options: --help only
    X, _, _ = make_factor_analysis(10_000, preset="FA15", random_state=0)
    X = StandardScaler().fit_transform(X)
    start = time.perf_counter()
    model = BFVAE(n_components=10, max_iter=60, random_state=0).fit(X)
    fit_seconds = time.perf_counter() - start
    evaluation = evaluate(model, X, random_state=0)
    informative = np.flatnonzero(model.kl_per_latent_ > 0.1)
    rotated = []
    for seed in range(3):
        rotation = np.eye(10)
        rotation[np.ix_(informative, informative)] = ortho_group.rvs(len(informative),
                                                                     random_state=seed)
        rotated.append(evaluate(_Rotated(model, rotation).fit(X), X, random_state=0).lsdi)
    result = {
        "fit_seconds": fit_seconds,
        "kl_per_latent": sorted(model.kl_per_latent_.tolist(), reverse=True),
        "n_informative": len(informative),
        "lsdi": evaluation.lsdi,
        "lsdi_fvh_lt": evaluation.lsdi_fvh_lt.lsdi,
        "lsdi_dbsr_ls": evaluation.lsdi_dbsr_ls.lsdi,
        "lsdi_rotated": rotated,
    }
    print("KL (nats, sorted):", np.round(result["kl_per_latent"], 4).tolist())
    print(f"informative latents: {len(informative)}; LSDI {evaluation.lsdi:.3f} "
          f"(FVH-LT {result['lsdi_fvh_lt']:.3f}, DBSR-LS {result['lsdi_dbsr_ls']:.3f}); "
          f"rotated: {np.round(rotated, 3).tolist()}; fit {fit_seconds:.0f} s")
    print("written to", write_result("fa15_signature", result))


if __name__ == "__main__":
    main()
