"""Disentanglement evaluation: label-free indices, ground-truth metrics and scorers."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from skvae.metrics._dbsr_ls import DBSRLSResult, dbsr_ls, dbsr_ls_from_codes, dirty_regression
from skvae.metrics._evaluation import DisentanglementEvaluation, GASEvaluation, evaluate
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
from skvae.metrics._scorers import (
    DisentanglementScorer,
    dbsr_ls_scorer,
    fvh_lt_scorer,
    lsdi_scorer,
    make_disentanglement_scorer,
)

__all__ = [
    "DBSRLSResult",
    "DisentanglementEvaluation",
    "DisentanglementScorer",
    "FVHLTResult",
    "GASAggregate",
    "GASAlignment",
    "GASEvaluation",
    "LSDIComponents",
    "combined_lsdi",
    "dbsr_ls",
    "dbsr_ls_from_codes",
    "dbsr_ls_scorer",
    "dci_completeness",
    "dci_disentanglement",
    "dci_importance",
    "dci_scorer",
    "dci_scores",
    "dirty_regression",
    "evaluate",
    "fvh_lt",
    "fvh_lt_scorer",
    "gas_aggregate",
    "gas_align",
    "gaussian_total_correlation",
    "gaussian_wasserstein_correlation",
    "informative_fdr",
    "informative_latents",
    "lsdi_components",
    "lsdi_score",
    "lsdi_scorer",
    "make_disentanglement_scorer",
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
