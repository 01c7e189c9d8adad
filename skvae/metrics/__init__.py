"""Disentanglement evaluation: label-free indices, ground-truth metrics and scorers."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.metrics._dbsr_ls import DBSRLSResult, dbsr_ls, dbsr_ls_from_codes, dirty_regression
from skvae.metrics._fvh_lt import FVHLTResult, fvh_lt
from skvae.metrics._gas import GASAggregate, GASAlignment, gas_aggregate, gas_align
from skvae.metrics._ground_truth import (
    dci_completeness,
    dci_disentanglement,
    dci_importance,
    dci_scorer,
    dci_scores,
    gaussian_total_correlation,
    gaussian_wasserstein_correlation,
    informative_fdr,
    mig_score,
    mig_scorer,
    modularity,
    modularity_score,
    mutual_info_matrix,
    sap_score,
    sap_score_matrix,
    sap_scorer,
    udr_relative_strength,
    udr_score,
)
from skvae.metrics._informative import informative_latents
from skvae.metrics._lsdi import LSDIComponents, combined_lsdi, lsdi_components, lsdi_score

__all__ = [
    "DBSRLSResult",
    "FVHLTResult",
    "GASAggregate",
    "GASAlignment",
    "LSDIComponents",
    "combined_lsdi",
    "dbsr_ls",
    "dbsr_ls_from_codes",
    "dci_completeness",
    "dci_disentanglement",
    "dci_importance",
    "dci_scorer",
    "dci_scores",
    "dirty_regression",
    "fvh_lt",
    "gas_aggregate",
    "gas_align",
    "gaussian_total_correlation",
    "gaussian_wasserstein_correlation",
    "informative_fdr",
    "informative_latents",
    "lsdi_components",
    "lsdi_score",
    "mig_score",
    "mig_scorer",
    "modularity",
    "modularity_score",
    "mutual_info_matrix",
    "sap_score",
    "sap_score_matrix",
    "sap_scorer",
    "udr_relative_strength",
    "udr_score",
]
