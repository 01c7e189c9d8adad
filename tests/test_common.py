"""scikit-learn's estimator checks over every public estimator."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn.utils.estimator_checks import parametrize_with_checks

from skvae import BFVAE, AlignedEnsemble
from tests.conftest import TINY, TINY_ESTIMATORS


def _expected_failed_checks(estimator):
    return {}


@parametrize_with_checks(
    TINY_ESTIMATORS + [AlignedEnsemble(BFVAE(**TINY), n_runs=2)],
    expected_failed_checks=_expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
