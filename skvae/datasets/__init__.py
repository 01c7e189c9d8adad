"""Datasets: simulated factor-analysis tables and small real tables and images."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.datasets._factor_analysis import FA_PRESETS, make_factor_analysis

__all__ = ["FA_PRESETS", "make_factor_analysis"]
