"""Installing and importing: a source tree without compiled kernels explains itself; the README's
set-up commands are where CI reads them."""
import importlib.util
import os
import shutil
import subprocess
import sys

import cffi
import numpy as np

import fastgrad

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_import_from_tree_without_kernels_raises_clear_importerror(tmp_path):
    package = os.path.dirname(fastgrad.__file__)
    shutil.copytree(package, tmp_path / "fastgrad", ignore=shutil.ignore_patterns("_C*", "__pycache__"))
    # -S: no site hooks, so no installed (or editable) fastgrad can supply the kernels; numpy and
    # cffi come from their site-packages directories, added by hand
    deps = sorted({os.path.dirname(os.path.dirname(m.__file__)) for m in (np, cffi)})
    code = f"import sys; sys.path[1:1] = {deps!r}; import fastgrad"
    run = subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 1, run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: fastgrad: the compiled kernels (fastgrad._C) are missing"), last
    assert "pip install -e ." in last and "another directory" in last
    assert str(tmp_path) in last
    assert "ModuleNotFoundError" not in run.stderr


def test_readme_setup_commands_are_marked_for_ci():
    spec = importlib.util.spec_from_file_location("readme_command", os.path.join(ROOT, ".ci", "readme_command.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    demo, test = module.readme_command("demo", readme), module.readme_command("test", readme)
    assert demo.startswith("python3 -m venv .venv && ") and demo.endswith("python -m fastgrad.demo")
    assert "pip install -e ." in demo  # see the README: a plain install is shadowed by the tree
    assert test.endswith("python -m pytest -q")
