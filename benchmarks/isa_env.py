"""One instruction-set level for every framework in a benchmark run (issue 16, item 6).

``--isa avx2`` runs fastgrad with FASTGRAD_ISA=avx2 beside numpy's OpenBLAS forced to its Haswell
kernel and torch forced to AVX2 (ATEN_CPU_CAPABILITY, MKL_ENABLE_INSTRUCTIONS), so an AVX-512
machine measures the AVX2 path honestly; ``--isa avx512`` pins all three to AVX-512; ``native``
clears the variables.  The libraries read them when they load, so the process re-executes itself
with the new environment (benchmarks/conftest.py does it for pytest).
"""
import os
import sys

ISA_ENV = {
    "avx2": {"FASTGRAD_ISA": "avx2", "OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "avx2",
             "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "avx512": {"FASTGRAD_ISA": "avx512", "OPENBLAS_CORETYPE": "SkylakeX",
               "ATEN_CPU_CAPABILITY": "avx512", "MKL_ENABLE_INSTRUCTIONS": "AVX512"},
    "native": {},
}
ISA_VARS = ("FASTGRAD_ISA", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "ATEN_CPU_CAPABILITY",
            "MKL_ENABLE_INSTRUCTIONS")


def environment_for(isa):
    """os.environ with the ISA variables replaced by those of ``isa``."""
    if isa not in ISA_ENV:
        raise SystemExit(f"--isa: expected one of {sorted(ISA_ENV)}, got {isa!r}")
    env = {k: v for k, v in os.environ.items() if k not in ISA_VARS}
    env.update(ISA_ENV[isa])
    return env


def needs_reexec(isa):
    """True when the current environment differs from what ``isa`` asks for."""
    want = ISA_ENV[isa]
    return any(os.environ.get(v) != want.get(v) for v in ISA_VARS)


def reexec_pytest(isa):
    """Replace this pytest process by the same command under ``isa``'s environment."""
    argv = list(getattr(sys, "orig_argv", [])) or [sys.executable, "-m", "pytest"] + sys.argv[1:]
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + argv[1:], environment_for(isa))
