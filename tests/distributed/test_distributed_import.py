"""fastgrad never imports mpi4py; without it fastgrad.distributed imports, is_available() is
False and init_process_group names the extra."""
import subprocess
import sys

import pytest


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_import_fastgrad_never_imports_mpi4py():
    p = _run("import sys, fastgrad, fastgrad.distributed, fastgrad.nn.parallel, fastgrad.utils.data\n"
             "assert 'mpi4py' not in sys.modules, 'mpi4py imported'\nprint('fine')")
    assert p.returncode == 0 and "fine" in p.stdout, p.stderr


def test_without_mpi4py_init_names_the_extra():
    p = _run("import sys\nsys.modules['mpi4py'] = None  # as if not installed\n"
             "import fastgrad.distributed as dist\nassert not dist.is_available()\n"
             "try:\n    dist.init_process_group('mpi')\nexcept ImportError as e:\n    print(e)\n")
    assert p.returncode == 0, p.stderr
    assert "pip install fastgrad[mpi]" in p.stdout


def test_not_initialized_and_bad_backend():
    import fastgrad.distributed as dist
    assert not dist.is_initialized()
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            fn()
    with pytest.raises(ValueError, match="supports the 'mpi' backend only"):
        dist.init_process_group("nccl")


def test_ddp_needs_a_process_group():
    import fastgrad.nn as nn
    from fastgrad.nn.parallel import DistributedDataParallel
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedDataParallel(nn.Linear(2, 2))
