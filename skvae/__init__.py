"""skvae: disentangling VAEs as scikit-learn estimators, with label-free evaluation."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

__version__ = "0.1.0"
