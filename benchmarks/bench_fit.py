"""Fit time of skvae against a minimal hand-written torch loop of the same model.

Both train the default tabular model (24 features, K=10, MLP 128-64, Gaussian likelihood,
fused Adam, lr 1e-3) under the plain ELBO (skvae: ``BFVAE(beta=1, gamma=0)``) on 20,000
simulated rows for 20 epochs, batches gathered from one tensor by a shuffled index. Runs
alternate in one process; the script reports median times, the median of the per-repeat
ratios skvae / raw loop and the ratio of the fastest runs. It also times FactorVAE (with its default
256x2 discriminator and Kim & Mnih's 1000x6 one) and BetaTCVAE against a plain VAE fit, and
skvae against pythae's BetaVAE trainer on the same model when pythae is installed
(``pip install pythae``; not a dependency).

Run:  python -m benchmarks.bench_fit [--repeats 5] [--threads 1] [--batch-sizes 256 1024]
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import statistics
import time

import numpy as np
import torch

from benchmarks._common import write_result
from skvae import BFVAE, VAE, BetaTCVAE, FactorVAE
from skvae.datasets import make_factor_analysis
from skvae.models import MLPDecoder, MLPEncoder, VAEModule

N_ROWS, N_FEATURES, K, EPOCHS, HIDDEN = 20_000, 24, 10, 20, (128, 64)
#: BFVAE reduced to the plain ELBO that the raw loop and pythae's BetaVAE(beta=1) train
#: (BFVAE's default beta is 0.5: a different objective, and a different trajectory).
PLAIN_ELBO = dict(beta=1.0, gamma=0.0)


def plain_elbo_loss(x, x_hat, mu, logvar):
    """Negative ELBO of a batch: half squared error plus the Gaussian KL, per row."""
    reconstruction = 0.5 * (x - x_hat).pow(2).sum(1).mean()
    kl = 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(1).mean()
    return reconstruction + kl


def raw_loop(X, batch_size, epochs, seed=0, compile_model=False, epoch_times=None):
    """The baseline: the same module and loss in the shortest correct torch loop.

    ``X`` is a numpy array or a tensor; the loop runs on the tensor's device. When
    ``epoch_times`` is a list, each epoch's duration (device synchronised) is appended.
    """
    data = torch.as_tensor(X)
    torch.manual_seed(seed)
    model = VAEModule(MLPEncoder(N_FEATURES, K, HIDDEN), MLPDecoder(K, N_FEATURES, HIDDEN[::-1]))
    model = model.to(data.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
    forward = torch.compile(model) if compile_model else model
    generator = torch.Generator(data.device).manual_seed(seed)
    for _ in range(epochs):
        start_time = time.perf_counter()
        order = torch.randperm(len(data), generator=generator, device=data.device)
        shuffled = data[order]
        for start in range(0, len(data), batch_size):
            x = shuffled[start : start + batch_size]
            loss = plain_elbo_loss(x, *forward(x, generator=generator)[:3])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        if epoch_times is not None:
            if data.is_cuda:
                torch.cuda.synchronize()
            epoch_times.append(time.perf_counter() - start_time)
    return model


def pythae_fit(X, batch_size, epochs):
    """pythae 0.1.2's BetaVAE with the same MLP, trained by its own TrainingPipeline."""
    import tempfile

    from pythae.models import BetaVAE, BetaVAEConfig
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder
    from pythae.pipelines import TrainingPipeline
    from pythae.trainers import BaseTrainerConfig

    class Encoder(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.net = MLPEncoder(N_FEATURES, K, HIDDEN)

        def forward(self, x):
            mu, logvar = self.net(x)
            return ModelOutput(embedding=mu, log_covariance=logvar)

    class Decoder(BaseDecoder):
        def __init__(self):
            super().__init__()
            self.net = MLPDecoder(K, N_FEATURES, HIDDEN[::-1])

        def forward(self, z):
            return ModelOutput(reconstruction=self.net(z))

    with tempfile.TemporaryDirectory() as out:
        config = BaseTrainerConfig(output_dir=out, per_device_train_batch_size=batch_size,
                                   num_epochs=epochs, learning_rate=1e-3, no_cuda=True,
                                   steps_saving=None)
        model = BetaVAE(BetaVAEConfig(input_dim=(N_FEATURES,), latent_dim=K, beta=1.0),
                        encoder=Encoder(), decoder=Decoder())
        TrainingPipeline(model=model, training_config=config)(train_data=X)


def training_gflop_per_epoch():
    """Matrix-product work of one epoch: forward 2*in*out per layer and row, backward twice that."""
    widths = [N_FEATURES, *HIDDEN, 2 * K]
    encoder = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    widths = [K, *HIDDEN[::-1], N_FEATURES]
    decoder = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    return 3 * 2 * (encoder + decoder) * N_ROWS / 1e9


def matmul_ceiling(size=1024, repeats=20):
    """Measured float32 matrix-product speed (GFLOP/s) with the current torch threads."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    seconds = min(timed(lambda: a @ b) for _ in range(repeats))
    return 2 * size**3 / seconds / 1e9


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def compare(X, batch_size, repeats):
    """Alternate raw loop and skvae; return medians and the median per-repeat ratio.

    Which of the two runs first alternates between repeats (drift on the shared machine
    cancels). Besides whole fits, each epoch is timed (the raw loop's own timer, skorch's
    ``dur`` for skvae): the median epoch of 20 x ``repeats`` is the steady training speed,
    the rest of a fit (set-up, the final KL pass) its fixed cost.
    """
    skvae_fit = BFVAE(**PLAIN_ELBO, hidden_layer_sizes=HIDDEN, max_iter=EPOCHS,
                      batch_size=batch_size, random_state=0)
    raw, ours, raw_epochs, our_epochs = [], [], [], []

    def run_raw():
        raw.append(timed(lambda: raw_loop(X, batch_size, EPOCHS, epoch_times=raw_epochs)))

    def run_ours():
        ours.append(timed(lambda: skvae_fit.fit(X)))
        our_epochs.extend(row["dur"] for row in skvae_fit.history_)

    timed(lambda: raw_loop(X, batch_size, 1))  # warm-up of both paths
    timed(lambda: BFVAE(**PLAIN_ELBO, max_iter=1, batch_size=batch_size).fit(X))
    for repeat in range(repeats):
        for run in (run_ours, run_raw) if repeat % 2 else (run_raw, run_ours):
            run()
    ratios = [o / r for o, r in zip(ours, raw)]
    raw_epoch, our_epoch = statistics.median(raw_epochs), statistics.median(our_epochs)
    return {
        "batch_size": batch_size,
        "raw_loop_s": statistics.median(raw),
        "skvae_s": statistics.median(ours),
        "ratio_median": statistics.median(ratios),
        # The least disturbed run of each: on a shared virtual machine the spread between
        # repeats (+-20%) exceeds the overhead being measured.
        "ratio_of_minimums": min(ours) / min(raw),
        "ratios": ratios,
        "raw_epoch_s": raw_epoch,
        "skvae_epoch_s": our_epoch,
        "epoch_ratio_median": our_epoch / raw_epoch,
        "raw_fixed_s": statistics.median(raw) - EPOCHS * raw_epoch,
        "skvae_fixed_s": statistics.median(ours) - EPOCHS * our_epoch,
    }


def against_pythae(X, repeats):
    """skvae against pythae's trainer on the same model (batch 256), alternating."""
    import logging

    logging.getLogger("pythae").setLevel(logging.ERROR)
    skvae_fit = BFVAE(**PLAIN_ELBO, hidden_layer_sizes=HIDDEN, max_iter=EPOCHS, random_state=0)
    peer, ours = [], []
    for _ in range(repeats):
        peer.append(timed(lambda: pythae_fit(X, 256, EPOCHS)))
        ours.append(timed(lambda: skvae_fit.fit(X)))
    return {"pythae_s": statistics.median(peer), "skvae_s": statistics.median(ours),
            "speedup_median": statistics.median(p / o for p, o in zip(peer, ours))}


def overheads(X, repeats):
    """Time of the TC estimators relative to a plain VAE fit (batch 256, 5 epochs)."""
    models = {
        "VAE": VAE(max_iter=5, random_state=0),
        "BetaTCVAE (MSS)": BetaTCVAE(max_iter=5, random_state=0),
        "FactorVAE (default 256x2 discriminator)": FactorVAE(max_iter=5, random_state=0),
        "FactorVAE (Kim & Mnih 1000x6 discriminator)": FactorVAE(
            max_iter=5, discriminator_hidden_layer_sizes=(1000,) * 6, random_state=0),
    }
    times = {name: [] for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            times[name].append(timed(lambda: model.fit(X)))
    base = statistics.median(times["VAE"])
    return {name: {"median_s": statistics.median(t), "ratio_to_vae": statistics.median(t) / base}
            for name, t in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--overhead-repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X = make_factor_analysis(N_ROWS, N_FEATURES, 4, random_state=0)[0].astype(np.float32)
    results = {"setting": f"{N_ROWS} x {N_FEATURES}, K={K}, MLP {HIDDEN}, {EPOCHS} epochs, "
                          f"fused Adam, {args.threads} torch thread(s), {args.repeats} repeats"}
    results["skvae_vs_raw_loop"] = [compare(X, b, args.repeats) for b in args.batch_sizes]
    ceiling = results["matmul_ceiling_gflops"] = matmul_ceiling()
    work = results["training_gflop_per_epoch"] = training_gflop_per_epoch()
    for row in results["skvae_vs_raw_loop"]:
        row["skvae_gflops"] = work * EPOCHS / row["skvae_s"]
        print(f"batch {row['batch_size']:>5}: raw loop {row['raw_loop_s']:.2f} s, "
              f"skvae {row['skvae_s']:.2f} s, ratio skvae/raw {row['ratio_median']:.3f} "
              f"(of the minimums {row['ratio_of_minimums']:.3f}), "
              f"{row['skvae_gflops']:.1f} GFLOP/s of a {ceiling:.0f} GFLOP/s matmul ceiling; "
              f"median epoch {row['raw_epoch_s'] * 1e3:.1f} / {row['skvae_epoch_s'] * 1e3:.1f} ms "
              f"(ratio {row['epoch_ratio_median']:.3f}), fixed cost per fit "
              f"{row['raw_fixed_s'] * 1e3:.0f} / {row['skvae_fixed_s'] * 1e3:.0f} ms")
    try:
        import pythae  # noqa: F401
    except ImportError:
        print("pythae is not installed (pip install pythae): peer comparison skipped")
    else:
        row = results["skvae_vs_pythae"] = against_pythae(X, args.overhead_repeats)
        print(f"pythae BetaVAE trainer {row['pythae_s']:.2f} s, skvae {row['skvae_s']:.2f} s: "
              f"skvae {row['speedup_median']:.2f}x faster")
    results["tc_overhead"] = overheads(X, args.overhead_repeats)
    for name, row in results["tc_overhead"].items():
        print(f"{name:<34} {row['median_s']:.2f} s  x{row['ratio_to_vae']:.2f} of VAE")
    print("written to", write_result("bench_fit", results))


if __name__ == "__main__":
    main()
