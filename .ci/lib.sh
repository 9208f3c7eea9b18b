# Shared helpers for the .ci/*.sh steps (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
START=$(date +%s)
step() { echo "$CI_STEP: $* ($(( $(date +%s) - START )) s)"; }

# copy_tree DEST: the tracked and untracked-but-not-ignored files, without build products or venvs
copy_tree() {
    mkdir -p "$1"
    tar -C "$ROOT" --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./dist --exclude='*.so' \
        --exclude='__pycache__' --exclude='*.egg-info' --exclude=./.hypothesis -cf - . | tar -C "$1" -xf -
}

# new_venv DIR [PYTHON]: a fresh virtualenv with a current pip
new_venv() {
    "${2:-python3}" -m venv "$1"
    "$1/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
}

# nocc_path VENV: prints a PATH holding only the venv's bin, after checking no compiler is reachable
nocc_path() {
    local cc
    for cc in gcc cc clang c++ g++ ld; do
        if PATH="$1/bin" command -v "$cc" >/dev/null 2>&1; then
            echo "$CI_STEP: '$cc' is reachable on the stripped PATH" >&2; return 1
        fi
    done
    echo "$1/bin"
}
