"""examples/ddp_train.py under mpiexec: the data-parallel accuracy equals single-process
training on the combined batches (the README's command, shortened)."""
import os
import re
import subprocess
import sys

import pytest

from mpi_launch import mpiexec, needs_mpi

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                       "examples", "ddp_train.py")


@needs_mpi
@pytest.mark.parametrize("n,batch", [(2, 64), (3, 63)])
def test_ddp_example_matches_single_process(n, batch):
    cmd = [mpiexec(), "-n", str(n), sys.executable, EXAMPLE, "--epochs", "3", "--batch-size", str(batch)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stdout + p.stderr
    ddp = re.search(r"final test accuracy: ([\d.]+)%", p.stdout)
    single = re.search(r"single-process on the combined batches: ([\d.]+)% \(largest parameter difference (\S+)\)",
                       p.stdout)
    assert ddp and single, p.stdout
    assert ddp.group(1) == single.group(1)
    assert float(single.group(2)) < 1e-5
    assert float(ddp.group(1)) > 80
