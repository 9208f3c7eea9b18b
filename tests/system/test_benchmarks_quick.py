"""The benchmark suite still runs: quick mode (small sizes, 3 rounds) end to end, then report.py on
its JSON and memory.py in quick mode.  Asserts that they work, never how fast anything is."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("pytest_benchmark")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "benchmarks")


def _env():
    env = dict(os.environ)
    env["FASTGRAD_BENCH_QUICK"] = "1"
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="module")
def quick_json(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", BENCH, "-q", "-p", "no:cacheprovider",
         "-p", "no:randomly", f"--benchmark-json={out}"],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return out


def test_benchmarks_quick_mode_runs_and_saves_json(quick_json):
    data = json.loads(quick_json.read_text())
    rows = data["benchmarks"]
    assert rows, "no benchmark ran"
    frameworks = {b["extra_info"].get("framework") for b in rows if "extra_info" in b}
    assert {"numpy", "fastgrad"} <= frameworks
    assert any(b["group"].startswith("W1") for b in rows)
    names = [b["fullname"] for b in rows]
    assert len(names) == len(set(names)), "a bench module was collected twice"


def test_report_turns_json_into_markdown(quick_json, tmp_path):
    md = tmp_path / "r.md"
    proc = subprocess.run([sys.executable, os.path.join(BENCH, "report.py"), str(quick_json), "-o", str(md)],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    text = md.read_text()
    assert "| benchmark | fastgrad | numpy | torch | fastgrad/torch | fastgrad/numpy |" in text
    assert "ISA chosen" in text
    assert "W2 mlp" in text


def test_memory_script_quick_mode(tmp_path):
    out = tmp_path / "mem.json"
    proc = subprocess.run([sys.executable, os.path.join(BENCH, "memory.py"), "--workloads", "W3",
                           "--frameworks", "numpy,fastgrad", "-o", str(out)],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs = json.loads(out.read_text())["runs"]
    assert [r["framework"] for r in runs] == ["numpy", "fastgrad"]
    assert all(r["peak_rss_mb"] > 0 for r in runs)


def test_isa_option_reexecutes_with_one_level_for_every_framework():
    """--isa X re-runs pytest with X's variables set for fastgrad, OpenBLAS and torch alike."""
    from fastgrad._ffi import lib
    isa = "avx2" if lib.fg_cpu_supports(lib.FG_ISA_AVX2) else "native"   # every framework at AVX2 when the CPU has it
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", os.path.join(BENCH, "bench_workloads.py"), "-p", "no:cacheprovider",
         "-p", "no:randomly", "-k", "W1 and fastgrad", "--benchmark-disable", "--isa", isa],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert f"--isa {isa}: " in proc.stdout
    if isa == "avx2":
        assert "isa=avx2" in proc.stdout and "'FASTGRAD_ISA': 'avx2'" in proc.stdout
