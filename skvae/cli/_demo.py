"""``skvae demo``: fit BFVAE on a simulated factor-analysis table and print what it found."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
from sklearn.preprocessing import StandardScaler

from skvae.cli._data import check_max_rows, note, positive_int
from skvae.cli._main import raise_if_interrupted
from skvae.cli._models import seed


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "demo", help="fit BFVAE on simulated FA15 data and print the informative latents",
        description="Fit BFVAE on a simulated factor-analysis table (standardised) and print "
                    "the KL of each latent: a quick check that an installation trains.")
    parser.add_argument("--preset", default="FA15", choices=["FA15", "FA24", "FA100"],
                        help="simulated table: 15, 24 or 100 features (default: FA15)")
    parser.add_argument("--n-samples", type=check_max_rows, default=5000, metavar="N",
                        help="rows of the simulated table (default: 5000)")
    parser.add_argument("--n-components", type=positive_int, default=10, metavar="K",
                        help="latent dimension (default: 10)")
    parser.add_argument("--max-iter", type=positive_int, default=60, metavar="N",
                        help="epochs (default: 60)")
    parser.add_argument("--seed", type=seed, default=0,
                        help="seed of the table and of the fit (default: 0)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no notes (the results are still printed)")
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log progress details")
    parser.set_defaults(run=run)


def run(args):
    from skvae import BFVAE
    from skvae.datasets import make_factor_analysis

    X, _, loadings = make_factor_analysis(args.n_samples, preset=args.preset,
                                          random_state=args.seed)
    X = StandardScaler().fit_transform(X)
    note(args, f"fitting BFVAE on {args.preset} ({X.shape[0]} rows x {X.shape[1]} features, "
               f"{args.max_iter} epochs)")
    start = time.perf_counter()
    model = BFVAE(n_components=args.n_components, max_iter=args.max_iter,
                  random_state=args.seed).fit(X)
    raise_if_interrupted()  # the fit swallows Ctrl-C: print nothing of a half-trained model
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
