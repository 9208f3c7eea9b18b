#!/usr/bin/env bash
# CI step: build a wheel with `pip wheel .`, install it into a fresh virtualenv whose PATH holds no
# compiler, and run the demo and a smoke test from outside the source tree.
#
#   .ci/wheel.sh                 # uses `python3` from PATH (or $PYTHON); the wheel goes to a temp dir
#   DIST=dist .ci/wheel.sh       # keep the wheel in ./dist (relative to the repository root)
#   KEEP=1 .ci/wheel.sh          # keep the temporary directory (its path is printed)
#
# The wheel is built from a copy of the tree, so the working tree gets no build/ or egg-info.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
START=$(date +%s)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fg-wheel.XXXXXX")"
if [ "${KEEP:-0}" != "1" ]; then trap 'rm -rf "$WORK"' EXIT; fi
DIST="${DIST:-$WORK/dist}"
case "$DIST" in /*) ;; *) DIST="$ROOT/$DIST" ;; esac
mkdir -p "$DIST"

step() { echo "wheel: $* ($(( $(date +%s) - START )) s)"; }

step "copying the tree to $WORK/src"
mkdir -p "$WORK/src"
tar -C "$ROOT" --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./dist --exclude='*.so' \
    --exclude='__pycache__' --exclude='*.egg-info' --exclude=./.hypothesis -cf - . | tar -C "$WORK/src" -xf -

step "pip wheel . -w $DIST"
rm -f "$DIST"/fastgrad-*.whl
(cd "$WORK/src" && "$PY" -m pip wheel . -w "$DIST" --no-deps -q)
WHEEL="$(ls "$DIST"/fastgrad-*.whl)"
step "built $(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) kB)"
"$PY" - "$WHEEL" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = ["fastgrad/__init__.py", "fastgrad/py.typed", "fastgrad/data/digits.csv.gz"]
missing = [n for n in need if n not in names]
ext = [n for n in names if n.startswith("fastgrad/_C") and n.endswith((".so", ".pyd"))]
assert not missing, f"wheel lacks {missing}"
assert ext, "wheel has no compiled fastgrad._C"
stray = [n for n in names if n.startswith(("tests/", "benchmarks/", "csrc/")) or n.endswith(".c")]
assert not stray, f"wheel ships source/test files: {stray[:5]}"
print("wheel: contents ok:", len(names), "files, extension", ext[0])
EOF

step "fresh virtualenv"
"$PY" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip install -q --upgrade pip >/dev/null 2>&1 || true

# a PATH with nothing but the venv's bin: no gcc/cc/clang, so the install cannot compile anything
NOCC_PATH="$WORK/venv/bin"
for cc in gcc cc clang c++ g++ ld; do
    if PATH="$NOCC_PATH" command -v "$cc" >/dev/null 2>&1; then
        echo "wheel: '$cc' is reachable on the stripped PATH"; exit 1
    fi
done
step "installing the wheel with PATH=$NOCC_PATH (binary dependencies only)"
PATH="$NOCC_PATH" "$VPY" -m pip install -q --only-binary=:all: "$WHEEL"

OUTSIDE="$WORK/outside"
mkdir -p "$OUTSIDE"
cd "$OUTSIDE"
unset PYTHONPATH || true

step "python -m fastgrad.demo --epochs 2"
PATH="$NOCC_PATH" python -m fastgrad.demo --epochs 2

step "smoke test"
PATH="$NOCC_PATH" python - "$ROOT" <<'EOF'
import os, sys, tempfile
import numpy as np
import fastgrad as fg
import fastgrad.nn as nn
import fastgrad.optim as optim
import fastgrad.functional as F

root = os.path.realpath(sys.argv[1])
where = os.path.realpath(fg.__file__)
assert not where.startswith(root + os.sep), f"imported from the source tree: {where}"
assert "site-packages" in where, where
print("fastgrad", fg.__version__, "from", os.path.dirname(where), fg.backend_info())

fg.manual_seed(0)
x = fg.randn(64, 10)
y = (x[:, :1] * 2 - x[:, 1:2]).detach()
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
first = None
for _ in range(100):
    opt.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    first = first if first is not None else loss.item()
assert loss.item() < 0.2 * first, (first, loss.item())
w = fg.randn(3, dtype=fg.float64, requires_grad=True)
assert fg.autograd.gradcheck(lambda t: (t.sigmoid() * t).sum(), (w,))
path = os.path.join(tempfile.mkdtemp(), "m.fg")
fg.save(model.state_dict(), path)
model.load_state_dict(fg.load(path))
print(f"smoke test ok: mse {first:.3f} -> {loss.item():.4f}")
EOF
step "done"
