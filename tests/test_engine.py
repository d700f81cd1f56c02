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


def test_row_blocks_add_up(rng, monkeypatch):
    monkeypatch.setattr(_engine, "BLOCK_ROWS", 64)
    X = rng.integers(0, 6, size=(1000, 3))
    y = rng.integers(0, 4, 1000)
    mi, flags = _engine.mutual_info_columns(X, y, 4)
    monkeypatch.setattr(_engine, "BLOCK_ROWS", 4096)
    mi_one_block, _ = _engine.mutual_info_columns(X, y, 4)
    assert not flags.any()
    np.testing.assert_allclose(mi, mi_one_block, rtol=1e-13)
