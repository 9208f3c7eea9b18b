"""CFFI builder (API, out-of-line mode) for ``fastgrad._C``.

The C API lives in ``csrc/fastgrad.h``; the text between its ``@cdef-begin`` and
``@cdef-end`` markers is handed to ``ffi.cdef`` so no prototype is written twice.
setup.py points setuptools here via ``cffi_modules``.
"""
import glob
import os
import re

from cffi import FFI

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSRC = os.path.join(ROOT, "csrc")
HEADER = os.path.join(CSRC, "fastgrad.h")


def cdef_region(text: str) -> str:
    """Return the declarations between the cdef markers, in a form cffi's parser takes."""
    match = re.search(r"/\*\s*@cdef-begin\s*\*/(.*?)/\*\s*@cdef-end\s*\*/", text, re.S)
    if match is None:
        raise ValueError("fastgrad.h: no /* @cdef-begin */ ... /* @cdef-end */ region")
    body = re.sub(r"/\*.*?\*/", "", match.group(1), flags=re.S)  # comments
    return re.sub(r"\brestrict\b", "", body)  # cffi's parser does not need restrict


def compile_args(env=os.environ) -> list:
    """Portable optimisation flags; FASTGRAD_NATIVE=1 adds -march=native (local experiments only)."""
    args = ["-O3", "-Wall", "-Wextra", "-Wno-unused-parameter", "-std=gnu11", "-pthread",
            "-fno-math-errno", "-g0"]  # -g0: no debug info in the wheel (it would triple the .so)
    if env.get("FASTGRAD_NATIVE") == "1":
        args.append("-march=native")
    if env.get("FASTGRAD_SANITIZE") == "1":  # ASan + UBSan build, see README
        args += ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-O1", "-g"]
    return args


def link_args(env=os.environ) -> list:
    args = ["-pthread"]
    if env.get("FASTGRAD_SANITIZE") == "1":
        args.append("-fsanitize=address,undefined")
    return args


def c_sources() -> list:
    """csrc/*.c as paths relative to the project root (setuptools wants relative paths)."""
    return sorted(os.path.relpath(p, ROOT) if os.getcwd() == ROOT else p
                  for p in glob.glob(os.path.join(CSRC, "*.c")))


ffibuilder = FFI()
with open(HEADER, encoding="utf-8") as f:
    ffibuilder.cdef(cdef_region(f.read()))
ffibuilder.set_source(
    "fastgrad._C",
    '#include "fastgrad.h"',
    sources=c_sources(),
    include_dirs=[CSRC if os.getcwd() != ROOT else "csrc"],
    extra_compile_args=compile_args(),
    extra_link_args=link_args(),
    libraries=["m"],
    depends=sorted(glob.glob(os.path.join(CSRC, "*.h")) + glob.glob(os.path.join(CSRC, "*.inc"))),
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
