"""Training throughput (rows/s) of skvae on a CUDA GPU against the same fit on the CPU.

Two models, each at batch 256 and 4096, fitted with BFVAE(gamma=0) (no TC term):
- tabular: the default MLP (128, 64), K=10, 24 standard normal features, Gaussian;
- image: the conv model (32-channel stride-2 convolutions, dense (256, 256)), K=10, on
  (1, 28, 28) images with uniform pixels, Bernoulli likelihood.
The throughput is rows / duration of the last epoch (skorch's EpochTimer; the epoch ends
with a device synchronisation, so GPU times are complete). The CPU runs use fewer rows
(the same loop, a smaller table) and torch's default threads (one per core) unless
--cpu-threads says otherwise.
Goal: the batch-4096 tabular fit above 5 million rows/s on an H100-class card.

Run from the repository root:  python -m benchmarks.bench_gpu [--devices cuda cpu]
(``--devices cpu --quick`` is a smoke test that runs without a GPU.)
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse

import numpy as np
import torch

from skvae import BFVAE

#: Rows per model and device (CPU tables are smaller: the same loop, shorter epochs).
ROWS = {
    ("tabular", "cuda"): 2_000_000,
    ("tabular", "cpu"): 100_000,
    ("image", "cuda"): 200_000,
    ("image", "cpu"): 8_192,
}
IMAGE_SHAPE = (1, 28, 28)


def make_data(model, n, random_state=0):
    rng = np.random.default_rng(random_state)
    if model == "tabular":
        return rng.standard_normal((n, 24), dtype=np.float32)
    return rng.random((n, int(np.prod(IMAGE_SHAPE))), dtype=np.float32)


def make_estimator(model, batch_size, device, epochs):
    common = dict(gamma=0.0, max_iter=epochs, batch_size=batch_size, device=device,
                  random_state=0)
    if model == "tabular":
        return BFVAE(**common)
    return BFVAE(architecture="conv", input_shape=IMAGE_SHAPE, hidden_layer_sizes=(256, 256),
                 likelihood="bernoulli", **common)


def measure(model, batch_size, device, epochs, n):
    X = make_data(model, n)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    estimator = make_estimator(model, batch_size, device, epochs).fit(X)
    durations = [row["dur"] for row in estimator.history_]
    row = {
        "model": model, "batch_size": batch_size, "device": device, "n_rows": n,
        "epochs": epochs, "epoch_s": durations, "rows_per_s": n / durations[-1],
    }
    if device == "cuda":
        row["peak_gpu_memory_MB"] = torch.cuda.max_memory_allocated() / 2**20
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", nargs="+", default=["cuda", "cpu"])
    parser.add_argument("--epochs", type=int, default=3, help="the last one is timed")
    parser.add_argument("--cpu-threads", type=int, default=None,
                        help="torch threads of the CPU runs (default: torch's default)")
    parser.add_argument("--quick", action="store_true",
                        help="small tables, nothing written (smoke test)")
    args = parser.parse_args()
    if "cuda" in args.devices and not torch.cuda.is_available():
        parser.error("no CUDA device is visible; use --devices cpu for a smoke test")

    from benchmarks._common import write_result

    if args.cpu_threads:
        torch.set_num_threads(args.cpu_threads)

    rows = []
    for model in ("tabular", "image"):
        for device in args.devices:
            n = ROWS[model, device] // (50 if args.quick else 1)
            for batch_size in (256, 4096):
                epochs = 2 if args.quick else args.epochs
                row = measure(model, batch_size, device, epochs, max(n, 2 * batch_size))
                rows.append(row)
                print(f"{model:<8} {device:<5} batch {batch_size:>5}: "
                      f"{row['rows_per_s']:>12,.0f} rows/s", flush=True)

    speedups = {}
    for model in ("tabular", "image"):
        for batch_size in (256, 4096):
            by_device = {r["device"]: r["rows_per_s"] for r in rows
                         if r["model"] == model and r["batch_size"] == batch_size}
            if {"cuda", "cpu"} <= set(by_device):
                speedups[f"{model}_batch{batch_size}"] = by_device["cuda"] / by_device["cpu"]
    for key, value in speedups.items():
        print(f"GPU / CPU {key}: {value:.1f}x")
    tabular_4096 = [r["rows_per_s"] for r in rows if r["model"] == "tabular"
                    and r["batch_size"] == 4096 and r["device"] == "cuda"]
    payload = {
        "setting": "BFVAE(gamma=0); tabular: MLP (128, 64), K=10, 24 features, Gaussian; "
                   f"image: conv {IMAGE_SHAPE}, dense (256, 256), K=10, Bernoulli; "
                   "rows/s of the last epoch; fused Adam",
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "cuda": torch.version.cuda,
        "cpu_torch_threads": torch.get_num_threads(),
        "gpu_over_cpu": speedups,
        "goal_tabular_4096_above_5M_rows_per_s": (tabular_4096[0] > 5e6) if tabular_4096
        else None,
        "runs": rows,
    }
    if args.quick:
        print("quick run: nothing written")
    else:
        print("written to", write_result("bench_gpu", payload))


if __name__ == "__main__":
    main()
