"""``skvae demo``: fit BFVAE on a simulated factor-analysis table and print what it found."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np
from sklearn.preprocessing import StandardScaler


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "demo", help="fit BFVAE on simulated FA15 data and print the informative latents")
    parser.add_argument("--preset", default="FA15", choices=["FA15", "FA24", "FA100"])
    parser.add_argument("--n-samples", type=int, default=5000)
    parser.add_argument("--n-components", type=int, default=10)
    parser.add_argument("--max-iter", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(run=run)


def run(args):
    from skvae import BFVAE
    from skvae.datasets import make_factor_analysis

    X, _, loadings = make_factor_analysis(args.n_samples, preset=args.preset,
                                          random_state=args.seed)
    X = StandardScaler().fit_transform(X)
    start = time.perf_counter()
    model = BFVAE(n_components=args.n_components, max_iter=args.max_iter,
                  random_state=args.seed).fit(X)
    seconds = time.perf_counter() - start
    error = np.mean((model.inverse_transform(model.transform(X)) - X) ** 2)
    informative = model.kl_per_latent_ > 0.1
    print(f"BFVAE on {args.preset}: {X.shape[0]} rows x {X.shape[1]} features, "
          f"{loadings.shape[0]} true factors, K={args.n_components}, "
          f"{model.n_iter_} epochs in {seconds:.1f} s")
    print("latent   KL (nats)  informative")
    for name, kl, flag in zip(model.get_feature_names_out(), model.kl_per_latent_, informative):
        print(f"{name:<8} {kl:10.4f}  {'yes' if flag else ''}")
    print(f"informative latents: {int(informative.sum())} (threshold 0.1 nats)")
    print(f"reconstruction error (MSE, standardised features): {error:.4f}")
