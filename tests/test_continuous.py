"""Accuracy of the continuous estimators against closed forms."""

import numpy as np
import pytest
from sklearn.feature_selection._mutual_info import _compute_mi_cc, _compute_mi_cd

from mifeatures import _engine


def test_kl_entropy_of_normal_and_uniform(rng):
    normal = rng.normal(size=10_000)
    assert _engine.kl_entropy(normal, 3) == pytest.approx(0.5 * np.log(2 * np.pi * np.e),
                                                          abs=0.02)
    uniform = rng.uniform(0, 2, size=10_000)
    assert _engine.kl_entropy(uniform, 3) == pytest.approx(np.log(2), abs=0.02)
    cov = np.array([[1.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.5]])
    sample = rng.multivariate_normal(np.zeros(3), cov, size=4000)
    expected = 0.5 * (3 * np.log(2 * np.pi * np.e) + np.linalg.slogdet(cov)[1])
    assert _engine.kl_entropy(sample, 3) == pytest.approx(expected, abs=0.08)


# n = 5000 is the accuracy bar of issue 4; tests/test_estimation_continuous.py checks it
# in the default run through mutual_info, whose numbers equal scikit-learn's (and so this
# kernel's). Here a 1000-row case shares the compiled shape of tests/kernels/test_knn.py.
@pytest.mark.parametrize("n, tolerance", [(1000, 0.1), pytest.param(5000, 0.05,
                                                                    marks=pytest.mark.slow)])
def test_ksg_of_bivariate_normal_and_exactness(rng, n, tolerance):
    rho = 0.8
    xy = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    (mi,) = _engine.ksg_mi_columns(xy[:, :1], xy[:, 1], 3)
    assert mi == pytest.approx(-0.5 * np.log(1 - rho**2), abs=tolerance)
    assert mi == pytest.approx(_compute_mi_cc(xy[:, 0], xy[:, 1], 3), rel=1e-12)


@pytest.mark.parametrize("n_neighbors", [pytest.param(1, marks=pytest.mark.slow), 3,
                                         pytest.param(5, marks=pytest.mark.slow)])
def test_ross_equals_sklearn_with_ties_and_small_classes(rng, n_neighbors):
    n = 3000
    x = np.round(rng.normal(size=n), 1) + 1e-10 * rng.normal(size=n)
    y = rng.choice(5, size=n, p=[0.5, 0.3, 0.197, 0.002, 0.001])
    X = np.column_stack([x, x**2, rng.normal(size=n)])
    ours = _engine.ross_mi_columns(X, y, 5, n_neighbors)
    theirs = [_compute_mi_cd(X[:, j], y, n_neighbors) for j in range(3)]
    np.testing.assert_allclose(np.maximum(ours, 0), theirs, rtol=1e-6, atol=1e-10)


@pytest.mark.slow  # one more compile of the shared-target kernel; test_knn covers it at n=200
def test_shared_continuous_target_equals_the_feature_kernel(rng):
    n = 3000
    x = np.round(rng.normal(size=n), 1) + 1e-10 * rng.normal(size=n)
    y = rng.choice(5, size=n, p=[0.5, 0.3, 0.197, 0.002, 0.001])
    ours = _engine.ross_mi_columns(x[:, None], y, 5, 3)
    shared = _engine.ross_mi_shared_continuous(x, y[:, None], 5, 3)
    np.testing.assert_allclose(shared, ours, rtol=1e-12)
