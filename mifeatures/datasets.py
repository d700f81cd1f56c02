r"""Bundled real datasets and synthetic datasets with known answers.

Real data: the CSV files live in the repository's top-level ``datasets/``
folder, which the wheel installs as the package ``mifeatures.data``; see its
README for source, licence, shape and ground truth.

Synthetic data: the ``make_*`` generators build data whose information
content is known by construction (which features matter, the exact mutual
information, the exact agreement of two labelings), to check estimators and
selectors against. They need no files; ``random_state`` (int, None or
``numpy.random.RandomState``) fixes every draw, as in scikit-learn.
"""

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ._units import log_base

__all__ = [
    "load_credit",
    "load_penguins",
    "make_clusterings",
    "make_correlated_gaussians",
    "make_madelon_like",
    "make_xor",
]


def _data_path(filename):
    try:
        path = resources.files("mifeatures.data") / filename
        if path.is_file():
            return path
    except ModuleNotFoundError:
        pass
    # Running from a source checkout that was not installed.
    return Path(__file__).resolve().parent.parent / "datasets" / filename


def _read_bundled(filename, categorical, numeric=()):
    with _data_path(filename).open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(handle)
    for column in categorical:
        frame[column] = frame[column].astype("category")
    for column in numeric:
        frame[column] = frame[column].astype("float64")
    return frame


def load_penguins():
    """The Palmer penguins: 344 penguins, 3 species, mixed types, missing values.

    Returns
    -------
    pandas.DataFrame of shape (344, 8)
        ``species``, ``island`` and ``sex`` are categorical (``sex`` has 11
        missing values); the four measurements are float64 (2 rows missing);
        ``year`` is int64.

    Notes
    -----
    Gorman, Williams & Fraser (2014), PLoS ONE 9(3): e90081, via the
    palmerpenguins package; licence CC0 1.0. ``species`` is the usual target.

    Examples
    --------
    >>> from mifeatures.datasets import load_penguins
    >>> load_penguins().shape
    (344, 8)
    """
    return _read_bundled("penguins.csv", ("species", "island", "sex"))


CREDIT_CATEGORICAL = ("Status", "Home", "Marital", "Records", "Job")
CREDIT_NUMERIC = ("Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt",
                  "Amount", "Price")


def load_credit():
    """Credit scoring: 4454 loan applicants, good or bad payers, mixed types, missing values.

    Returns
    -------
    pandas.DataFrame of shape (4454, 14)
        ``Status`` (the target: ``good`` or ``bad``), ``Home``, ``Marital``,
        ``Records`` and ``Job`` are categorical (``Home`` has 6 missing
        values, ``Marital`` 1, ``Job`` 2). The nine amounts (``Seniority``
        and ``Age`` in years, ``Time`` the loan term in months, ``Expenses``,
        ``Income``, ``Assets``, ``Debt``, ``Amount`` of the loan and
        ``Price`` of the purchase) are float64, so the dtype rule treats
        them as continuous; ``Income`` has 381 missing values, ``Assets``
        47, ``Debt`` 18.

    Notes
    -----
    ``credit_data`` of the R package modeldata (MIT licence), from
    Dr. Lluís A. Belanche Muñoz's data-mining course by way of Gaston
    Sanchez's CreditScoring repository. ``Amount <= Price`` in every row,
    and applicants with previous default records (``Records == "yes"``)
    are bad payers about 2.5 times as often as the others.

    Examples
    --------
    >>> from mifeatures.datasets import load_credit
    >>> load_credit().shape
    (4454, 14)
    """
    return _read_bundled("credit_data.csv", CREDIT_CATEGORICAL, CREDIT_NUMERIC)


def _rng(random_state):
    from sklearn.utils import check_random_state

    return check_random_state(random_state)


def _check_count(value, name, minimum=0):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def _balanced_labels(n_samples, n_levels, rng):
    """Labels 0..n_levels-1 in equal shares (up to one), in random order."""
    labels = np.arange(n_samples) % n_levels
    rng.shuffle(labels)
    return labels


def _shuffled_frame(columns, roles, prefix, shuffle, rng):
    order = rng.permutation(len(roles)) if shuffle else np.arange(len(roles))
    names = [f"{prefix}{j:02d}" for j in range(len(roles))]
    X = pd.DataFrame(columns[:, order], columns=names)
    return X, pd.Series(np.asarray(roles)[order], index=pd.Index(names, name="feature"),
                        name="role")


def _separating_vertices(n_classes, n_informative, rng):
    """Class means on the vertices of {-1, 1}^d, each coordinate differing between classes."""
    vertices = rng.choice([-1.0, 1.0], size=(n_classes, n_informative))
    vertices[1] = -vertices[0]
    return vertices


def make_madelon_like(n_samples=500, *, n_informative=5, n_redundant=5, n_repeated=2,
                      n_noise=10, n_classes=2, class_sep=1.0, shuffle=True,
                      random_state=None):
    r"""Classification data with informative, redundant, repeated and noise features.

    After Guyon's Madelon (NIPS 2003 feature selection challenge) and
    :func:`sklearn.datasets.make_classification`, but with every informative
    feature informative on its own, so that the roles are a ground truth for
    univariate ranking too.

    - informative: :math:`x_j = s \, v_{y j} + \varepsilon_j`, with class
      means :math:`v_{c j} \in \{-1, 1\}` (classes 0 and 1 have opposite
      signs in every coordinate), :math:`s` = ``class_sep`` and standard
      normal noise;
    - redundant: exact linear combinations :math:`X_{inf} B` of the
      informative features (B standard normal), no extra noise;
    - repeated: exact copies of randomly drawn informative or redundant
      features;
    - noise: standard normal, independent of everything.

    Parameters
    ----------
    n_samples : int, default=500
    n_informative, n_redundant, n_repeated, n_noise : int
        Number of features of each role (``n_informative`` >= 1; a repeated
        feature needs an informative or redundant one to copy).
    n_classes : int, default=2
        Balanced classes ``0 .. n_classes - 1``, at least 2.
    class_sep : float, default=1.0
        Distance of the class means from 0 along each informative feature.
    shuffle : bool, default=True
        Shuffle the columns (``roles`` says which is which); otherwise they
        come in the order informative, redundant, repeated, noise.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : DataFrame of shape (n_samples, n_features), float64
        Columns ``f00``, ``f01``, ...
    y : Series of int64, named ``"y"``
    roles : Series indexed by feature name
        ``"informative"``, ``"redundant"``, ``"repeated"`` or ``"noise"``.

    Examples
    --------
    >>> from mifeatures.datasets import make_madelon_like
    >>> X, y, roles = make_madelon_like(100, random_state=0)
    >>> X.shape, roles.value_counts()["informative"]
    ((100, 22), np.int64(5))
    """
    n_samples = _check_count(n_samples, "n_samples", 1)
    n_informative = _check_count(n_informative, "n_informative", 1)
    n_redundant = _check_count(n_redundant, "n_redundant")
    n_repeated = _check_count(n_repeated, "n_repeated")
    n_noise = _check_count(n_noise, "n_noise")
    n_classes = _check_count(n_classes, "n_classes", 2)
    if not np.isfinite(class_sep):
        raise ValueError(f"class_sep must be a finite number; got {class_sep!r}.")
    rng = _rng(random_state)
    y = _balanced_labels(n_samples, n_classes, rng)
    means = class_sep * _separating_vertices(n_classes, n_informative, rng)
    informative = means[y] + rng.standard_normal((n_samples, n_informative))
    redundant = informative @ rng.standard_normal((n_informative, n_redundant))
    useful = np.hstack([informative, redundant])
    repeated = useful[:, rng.randint(useful.shape[1], size=n_repeated)]
    noise = rng.standard_normal((n_samples, n_noise))
    roles = np.repeat(["informative", "redundant", "repeated", "noise"],
                      [n_informative, n_redundant, n_repeated, n_noise])
    X, roles = _shuffled_frame(np.hstack([useful, repeated, noise]), roles, "f", shuffle, rng)
    return X, pd.Series(y, name="y"), roles


def make_xor(n_samples=1000, *, n_parity=2, n_noise=4, shuffle=True, random_state=None):
    r"""Random bits whose target is the parity of a few of them.

    ``y = (x_a + x_b + ...) mod 2`` over ``n_parity`` fair bits; the other
    ``n_noise`` bits are independent of everything. For ``n_parity >= 2``
    every single bit is independent of ``y``, :math:`I(x_a; y) = 0`, so
    univariate ranking cannot find them, while the parity bits together
    determine ``y``: :math:`I((x_a, x_b, ...); y) = H(y) = \log 2`. Pairwise
    criteria (JMI, CMIM) see the pair through the term :math:`I(x_a; y \mid x_b) = \log 2`
    when ``n_parity == 2``.

    Parameters
    ----------
    n_samples : int, default=1000
    n_parity : int, default=2
        Number of bits in the parity, at least 1.
    n_noise : int, default=4
    shuffle : bool, default=True
        Shuffle the columns; otherwise parity bits come first.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : DataFrame of shape (n_samples, n_parity + n_noise), int64 bits 0/1
        Columns ``b00``, ``b01``, ...; discrete by the dtype rule.
    y : Series of int64, named ``"y"``
    roles : Series indexed by feature name, ``"parity"`` or ``"noise"``.

    Examples
    --------
    >>> from mifeatures.datasets import make_xor
    >>> X, y, roles = make_xor(8, random_state=0)
    >>> bool(((X.loc[:, roles == "parity"].sum(axis=1) % 2) == y).all())
    True
    """
    n_samples = _check_count(n_samples, "n_samples", 1)
    n_parity = _check_count(n_parity, "n_parity", 1)
    n_noise = _check_count(n_noise, "n_noise")
    rng = _rng(random_state)
    bits = rng.randint(2, size=(n_samples, n_parity + n_noise)).astype(np.int64)
    y = bits[:, :n_parity].sum(axis=1) % 2
    roles = np.repeat(["parity", "noise"], [n_parity, n_noise])
    X, roles = _shuffled_frame(bits, roles, "b", shuffle, rng)
    return X, pd.Series(y, name="y"), roles


def _gaussian_mutual_info(covariance, first, second, *, base=None):
    r"""Exact mutual information between two blocks of a multivariate normal.

    .. math:: I(A; B) = \tfrac12 \left(\log\det\Sigma_{AA} + \log\det\Sigma_{BB}
              - \log\det\Sigma_{A \cup B}\right)

    Parameters
    ----------
    covariance : array-like of shape (d, d)
        Positive definite covariance of the whole vector.
    first, second : sequence of int
        Disjoint index sets A and B.
    base : float, default=None
        None gives nats, 2 gives bits.

    Returns
    -------
    float
        For two scalars with correlation :math:`\rho` this is
        :math:`-\tfrac12 \log(1 - \rho^2)`; 0 for independent blocks.
    """
    scale = log_base(base)
    covariance = np.asarray(covariance, dtype=float)
    first, second = list(first), list(second)
    if set(first) & set(second):
        raise ValueError("first and second must be disjoint index sets.")

    def logdet(index):
        sign, value = np.linalg.slogdet(covariance[np.ix_(index, index)])
        if sign <= 0:
            raise ValueError("covariance must be positive definite.")
        return value

    return 0.5 * (logdet(first) + logdet(second) - logdet(first + second)) / scale


def make_correlated_gaussians(n_samples=1000, correlations=(0.9, 0.7, 0.5, 0.3, 0.0), *,
                              base=None, random_state=None):
    r"""Gaussian features with a Gaussian target, and their exact mutual information.

    :math:`y \sim N(0, 1)` and :math:`x_j = \rho_j y + \sqrt{1 - \rho_j^2}\,
    \varepsilon_j` with independent standard normal :math:`\varepsilon_j`, so
    that each :math:`(x_j, y)` is standard bivariate normal with correlation
    :math:`\rho_j`, and the features are conditionally independent given y
    (:math:`\mathrm{Cov}(x_i, x_j) = \rho_i \rho_j`). The exact MI of each
    feature with the target, from that covariance (a ratio of
    determinants), is :math:`-\tfrac12 \log(1 - \rho_j^2)`.

    Parameters
    ----------
    n_samples : int, default=1000
    correlations : sequence of float in (-1, 1)
        One feature per correlation.
    base : float, default=None
        Unit of the returned MI: None gives nats, 2 gives bits.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : DataFrame of shape (n_samples, len(correlations)), float64
        Columns ``x0``, ``x1``, ...
    y : Series of float64, named ``"y"``
    mi : Series indexed by feature name
        The exact (population) MI of each column with ``y``.

    Examples
    --------
    >>> from mifeatures.datasets import make_correlated_gaussians
    >>> X, y, mi = make_correlated_gaussians(10, [0.0, 0.8], random_state=0)
    >>> [round(float(v), 4) for v in mi]
    [0.0, 0.5108]
    """
    n_samples = _check_count(n_samples, "n_samples", 1)
    rho = np.asarray(correlations, dtype=float).reshape(-1)
    if rho.size == 0 or not np.all(np.abs(rho) < 1):
        raise ValueError(f"correlations must be a non-empty sequence of numbers in (-1, 1); "
                         f"got {correlations!r}.")
    rng = _rng(random_state)
    y = rng.standard_normal(n_samples)
    X = rho * y[:, None] + np.sqrt(1 - rho**2) * rng.standard_normal((n_samples, rho.size))
    d = rho.size
    covariance = np.empty((d + 1, d + 1))
    covariance[:d, :d] = np.outer(rho, rho)
    np.fill_diagonal(covariance, 1.0)
    covariance[:d, d] = covariance[d, :d] = rho
    names = [f"x{j}" for j in range(d)]
    mi = [_gaussian_mutual_info(covariance, [j], [d], base=base) for j in range(d)]
    return (pd.DataFrame(X, columns=names), pd.Series(y, name="y"),
            pd.Series(mi, index=pd.Index(names, name="feature"), name="mi"))


def make_clusterings(n_samples=600, n_clusters=4, *, base=None, random_state=None):
    r"""Labelings of the same points with known agreement with a reference.

    The reference has ``n_clusters`` clusters of exactly ``n_samples /
    n_clusters`` points each, so :math:`H(R) = \log k`. The other labelings:

    - ``identical``: the reference itself;
    - ``permuted``: the reference with the label values permuted (the same
      partition: MI = H(R), NMI = AMI = 1, VI = 0);
    - ``merged``: clusters 0 and 1 of the reference merged; a function of
      the reference, so MI = H(M) with
      :math:`H(M) = \tfrac2k \log\tfrac k2 + \tfrac{k-2}k \log k`, and
      :math:`VI = \tfrac2k \log 2`;
    - ``split``: every cluster split in two equal halves; MI = log k,
      :math:`H(S) = \log 2k`, VI = log 2;
    - ``independent``: uniform random labels drawn independently; the
      population MI, NMI and AMI are 0 (sample estimates of MI and NMI
      are biased up by about :math:`(k - 1)^2 / 2n`; AMI corrects for it).

    Parameters
    ----------
    n_samples : int, default=600
        A multiple of ``2 * n_clusters``.
    n_clusters : int, default=4
        At least 3 (merging two clusters must leave two).
    base : float, default=None
        Unit of the MI and VI in ``truth``: None gives nats, 2 gives bits.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    labels : DataFrame of shape (n_samples, 6), int64
        Columns ``reference``, ``identical``, ``permuted``, ``merged``,
        ``split``, ``independent``.
    truth : DataFrame indexed by the five labelings other than the reference
        Exact values against the reference: ``mi``, ``nmi`` (arithmetic
        mean, as scikit-learn's default), ``vi`` and ``ami``; ``ami`` is NaN
        where no closed form exists (``merged``, ``split``), and the
        ``independent`` row holds population values, which a sample only
        approaches.

    Examples
    --------
    >>> from mifeatures.datasets import make_clusterings
    >>> labels, truth = make_clusterings(12, 3, random_state=0)
    >>> float(truth.loc["permuted", "nmi"])
    1.0
    """
    n_samples = _check_count(n_samples, "n_samples", 1)
    n_clusters = _check_count(n_clusters, "n_clusters", 3)
    if n_samples % (2 * n_clusters):
        raise ValueError(f"n_samples must be a multiple of 2 * n_clusters = {2 * n_clusters} "
                         f"(equal clusters, split in equal halves); got {n_samples}.")
    rng = _rng(random_state)
    reference = _balanced_labels(n_samples, n_clusters, rng)
    order = rng.permutation(n_clusters)
    permutation = np.empty(n_clusters, dtype=np.int64)
    permutation[order] = np.roll(order, -1)  # one k-cycle: every label changes
    halves = np.empty(n_samples, dtype=np.int64)
    for cluster in range(n_clusters):
        members = np.flatnonzero(reference == cluster)
        halves[members] = rng.permutation(len(members)) % 2
    labels = pd.DataFrame({
        "reference": reference,
        "identical": reference.copy(),
        "permuted": permutation[reference],
        "merged": np.maximum(reference, 1),
        "split": 2 * reference + halves,
        "independent": rng.randint(n_clusters, size=n_samples),
    }).astype(np.int64)
    return labels, _clustering_truth(n_clusters, log_base(base))


def _clustering_truth(k, scale):
    h_ref = np.log(k)
    h_merged = (2 / k) * np.log(k / 2) + ((k - 2) / k) * np.log(k)
    h_split = np.log(2 * k)
    rows = {  # (MI, H(labeling)); the independent labels have H = log k in the population
        "identical": (h_ref, h_ref),
        "permuted": (h_ref, h_ref),
        "merged": (h_merged, h_merged),
        "split": (h_ref, h_split),
        "independent": (0.0, h_ref),
    }
    mi = np.array([r[0] for r in rows.values()])
    h_other = np.array([r[1] for r in rows.values()])
    truth = pd.DataFrame({
        "mi": mi / scale,
        "nmi": 2 * mi / (h_ref + h_other),
        "vi": (h_ref + h_other - 2 * mi) / scale,
        "ami": [1.0, 1.0, np.nan, np.nan, 0.0],
    }, index=pd.Index(list(rows), name="labeling"))
    return truth
