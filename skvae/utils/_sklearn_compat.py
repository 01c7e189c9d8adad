"""The only place where skvae imports private scikit-learn helpers."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)
from sklearn.utils._param_validation import Interval as _Interval
from sklearn.utils._set_output import _wrap_data_with_container
from sklearn.utils.validation import validate_data

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "_fit_context",
    "_safe_indexing",
    "_wrap_data_with_container",
    "validate_data",
    "validate_parameter_constraints",
    "validate_params",
]


class Interval(_Interval):
    """scikit-learn's ``Interval`` constraint, rejecting booleans.

    ``True`` is an ``int`` to Python, so scikit-learn's constraint takes it for 1 (one
    latent, a learning rate of 1.0); a bool where a number is expected is a mistake.
    """

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)
