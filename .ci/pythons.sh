#!/usr/bin/env bash
# Print one interpreter path per CPython minor version >= 3.9 that this machine has (pyenv's
# versions first, then PATH and /usr/bin), each able to make a venv. Used by .ci/wheel.sh.
set -u
seen=" "
{
for py in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.*/bin/python3 $(compgen -c python3. 2>/dev/null | sort -u) /usr/bin/python3.*; do
    case "$py" in *-config|*m) continue ;; esac
    path="$(command -v "$py" 2>/dev/null)" || continue
    ver="$("$path" -c 'import sys; print("%d.%d" % sys.version_info[:2]) if sys.version_info >= (3, 9) else None' 2>/dev/null)" || continue
    [ -n "$ver" ] && [ "$ver" != "None" ] || continue
    case "$seen" in *" $ver "*) continue ;; esac
    "$path" -c 'import venv, ensurepip' 2>/dev/null || continue
    seen="$seen$ver "
    echo "$ver $path"
done
} | sort -V | cut -d" " -f2
