"""The import graph follows the layers (README "How it is built"): ops/ is array level and never
imports Tensor or functional/, nn/ builds on functional/ and never reaches into ops/, and only
_ffi imports the compiled extension.  Checked on the source with ``ast``, function-local
imports included."""
import ast
import pathlib
import sys

import pytest

PKG = pathlib.Path(__file__).resolve().parents[2] / "fastgrad"


def _module_name(path):
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path):
    """Every module a file imports (``from a import b`` counts as a and a.b), anywhere in it."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


def _files(sub):
    return sorted((PKG / sub).rglob("*.py"))


def _offending(files, forbidden):
    bad = {}
    for f in files:
        hits = sorted(m for m in _imports(f) if any(m == p or m.startswith(p + ".") for p in forbidden))
        if hits:
            bad[str(f.relative_to(PKG.parent))] = hits
    return bad


def test_layering_ops_imports_never_reach_tensor_or_functional():
    assert _files("ops"), "no ops modules found"
    assert _offending(_files("ops"), ("fastgrad.tensor", "fastgrad.functional", "fastgrad.nn")) == {}


def test_layering_nn_imports_never_reach_ops():
    assert _files("nn"), "no nn modules found"
    assert _offending(_files("nn"), ("fastgrad.ops",)) == {}


def test_layering_only_ffi_imports_the_extension():
    files = [f for f in PKG.rglob("*.py") if f.name != "_ffi.py"]
    assert _offending(files, ("fastgrad._C",)) == {}


@pytest.mark.parametrize("source,forbidden,expected", [
    ("from fastgrad.tensor import Tensor", "fastgrad.tensor", True),
    ("def f():\n    from fastgrad import functional\n", "fastgrad.functional", True),
    ("from ..functional import add", "fastgrad.functional", True),
    ("from fastgrad.autograd.function import Function", "fastgrad.tensor", False),
])
def test_layering_checker_sees_every_import_form(tmp_path, monkeypatch, source, forbidden, expected):
    """The checker itself: absolute, function-local and relative imports are all seen."""
    pkg = tmp_path / "fastgrad" / "ops"
    pkg.mkdir(parents=True)
    f = pkg / "probe.py"
    f.write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "PKG", tmp_path / "fastgrad")
    assert bool(_offending([f], (forbidden,))) is expected
