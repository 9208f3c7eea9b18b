#!/usr/bin/env bash
# CI step: build the sdist (`python -m build --sdist`), check it holds everything a build needs,
# then install it into a fresh venv (compiling the C kernels) and run the smoke test outside the tree.
#
#   .ci/sdist.sh                 # KEEP=1 keeps the temporary directory
set -euo pipefail
CI_STEP=sdist
. "$(dirname "$0")/lib.sh"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fg-sdist.XXXXXX")"
if [ "${KEEP:-0}" != "1" ]; then trap 'rm -rf "$WORK"' EXIT; fi

step "copying the tree to $WORK/src"
copy_tree "$WORK/src"
step "python -m build --sdist"
new_venv "$WORK/tools"
"$WORK/tools/bin/python" -m pip install -q build
"$WORK/tools/bin/python" -m build --sdist --outdir "$WORK/dist" "$WORK/src" >"$WORK/build.log" 2>&1 || {
    cat "$WORK/build.log"; exit 1; }
SDIST="$(ls "$WORK"/dist/fastgrad-*.tar.gz)"
step "built $(basename "$SDIST") ($(du -k "$SDIST" | cut -f1) kB)"
python3 - "$SDIST" "$ROOT" <<'PY'
import glob, os, sys, tarfile
names = {n.split("/", 1)[1] for n in tarfile.open(sys.argv[1]).getnames() if "/" in n}
root = sys.argv[2]
need = {"pyproject.toml", "setup.py", "README.md", "MANIFEST.in", "fastgrad/py.typed",
        "fastgrad/data/digits.csv.gz", "fastgrad/data/README.md", "fastgrad/_build.py"}
need |= {os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "csrc", "*"))}
need |= {os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "fastgrad", "**", "*.py"), recursive=True)}
missing = sorted(need - names)
assert not missing, f"sdist lacks {missing}"
stray = sorted(n for n in names if n.endswith((".so", ".o")) or n.startswith(".venv"))
assert not stray, f"sdist ships build products: {stray[:5]}"
print(f"sdist: contents ok: {len(names)} entries, all {len(need)} needed files")
PY
step "fresh venv: pip install the sdist (compiles csrc/)"
new_venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q "$SDIST"
mkdir -p "$WORK/outside"
cd "$WORK/outside"
unset PYTHONPATH || true
"$WORK/venv/bin/python" -m fastgrad.demo --epochs 2 --quiet
"$WORK/venv/bin/python" "$ROOT/.ci/smoke.py" "$ROOT"
step "done"
