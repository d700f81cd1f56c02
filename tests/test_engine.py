import jax
import numpy as np
import pytest

from mifeatures import _engine


@pytest.mark.parametrize("size", [1, 15, 16, 17, 255, 256, 257, 16384, 16385, 99_999, 10**6,
                                  2**20 + 1, 3 * 2**25])
def test_buckets_hold_the_size_with_bounded_padding(size):
    b = _engine.bucket(size)
    assert b >= size and b >= 16
    if size > 2**14:
        assert b <= 1.25 * size
    else:
        assert b < 2 * max(size, 16)


def test_buckets_are_few():
    buckets = {_engine.bucket(n) for n in range(16, 2**20, 97)}
    assert len(buckets) < 40


def test_padding_never_changes_entropies(rng):
    codes = rng.integers(0, 5, 300)
    counts = np.bincount(codes)
    p = counts / counts.sum()
    expected = -(p * np.log(p)).sum()
    (h,) = _engine.entropies([codes], [5])
    assert h == pytest.approx(expected, rel=1e-13)


def test_no_recompile_for_sizes_in_the_same_bucket(rng):
    _engine.entropies([rng.integers(0, 3, 300)], [3])
    before = _engine._entropies_of_rows._cache_size()
    for n in (290, 301, 350, 400, 511):
        _engine.entropies([rng.integers(0, 3, n)], [3])
    assert _engine._entropies_of_rows._cache_size() == before


def test_results_are_numpy_float64_and_x64_stays_off(rng):
    before = jax.config.jax_enable_x64
    out = _engine.entropies([rng.integers(0, 3, 40), rng.integers(0, 2, 40)], [3, 2])
    assert type(out) is np.ndarray and out.dtype == np.float64
    mi, flags = _engine.mutual_info_columns(rng.integers(0, 3, size=(40, 2)),
                                            rng.integers(0, 2, 40), 2)
    assert mi.dtype == np.float64 and flags.dtype == bool
    assert jax.config.jax_enable_x64 == before


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint16, np.int8])
@pytest.mark.parametrize("n, p, offset", [(3001, 7, 0), (2999, 13, 1), (5000, 1, 3), (40, 3, 2)])
@pytest.mark.parametrize("threads", [1, 2])
def test_chunks_and_remainder_count_every_element_once(monkeypatch, order, dtype, n, p, offset,
                                                       threads):
    """Zero-copy chunks (one chain per thread), wrap-around rows and the NumPy remainder
    add up exactly."""
    from sklearn.metrics import mutual_info_score

    monkeypatch.setattr(_engine.counting, "_THREADS", threads)
    monkeypatch.setattr(_engine.counting, "CHUNK_ELEMENTS", 4096)
    monkeypatch.setattr(_engine.counting, "SUB_ELEMENTS", 256)
    rng = np.random.default_rng(n + p)
    # A view starting `offset` elements into a buffer moves the 64-byte boundary.
    buffer = rng.integers(0, 6, size=n * p + offset).astype(dtype)
    X = buffer[offset:].reshape((n, p) if order == "C" else (p, n))
    X = X if order == "C" else X.T
    y = rng.integers(0, 5, n)
    mi, flags = _engine.mutual_info_columns(X, y, 5)
    expected = [mutual_info_score(X[:, j], y) for j in range(p)]
    assert not flags.any()
    np.testing.assert_allclose(mi, expected, rtol=1e-12, atol=1e-15)


def test_codes_outside_the_guess_are_flagged(monkeypatch):
    monkeypatch.setattr(_engine.counting, "CHUNK_ELEMENTS", 4096)
    X = np.zeros((6000, 4), dtype=np.int64)
    X[5000, 1] = 7000   # above MAX_GUESSED_LEVELS, in a chunk
    X[5999, 2] = -1     # negative, in the remainder
    X[:, 3] = np.arange(6000) % 3
    mi, flags = _engine.mutual_info_columns(X, np.arange(6000) % 2, 2)
    assert flags.tolist() == [False, True, True, False]
