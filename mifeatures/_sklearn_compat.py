"""The private scikit-learn names the estimators use, imported in one place.

scikit-learn's own estimators validate parameters with ``_param_validation``
and ``_fit_context``, and check column names and counts with
``_check_feature_names`` / ``_check_n_features`` / ``_check_feature_names_in``.
Using the same helpers gives the same checks and messages (and passes
``check_estimator``); none of them is public API, so they are imported here
only: when a scikit-learn release moves one, this module is the one to mend
(the lower bound in pyproject.toml names the versions it was written for).
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import (
    _check_feature_names,
    _check_feature_names_in,
    _check_n_features,
)

__all__ = ["Interval", "RealNotInt", "StrOptions", "_check_feature_names",
           "_check_feature_names_in", "_check_n_features", "_fit_context"]
