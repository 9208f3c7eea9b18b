"""Shared fixtures: a seeded numpy Generator, the compiled library, ISA levels."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def lib():
    from fastgrad._ffi import lib as _lib
    return _lib


def _supported_isas():
    from fastgrad._ffi import lib as _lib
    return [lvl for lvl in (0, 1, 2) if _lib.fg_cpu_supports(lvl)]


@pytest.fixture(params=[0, 1, 2], ids=["reference", "avx2", "avx512"])
def isa(request):
    """Run a kernel test once per ISA level this CPU supports (others are skipped)."""
    from fastgrad._ffi import lib as _lib
    level = request.param
    if not _lib.fg_cpu_supports(level):
        pytest.skip(f"CPU lacks ISA level {level}")
    before = _lib.fg_get_isa()
    assert _lib.fg_set_isa(level) == 0
    yield level
    _lib.fg_set_isa(before)
