"""Shared fixtures: a seeded numpy Generator, the compiled library, ISA levels.  The tests live in
folders that mirror the package (kernels/, ops/, autograd/, nn/, optim/, system/); this folder is on
sys.path so that they import the op-case tables (opcases_*.py) and their helpers (opcases/)."""
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture(autouse=True)
def _seeded_fastgrad():
    """Every test starts from the same fastgrad random stream, so a run is repeatable: an unlucky
    draw fails every time (and is fixed) instead of once in a hundred CI runs."""
    import fastgrad
    fastgrad.manual_seed(20261205)


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


def pytest_runtest_setup(item):
    """torch (when a parity test imported it) runs single-threaded: its thread pool is ~50x
    slower on a loaded 2-core machine, and parity does not depend on it."""
    import sys
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


@pytest.fixture
def fast_switching():
    """Hand the GIL over as often as possible (1 us switch interval), so a race shows within a few
    rounds."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)
