"""pytest-benchmark plumbing shared by every benchmarks/bench_*.py module.

* collects ``bench_*.py`` (the default test run never looks here: testpaths = tests);
* records the machine with the results: CPU model, fastgrad ISA level, thread counts,
  numpy's BLAS (threadpoolctl), and warns when OPENBLAS_* variables pin numpy's kernels;
* prints a GFLOP/s table with the ratio of each row to the numpy row of its group, for
  rows that put ``extra_info["flops"]`` and ``extra_info["impl"]``.

Run from the project root after an in-place build:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m pytest benchmarks/ -q
Quick mode (small sizes, few rounds, asserts nothing about time): FASTGRAD_BENCH_QUICK=1.
One ISA level for all three frameworks: ``--isa avx2|avx512|native`` (isa_env.py).
"""
import os
import platform
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # built in place, not installed
    sys.path.insert(0, ROOT)

PINNING_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import isa_env  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--isa", choices=sorted(isa_env.ISA_ENV), default=None,
                     help="run fastgrad, numpy's OpenBLAS and torch at one ISA level (isa_env.py)")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """--isa X: re-execute this run with X's environment (the libraries read it when they load)."""
    isa = config.getoption("--isa")
    if isa is not None and isa_env.needs_reexec(isa):
        config.pluginmanager.getplugin("capturemanager").suspend_global_capture(in_=True)
        isa_env.reexec_pytest(isa)


def pytest_collect_file(file_path, parent):
    # a file named on the command line is collected by pytest itself: do not add it twice
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_summary() -> dict:
    from fastgrad._ffi import ISA_NAMES, lib
    names = {v: k for k, v in ISA_NAMES.items()}
    info = {
        "cpu": cpu_model(),
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "fastgrad_isa": names.get(lib.fg_get_isa(), str(lib.fg_get_isa())),
        "fastgrad_threads_default": lib.fg_get_num_threads(),
        "pinning_env": {v: os.environ[v] for v in PINNING_VARS if v in os.environ},
    }
    try:
        import numpy as np  # noqa: F401  (loads the BLAS so threadpoolctl can see it)
        from threadpoolctl import threadpool_info
        info["numpy_blas"] = [
            {k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for d in threadpool_info() if d.get("user_api") == "blas"]
    except ImportError:
        pass
    return info


def pytest_report_header(config):
    info = machine_summary()
    lines = [f"fastgrad benchmarks: cpu={info['cpu']} cpus={info['cpus_available']} "
             f"isa={info['fastgrad_isa']} numpy_blas={info.get('numpy_blas')}"]
    if config.getoption("--isa"):
        lines.append(f"--isa {config.getoption('--isa')}: {isa_env.ISA_ENV[config.getoption('--isa')]}")
    elif info["pinning_env"]:
        lines.append(f"WARNING: {info['pinning_env']} pins numpy's OpenBLAS kernels; "
                     f"unset them for benchmark runs (env -u ...)")
    return lines


@pytest.hookimpl(optionalhook=True)
def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info["fastgrad"] = machine_summary()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    session = getattr(config, "_benchmarksession", None)
    benches = getattr(session, "benchmarks", None) or []
    groups = {}
    for bench in benches:
        extra = getattr(bench, "extra_info", {}) or {}
        if "flops" not in extra or "impl" not in extra or not getattr(bench, "stats", None):
            continue
        groups.setdefault(bench.group, {})[extra["impl"]] = (extra, bench.stats)
    if not groups:
        return
    tr = terminalreporter
    tr.section("GFLOP/s (best round) and time ratio numpy / row (> 1: row is faster)")
    tr.write_line(f"{'group':44s} {'impl':9s} {'threads':>7s} {'GFLOP/s':>9s} {'us/call':>10s} {'vs numpy':>9s}")
    for group in sorted(groups, key=lambda g: (groups[g][next(iter(groups[g]))][0].get("order", 0), g)):
        rows = groups[group]
        ref = rows.get("numpy")
        for impl in sorted(rows, key=lambda i: i != "fastgrad"):
            extra, stats = rows[impl]
            best = stats.min
            ratio = f"{ref[1].min / best:9.2f}" if ref is not None and impl != "numpy" else " " * 9
            tr.write_line(f"{group:44s} {impl:9s} {extra.get('threads', ''):>7} "
                          f"{extra['flops'] / best / 1e9:9.1f} {best * 1e6:10.1f} {ratio}")
