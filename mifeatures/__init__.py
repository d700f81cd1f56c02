"""mifeatures: information measures, estimators and selectors on JAX.

Public names load lazily (PEP 562) so that ``import mifeatures`` imports
neither JAX nor scikit-learn until a name that needs them is used.
"""

from importlib import import_module

__version__ = "0.1.0"

_PUBLIC = {
    # information measures of given distributions
    "surprisal": "measures",
    "entropy": "measures",
    "cross_entropy": "measures",
    "kl_divergence": "measures",
    "js_divergence": "measures",
    "gaussian_entropy": "measures",
    "gaussian_kl": "measures",
    # estimators from samples
    "estimate_entropy": "estimation",
    "mutual_info": "estimation",
    "conditional_mutual_info": "estimation",
    "mutual_info_classif": "_dropins",
    "mutual_info_regression": "_dropins",
    "rank_features": "ranking",
    "EntropyDiscretizer": "discretization",
    "mutual_info_matrix": "ranking",
    # significance: permutation p-values (score functions for SelectFdr & co.)
    "mutual_info_test": "significance",
    "mutual_info_classif_test": "significance",
    "mutual_info_regression_test": "significance",
    # scikit-learn estimators
    "MutualInfoSelector": "selection",
    # clustering comparison
    "contingency_matrix": "metrics",
    "mutual_info_score": "metrics",
    "normalized_mutual_info_score": "metrics",
    "adjusted_mutual_info_score": "metrics",
    "variation_of_information": "metrics",
    "normalized_variation_of_information": "metrics",
    "pairwise_scores": "metrics",
    # submodules
    "datasets": None,
    "metrics": None,
    "plotting": None,
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'mifeatures' has no attribute {name!r}")
    module_name = _PUBLIC[name]
    if module_name is None:
        value = import_module(f"{__name__}.{name}")
    else:
        value = getattr(import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
