r"""Clustering comparison: mutual information, its normalised and adjusted forms, VI.

The same numbers as ``sklearn.metrics`` (``mutual_info_score``,
``normalized_mutual_info_score``, ``adjusted_mutual_info_score``,
``contingency_matrix``), edge cases included, plus the variation of
information (Meila 2007) and :func:`pairwise_scores` for many labelings.

Labels may be lists, NumPy arrays, pandas or polars Series of any hashable
type. Arguments are checked without scikit-learn and the counting runs in
NumPy: importing this module and a first call import neither it nor JAX.

Deliberate difference from scikit-learn: empty labelings raise ``ValueError``
(scikit-learn returns 1.0 for the NMI and AMI of two empty labelings).

The scores and ``contingency_matrix`` also take two dask Series (the
``mifeatures[dask]`` extra; partitioned alike, for example two columns of one
dask DataFrame): each partition counts its table on the raw labels, the
tables are summed, and the numbers equal the in-memory ones.
"""

import numpy as np
import pandas as pd

from . import _adapters, _labelings
from ._dask import holds_dask, is_dask
from .kernels import clustering

__all__ = [
    "adjusted_mutual_info_score",
    "contingency_matrix",
    "mutual_info_score",
    "normalized_mutual_info_score",
    "normalized_variation_of_information",
    "pairwise_scores",
    "variation_of_information",
]

AVERAGE_METHODS = clustering.AVERAGE_METHODS
NORMALIZATIONS = ("joint", "log_n")
METRICS = ("mi", "nmi", "ami", "vi", "nvi")


def _check_option(value, options, arg):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{arg} must be one of {options}; got {value!r}.")


def _pair(labels_true, labels_pred, warn_continuous=True):
    named = {"labels_true": labels_true, "labels_pred": labels_pred}
    return _labelings.encode_labelings(named, warn_continuous, stacklevel=6)


def _score(labels_true, labels_pred, metric, **options):
    if is_dask(labels_true, labels_pred):
        from ._dask.metrics import pair_score

        return pair_score(labels_true, labels_pred, metric, **options)
    pair = _pair(labels_true, labels_pred)
    return float(_labelings.pair_scores(pair, [0], [1], metric, **options)[0])


def contingency_matrix(labels_true, labels_pred, *, sparse=False):
    """Contingency matrix of two labelings.

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)
        Labels of any hashable type.
    sparse : bool, default=False
        Return a ``scipy.sparse.csr_matrix`` instead of a dense array.

    Returns
    -------
    ndarray of int64 of shape (n_classes, n_clusters), DataFrame or csr_matrix
        ``C[i, j]`` is the number of samples in class ``i`` of ``labels_true``
        and cluster ``j`` of ``labels_pred``; rows and columns follow the
        sorted label values, as in ``sklearn.metrics.cluster.contingency_matrix``.
        When either labeling is a pandas Series (and ``sparse=False``), a
        DataFrame whose index and columns are the label values.

    Notes
    -----
    Only labels that occur get a row or column (unused categories do not).
    Labels of types that cannot be compared keep their order of first
    occurrence. Empty input raises ``ValueError``.

    Examples
    --------
    >>> from mifeatures.metrics import contingency_matrix
    >>> contingency_matrix(["a", "a", "b"], [1, 0, 0])
    array([[1, 1],
           [1, 0]])
    """
    if not isinstance(sparse, (bool, np.bool_)):
        raise TypeError(f"sparse must be True or False; got {sparse!r}.")
    if is_dask(labels_true, labels_pred):
        from ._dask.metrics import contingency_matrix as dask_contingency_matrix

        return dask_contingency_matrix(labels_true, labels_pred, sparse=sparse)
    u, v = _pair(labels_true, labels_pred, warn_continuous=False)
    row, col, count = _labelings.table_cells(u, v)
    rows, row_values = _labelings.level_values(u)
    cols, col_values = _labelings.level_values(v)
    row_position = np.empty(u.sizes.shape[0], dtype=np.intp)
    row_position[rows] = np.arange(rows.shape[0])
    col_position = np.empty(v.sizes.shape[0], dtype=np.intp)
    col_position[cols] = np.arange(cols.shape[0])
    shape = (rows.shape[0], cols.shape[0])
    if sparse:
        from scipy.sparse import csr_matrix

        return csr_matrix((count, (row_position[row], col_position[col])), shape=shape,
                          dtype=np.int64)
    table = np.zeros(shape, dtype=np.int64)
    table[row_position[row], col_position[col]] = count
    if isinstance(u.column, pd.Series) or isinstance(v.column, pd.Series):
        names = [getattr(x, "name", None) for x in (labels_true, labels_pred)]
        return pd.DataFrame(table, index=pd.Index(row_values, name=names[0]),
                            columns=pd.Index(col_values, name=names[1]))
    return table


def mutual_info_score(labels_true, labels_pred, *, contingency=None, base=None):
    r"""Mutual information between two clusterings.

    .. math::

        I(U; V) = \sum_{i, j} \frac{n_{ij}}{n} \log \frac{n \, n_{ij}}{a_i b_j}

    with :math:`n_{ij}` the contingency table, :math:`a_i` and :math:`b_j` its
    row and column sums (the cluster sizes).

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)
        Two labelings of the same samples, labels of any hashable type. Ignored
        when ``contingency`` is given (they may then be None).
    contingency : array-like or sparse matrix of shape (n_classes, n_clusters), default=None
        A contingency table of counts to use instead of the labels.
    base : float, default=None
        Logarithm base: None gives nats (as scikit-learn), 2 gives bits.

    Returns
    -------
    float
        MI in nats (or the unit of ``base``); equals
        ``sklearn.metrics.mutual_info_score`` (in nats).

    Notes
    -----
    Computed as H(U) + H(V) - H(U, V) from the occupied cells; exactly 0 when
    either labeling is a single cluster, and rounding residues below 0 are
    returned as 0. Non-integer float labels warn (``UserWarning``) and each
    distinct value becomes a cluster, as in scikit-learn. Empty input raises
    ``ValueError``.

    Examples
    --------
    >>> from mifeatures.metrics import mutual_info_score
    >>> round(mutual_info_score([0, 1, 1, 0, 1, 0], [0, 1, 0, 0, 1, 1]), 4)
    0.0566
    >>> mutual_info_score(["a", "a", "b", "b"], [1, 1, 0, 0], base=2)
    1.0
    """
    scale = _adapters.log_base(base)
    if contingency is None:
        return _score(labels_true, labels_pred, "mi") / scale
    h_u, h_v, h_joint, rows, cols = _labelings.contingency_entropies(contingency)
    return float(clustering.mutual_info(np, h_u, h_v, h_joint, rows <= 1, cols <= 1)) / scale


def normalized_mutual_info_score(labels_true, labels_pred, *, average_method="arithmetic"):
    r"""Normalized mutual information (NMI) between two clusterings.

    .. math::

        NMI(U, V) = \frac{I(U; V)}{\operatorname{mean}(H(U), H(V))}

    where the mean is the minimum, geometric, arithmetic or maximum.

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)
        Two labelings of the same samples (any hashable labels).
    average_method : {"min", "geometric", "arithmetic", "max"}, default="arithmetic"
        The mean of the two entropies in the denominator.

    Returns
    -------
    float
        In [0, 1]; 1 for identical labelings up to label names.

    Notes
    -----
    Edge cases as ``sklearn.metrics.normalized_mutual_info_score``: both
    labelings a single cluster gives 1.0; otherwise MI = 0 gives 0.0
    whatever the mean. Empty input raises ``ValueError`` (scikit-learn
    returns 1.0).

    Examples
    --------
    >>> from mifeatures.metrics import normalized_mutual_info_score
    >>> normalized_mutual_info_score([0, 0, 1, 1], ["b", "b", "a", "a"])
    1.0
    >>> normalized_mutual_info_score([0, 0, 0, 0], [0, 1, 2, 3])
    0.0
    """
    _check_option(average_method, AVERAGE_METHODS, "average_method")
    return _score(labels_true, labels_pred, "nmi", average_method=average_method)


def adjusted_mutual_info_score(labels_true, labels_pred, *, average_method="arithmetic"):
    r"""Adjusted mutual information (AMI): MI corrected for chance.

    .. math::

        AMI(U, V) = \frac{I(U; V) - E[I]}{\operatorname{mean}(H(U), H(V)) - E[I]}

    with :math:`E[I]` the expected MI of random labelings with the same
    cluster sizes (the hypergeometric permutation model of Vinh, Epps &
    Bailey, JMLR 2010).

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)
        Two labelings of the same samples (any hashable labels).
    average_method : {"min", "geometric", "arithmetic", "max"}, default="arithmetic"
        The mean of the two entropies in the denominator.

    Returns
    -------
    float
        At most 1 (identical labelings); about 0 for independent labelings,
        and possibly negative.

    Notes
    -----
    E[I] is summed over the *distinct* cluster sizes of each labeling, each
    hypergeometric sum truncated to its mean +- (40 sd + 10) where the terms
    vanish, with one log-factorial table: the same value as scikit-learn to
    about 1e-10 relative (both sides lose that much to cancellation), orders
    of magnitude faster when there are many clusters. Edge cases as
    scikit-learn: both labelings one cluster gives 1.0, exactly one of them
    one cluster gives 0.0. Empty input raises ``ValueError``.

    Examples
    --------
    >>> from mifeatures.metrics import adjusted_mutual_info_score
    >>> adjusted_mutual_info_score([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> adjusted_mutual_info_score([0, 0, 0, 0], [0, 1, 2, 3])
    0.0
    """
    _check_option(average_method, AVERAGE_METHODS, "average_method")
    return _score(labels_true, labels_pred, "ami", average_method=average_method)


def variation_of_information(labels_true, labels_pred, *, base=None):
    r"""Variation of information (VI) between two clusterings (Meila 2007).

    .. math::

        VI(U, V) = H(U \mid V) + H(V \mid U) = H(U) + H(V) - 2 I(U; V)

    A metric on partitions: non-negative, zero exactly for identical
    partitions, symmetric, and it satisfies the triangle inequality.

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)
        Two labelings of the same samples (any hashable labels).
    base : float, default=None
        None gives nats, 2 gives bits.

    Returns
    -------
    float
        VI in nats (or the unit of ``base``), between 0 and log n.

    Notes
    -----
    Computed as 2 H(U, V) - H(U) - H(V); identical partitions (one occupied
    cell per row and per column) give exactly 0.0, not a rounding residue.
    Empty input raises ``ValueError``.

    References
    ----------
    Meila, M. (2007). Comparing clusterings: an information based distance.
    Journal of Multivariate Analysis 98, 873-895.

    Examples
    --------
    >>> from mifeatures.metrics import variation_of_information
    >>> variation_of_information([0, 0, 1, 1], [0, 0, 0, 0], base=2)
    1.0
    """
    scale = _adapters.log_base(base)
    return _score(labels_true, labels_pred, "vi") / scale


def normalized_variation_of_information(labels_true, labels_pred, *, normalization="joint"):
    r"""Variation of information scaled to [0, 1].

    .. math::

        NVI_{joint} = \frac{VI(U, V)}{H(U, V)} = 1 - \frac{I(U; V)}{H(U, V)},
        \qquad NVI_{\log n} = \frac{VI(U, V)}{\log n}

    Parameters
    ----------
    labels_true, labels_pred : array-like of shape (n_samples,)
        Two labelings of the same samples (any hashable labels).
    normalization : {"joint", "log_n"}, default="joint"
        ``"joint"`` divides by the joint entropy, which keeps the triangle
        inequality (a metric in [0, 1]); ``"log_n"`` divides by the upper
        bound log n of VI over all partitions of n samples (Meila 2007), which
        makes values comparable across labelings of the same n.

    Returns
    -------
    float
        In [0, 1]; exactly 0 for identical labelings (also when both are a
        single cluster, or n = 1), 1 for independent ones (``"joint"``).

    Examples
    --------
    >>> from mifeatures.metrics import normalized_variation_of_information
    >>> normalized_variation_of_information([0, 0, 1, 1], [0, 1, 0, 1])
    1.0
    """
    _check_option(normalization, NORMALIZATIONS, "normalization")
    return _score(labels_true, labels_pred, "nvi", normalization=normalization)


def pairwise_scores(labelings, metric="nmi", *, average_method=None, normalization=None,
                    base=None):
    """Scores of every pair of labelings, as a symmetric DataFrame.

    Parameters
    ----------
    labelings : DataFrame, list, dict or 2-D array
        The labelings to compare: the columns of a DataFrame (or of an array of
        shape (n_samples, n_labelings)), the items of a list, or the values of a
        dict, all of the same length. Also a dask DataFrame, or a list or dict
        of dask Series partitioned alike: one pass counts the tables of all
        pairs on the raw labels, with the same scores (to rounding).
    metric : {"mi", "nmi", "ami", "vi", "nvi"}, default="nmi"
        :func:`mutual_info_score`, :func:`normalized_mutual_info_score`,
        :func:`adjusted_mutual_info_score`, :func:`variation_of_information`
        or :func:`normalized_variation_of_information`.
    average_method : {"min", "geometric", "arithmetic", "max"}, default=None
        For "nmi" and "ami" (None means "arithmetic").
    normalization : {"joint", "log_n"}, default=None
        For "nvi" (None means "joint").
    base : float, default=None
        For "mi" and "vi": None gives nats, 2 gives bits.

    Returns
    -------
    DataFrame of shape (n_labelings, n_labelings)
        Entry ``(i, j)`` equals ``metric(labelings[i], labelings[j])``; index
        and columns are the DataFrame's columns, the dict's keys, the names of a
        list of named Series, or positions.

    Notes
    -----
    Each labeling is encoded once; the contingency tables of all pairs are
    counted in batches of pairs by one ``bincount`` (or one row-wise sort, for
    sparse tables) per batch, and every score follows from the entropies of
    the labelings and the joint entropy of each pair. The diagonal is computed
    like any other pair (NMI 1 up to rounding, VI exactly 0).

    Examples
    --------
    >>> import pandas as pd
    >>> from mifeatures.metrics import pairwise_scores
    >>> runs = pd.DataFrame({"a": [0, 0, 1, 1], "b": [1, 1, 0, 0], "c": [0, 1, 0, 1]})
    >>> pairwise_scores(runs, "nmi").round(3)
         a    b    c
    a  1.0  1.0  0.0
    b  1.0  1.0  0.0
    c  0.0  0.0  1.0
    """
    _check_option(metric, METRICS, "metric")
    if average_method is not None and metric not in ("nmi", "ami"):
        raise ValueError(f"average_method applies to metric 'nmi' or 'ami', not {metric!r}.")
    if normalization is not None and metric != "nvi":
        raise ValueError(f"normalization applies to metric 'nvi', not {metric!r}.")
    if base is not None and metric not in ("mi", "vi"):
        raise ValueError(f"base applies to metric 'mi' or 'vi'; {metric!r} has no unit.")
    average_method = "arithmetic" if average_method is None else average_method
    normalization = "joint" if normalization is None else normalization
    _check_option(average_method, AVERAGE_METHODS, "average_method")
    _check_option(normalization, NORMALIZATIONS, "normalization")
    scale = _adapters.log_base(base)
    if holds_dask(labelings):
        from ._dask.metrics import pairwise_scores as dask_pairwise_scores

        return dask_pairwise_scores(labelings, metric, average_method=average_method,
                                    normalization=normalization, scale=scale)

    keys, named = _labelings.named_labelings(labelings)
    encoded = _labelings.encode_labelings(named)
    first, second = np.triu_indices(len(encoded))
    scores = _labelings.pair_scores(encoded, first, second, metric,
                                    average_method=average_method,
                                    normalization=normalization) / scale
    matrix = np.empty((len(encoded), len(encoded)))
    matrix[first, second] = scores
    matrix[second, first] = scores
    return pd.DataFrame(matrix, index=pd.Index(keys), columns=pd.Index(keys))

