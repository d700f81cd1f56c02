r"""Clustering-comparison formulas, written once for NumPy and JAX.

Every function takes the array module ``xp`` (``numpy`` or ``jax.numpy``)
first, so that one implementation serves the NumPy path of
``mifeatures.metrics`` and any jitted caller. Nothing here validates, jits
or reduces over data-dependent shapes; every function is elementwise over
batches (of labelings, or of pairs of labelings).

All the scores follow from three entropies of a pair of labelings U and V:
H(U), H(V) and the joint entropy H(U, V), each the plug-in entropy of a set
of counts (cluster sizes, or the occupied cells of the contingency table):

.. math::

    I(U; V) = H(U) + H(V) - H(U, V), \qquad
    VI(U, V) = H(U \mid V) + H(V \mid U) = 2 H(U, V) - H(U) - H(V).

Callers compute :func:`entropy_terms` per count and sum them per labeling
or per pair (``xp.sum`` for one, a segment sum for many at once), then pass
the sums through the functions below, which apply scikit-learn's edge-case
rules.
"""

__all__ = [
    "AVERAGE_METHODS",
    "adjusted_mutual_info",
    "entropy_terms",
    "generalized_average",
    "log_counts",
    "mutual_info",
    "normalized_mutual_info",
    "normalized_variation_of_information",
    "variation_of_information",
]

AVERAGE_METHODS = ("min", "geometric", "arithmetic", "max")


def log_counts(xp, counts):
    """``log`` of non-negative counts, with 0 (not -inf) for a zero count."""
    return xp.log(xp.maximum(xp.asarray(counts) * 1.0, 1.0))


def entropy_terms(xp, c, log_c, n):
    r"""Terms of the plug-in entropy :math:`H = \sum_i \frac{c_i}{n}(\log n - \log c_i)`.

    Written as scikit-learn's ``_entropy`` writes it (a difference of logs of
    counts, never the log of a ratio). ``log_c`` is ``log c`` (callers may
    take it by table lookup); zero counts with a finite ``log_c``, as
    :func:`log_counts` gives, contribute exactly 0, so padded or unobserved
    levels change nothing.
    """
    return (c / n) * (xp.log(n * 1.0) - log_c)


def mutual_info(xp, h_u, h_v, h_joint, single_u, single_v):
    r"""Plug-in mutual information :math:`I = H(U) + H(V) - H(U, V)`, in nats.

    Equal to :math:`\sum_{ij} \frac{n_{ij}}{n} \log \frac{n \, n_{ij}}{a_i b_j}`
    (the formula of ``sklearn.metrics.mutual_info_score``) up to rounding.
    Exactly 0 when either labeling is a single cluster; a rounding residue
    below 0 is returned as 0.
    """
    return xp.where(single_u | single_v, 0.0, xp.maximum(h_u + h_v - h_joint, 0.0))


def variation_of_information(xp, h_u, h_v, h_joint, identical):
    r"""Variation of information :math:`VI = 2 H(U, V) - H(U) - H(V)` (Meila 2007).

    ``identical`` marks pairs whose tables have exactly one occupied cell per
    row and per column (the same partition under other names): their VI is
    exactly 0, not a rounding residue. A residue below 0 is returned as 0.
    """
    vi = xp.maximum((h_joint - h_u) + (h_joint - h_v), 0.0)
    return xp.where(identical, 0.0, vi)


def generalized_average(xp, h_u, h_v, method):
    """The mean of two entropies named by ``method`` (one of ``AVERAGE_METHODS``)."""
    if method == "min":
        return xp.minimum(h_u, h_v)
    if method == "geometric":
        return xp.sqrt(h_u * h_v)
    if method == "arithmetic":
        return (h_u + h_v) / 2.0
    if method == "max":
        return xp.maximum(h_u, h_v)
    raise ValueError(f"average_method must be one of {AVERAGE_METHODS}; got {method!r}.")


def normalized_mutual_info(xp, mi, h_u, h_v, single_u, single_v, method):
    r"""NMI = I(U; V) / mean(H(U), H(V)), with scikit-learn's edge cases.

    Both labelings a single cluster: 1 (a perfect match). Otherwise MI == 0
    gives 0 whatever the mean (this covers one labeling being a single
    cluster). The result is clipped to [0, 1] (MI <= min(H(U), H(V)) up to
    rounding).
    """
    mean = generalized_average(xp, h_u, h_v, method)
    ratio = xp.minimum(mi / xp.where(mi == 0, 1.0, mean), 1.0)
    return xp.where(single_u & single_v, 1.0, xp.where(mi == 0, 0.0, ratio))


def _away_from_zero(xp, x, eps):
    """scikit-learn's guard: keep the sign, but never closer to 0 than ``eps``."""
    return xp.where(x < 0, xp.minimum(x, -eps), xp.maximum(x, eps))


def adjusted_mutual_info(xp, mi, emi, h_u, h_v, single_u, single_v, method):
    r"""AMI = (I - E[I]) / (mean(H(U), H(V)) - E[I]) (Vinh, Epps & Bailey 2010).

    Edge cases as scikit-learn: both labelings one cluster gives 1, exactly
    one of them one cluster gives 0; numerator and denominator are kept at
    least one float64 epsilon away from 0 with their signs, so that a perfect
    match whose expectation equals its maximum still gives 1.
    """
    eps = xp.finfo(xp.result_type(float)).eps
    mean = generalized_average(xp, h_u, h_v, method)
    ratio = _away_from_zero(xp, mi - emi, eps) / _away_from_zero(xp, mean - emi, eps)
    return xp.where(single_u & single_v, 1.0, xp.where(single_u | single_v, 0.0, ratio))


def normalized_variation_of_information(xp, vi, h_joint, n, normalization):
    r"""VI / H(U, V) (``"joint"``) or VI / log n (``"log_n"``), clipped to [0, 1].

    Both normalisers bound VI (VI = H(U, V) - I(U; V) <= H(U, V) <= log n), so
    the clip removes rounding only. A zero normaliser (one sample, or both
    labelings a single cluster) means VI = 0 and gives 0.
    """
    if normalization == "joint":
        scale = h_joint
    elif normalization == "log_n":
        scale = xp.log(n * 1.0)
    else:
        raise ValueError(f"normalization must be 'joint' or 'log_n'; got {normalization!r}.")
    positive = scale > 0
    return xp.where(positive, xp.clip(vi / xp.where(positive, scale, 1.0), 0.0, 1.0), 0.0)
