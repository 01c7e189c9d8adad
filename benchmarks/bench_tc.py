"""The minibatch-stratified TC estimator: hand-written backward against autograd.

``skvae.losses.mss_total_correlation`` (one ``torch.autograd.Function``: (i, k, j) layout,
in-place softmax, floored exponentials, analytic gradients) against the same estimator
written as plain tensor operations and differentiated by autograd (skvae's previous
implementation). Two measurements, alternating the two in one process:

* forward and backward of one minibatch (K = 10 latents, batch 256 and 1024);
* whole fits with the MSS estimator (``BFVAE()`` and ``BetaTCVAE()`` defaults, batch 256,
  5 epochs on the 20,000 x 24 table of ``bench_fit``), next to a plain ``VAE`` fit.

Run from the repository root:  python -m benchmarks.bench_tc [--repeats 5] [--threads 1]
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import statistics
import time
from unittest import mock

import numpy as np
import torch

from benchmarks._common import write_result
from skvae import BFVAE, VAE, BetaTCVAE
from skvae.datasets import make_factor_analysis
from skvae.losses import _objective, mss_total_correlation
from skvae.losses._tc import _log_importance_weights

K, N_ROWS, N_FEATURES, EPOCHS = 10, 20_000, 24, 5


def autograd_total_correlation(z, mu, logvar, dataset_size):
    """The baseline: the estimator as plain tensor operations, (i, j, k) layout."""
    batch_size = z.shape[0]
    scaled = (z.unsqueeze(1) - mu.unsqueeze(0)) * torch.exp(-0.5 * logvar).unsqueeze(0)
    log_q = -0.5 * (scaled.square() + logvar.unsqueeze(0))
    log_w = _log_importance_weights(batch_size, dataset_size, z.device, z.dtype)
    log_qz = torch.logsumexp(log_q.sum(dim=2) + log_w, dim=1)
    log_prod_qzk = torch.logsumexp(log_q + log_w.unsqueeze(2), dim=1).sum(dim=1)
    return (log_qz - log_prod_qzk).mean()


def posterior_batch(batch_size, seed=0):
    """Posterior parameters of a trained-looking model: a few precise latents, the rest not."""
    gen = torch.Generator().manual_seed(seed)
    logvar = torch.randn(batch_size, K, generator=gen) * 0.5
    logvar[:, :4] -= 5.0  # informative latents: posterior SD about 0.08
    mu = torch.randn(batch_size, K, generator=gen)
    mu[:, 4:] *= 0.1  # collapsed latents: mean near 0, SD near 1
    z = mu + torch.randn(batch_size, K, generator=gen) * torch.exp(0.5 * logvar)
    return [t.requires_grad_() for t in (z, mu, logvar)]


def timed(function, repeats=1):
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - start) / repeats


def step_times(batch_size, repeats, calls=50):
    """Median time of one forward and backward, each estimator, alternating."""
    tensors = posterior_batch(batch_size)
    estimators = {"autograd": autograd_total_correlation, "skvae": mss_total_correlation}
    values = {name: f(*tensors, N_ROWS).item() for name, f in estimators.items()}
    times = {name: [] for name in estimators}
    for repeat in range(repeats):
        order = list(estimators) if repeat % 2 else list(estimators)[::-1]
        for name in order:
            times[name].append(timed(lambda: estimators[name](*tensors, N_ROWS).backward(),
                                     calls))
    ratios = [a / s for a, s in zip(times["autograd"], times["skvae"])]
    return {"batch_size": batch_size, "tc_autograd": values["autograd"],
            "tc_skvae": values["skvae"],
            "autograd_ms": 1e3 * statistics.median(times["autograd"]),
            "skvae_ms": 1e3 * statistics.median(times["skvae"]),
            "speedup_median": statistics.median(ratios)}


def fit_times(X, repeats):
    """Median fit times with either estimator, and of a plain VAE, alternating."""
    models = {"BFVAE()": BFVAE(max_iter=EPOCHS, random_state=0),
              "BetaTCVAE()": BetaTCVAE(max_iter=EPOCHS, random_state=0)}
    vae = VAE(max_iter=EPOCHS, random_state=0)
    runs = {(name, estimator): [] for name in models for estimator in ("autograd", "skvae")}
    vae_times = []
    for repeat in range(repeats):
        vae_times.append(timed(lambda: vae.fit(X)))
        for name, model in models.items():
            order = ("autograd", "skvae") if repeat % 2 else ("skvae", "autograd")
            for estimator in order:
                if estimator == "skvae":
                    runs[name, estimator].append(timed(lambda: model.fit(X)))
                    continue
                with mock.patch.object(_objective, "mss_total_correlation",
                                       autograd_total_correlation):
                    runs[name, estimator].append(timed(lambda: model.fit(X)))
    vae_s = statistics.median(vae_times)
    rows = []
    for name in models:
        autograd_s, skvae_s = (runs[name, e] for e in ("autograd", "skvae"))
        rows.append({
            "model": name, "autograd_s": statistics.median(autograd_s),
            "skvae_s": statistics.median(skvae_s), "vae_s": vae_s,
            "speedup_median": statistics.median(a / s for a, s in zip(autograd_s, skvae_s)),
            "autograd_over_vae": statistics.median(autograd_s) / vae_s,
            "skvae_over_vae": statistics.median(skvae_s) / vae_s,
        })
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = {"setting": f"K={K}, {args.threads} torch thread(s), {args.repeats} repeats; "
                          f"fits: {N_ROWS} x {N_FEATURES}, batch 256, {EPOCHS} epochs"}
    results["step"] = [step_times(b, args.repeats) for b in (256, 1024)]
    for row in results["step"]:
        print(f"batch {row['batch_size']:>4}: forward + backward {row['autograd_ms']:.2f} ms "
              f"(autograd) / {row['skvae_ms']:.2f} ms (skvae) = {row['speedup_median']:.2f}x; "
              f"TC {row['tc_autograd']:.5f} / {row['tc_skvae']:.5f}")
    X = make_factor_analysis(N_ROWS, N_FEATURES, 4, random_state=0)[0].astype(np.float32)
    results["fit"] = fit_times(X, args.repeats)
    for row in results["fit"]:
        print(f"{row['model']:<12} fit {row['autograd_s']:.2f} s (autograd) / "
              f"{row['skvae_s']:.2f} s (skvae) = {row['speedup_median']:.2f}x; against a VAE "
              f"fit ({row['vae_s']:.2f} s): x{row['autograd_over_vae']:.2f} / "
              f"x{row['skvae_over_vae']:.2f}")
    print("written to", write_result("bench_tc", results))


if __name__ == "__main__":
    main()
