"""Show that a built fastgrad extension has SIMD instructions only where the run-time dispatch
guards them (no -march=native code, nothing the baseline x86-64 CPU cannot run outside them).

    python .ci/check_isa.py WHEEL_OR_SO

It disassembles the extension (objdump -d) and reads its symbol table (readelf -s). A function that
uses AVX/AVX2 (VEX-encoded or ymm) instructions must be per-ISA code: its name says avx2/avx512,
or it is a local function of a per-ISA source file (csrc/*avx2*.c, *avx512*.c, whose FILE symbol
precedes it). AVX-512 instructions (zmm, opmask registers, EVEX-only xmm16-31/ymm16-31) must be
in avx512 code only. Exits 1 and lists the offenders otherwise.
"""
import re
import subprocess
import sys
import tempfile
import zipfile

INSN = re.compile(r"^\s*[0-9a-f]+:\s+(\S+)\s*(.*)$")
FUNC = re.compile(r"^([0-9a-f]+) <(.+)>:$")
AVX512 = re.compile(r"%zmm\d|%k[0-7]\b|%[xy]mm(1[6-9]|2\d|3[01])\b")


def extension_path(arg: str, scratch: str) -> str:
    if not arg.endswith(".whl"):
        return arg
    with zipfile.ZipFile(arg) as whl:
        names = [n for n in whl.namelist() if re.match(r"fastgrad/_C[.\w-]*\.so$", n)]
        if len(names) != 1:
            raise SystemExit(f"{arg}: expected one fastgrad/_C*.so, found {names}")
        return whl.extract(names[0], scratch)


def isa_of_functions(so: str) -> dict:
    """{function name: set of 'avx' / 'avx512'} for every function with such instructions."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", so], check=True,
                         capture_output=True, text=True).stdout
    found, current = {}, None
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            current = m.group(2)
            continue
        m = INSN.match(line)
        if not m or current is None:
            continue
        mnemonic, operands = m.groups()
        if AVX512.search(operands):
            found.setdefault(current, set()).add("avx512")
        elif mnemonic.startswith("v") or "%ymm" in operands:
            found.setdefault(current, set()).add("avx")
    return found


def source_file_of_locals(so: str) -> dict:
    """{local function name: the FILE symbol it follows} from the symbol table."""
    out = subprocess.run(["readelf", "-sW", so], check=True, capture_output=True, text=True).stdout
    files, current = {}, None
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 8 or not parts[0].endswith(":"):
            continue
        kind, bind, name = parts[3], parts[4], parts[7]
        if kind == "FILE":
            current = name
        elif kind == "FUNC" and bind == "LOCAL":
            files.setdefault(name, set()).add(current or "")
    return files


def main(argv) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        so = extension_path(argv[1], scratch)
        isa, files = isa_of_functions(so), source_file_of_locals(so)
    bad, per_file = [], {}
    for name, kinds in sorted(isa.items()):
        base = name.split("@")[0].split(".")[0]
        context = base.lower() + " " + " ".join(sorted(files.get(base, ()))).lower()
        allowed = "avx512" if "avx512" in context else "avx" if "avx2" in context else None
        where = ", ".join(sorted(files.get(base, ()))) or "global symbols"
        per_file.setdefault(where, []).append(base)
        if allowed is None or ("avx512" in kinds and allowed != "avx512"):
            bad.append(f"{name}: {sorted(kinds)} outside per-ISA code ({where})")
    for where, names in sorted(per_file.items()):
        print(f"check_isa: {len(names):3d} SIMD functions in {where}")
    if bad:
        print("check_isa: FAILED, SIMD instructions the dispatch does not guard:")
        print("\n".join("  " + b for b in bad))
        return 1
    print(f"check_isa: ok: {len(isa)} functions use AVX2/AVX-512, all in per-ISA code")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
