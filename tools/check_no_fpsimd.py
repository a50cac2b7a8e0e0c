#!/usr/bin/python3
"""Fail if any function of keel's ELF other than the FP/SIMD switch uses FP/SIMD registers.

The FP/SIMD register file belongs to the guests: keel's C code is compiled with
-mgeneral-regs-only, but library code (picolibc, libfdt) could still bring such
instructions in. usage: check_no_fpsimd.py OBJDUMP ELF
"""
import re
import subprocess
import sys

ALLOWED = {"fpsimd_save", "fpsimd_restore"}
FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
FPSIMD = re.compile(r"\t\S+\s+.*\b(v[0-9]+\.|q[0-9]+\b|d[0-9]+,|s[0-9]+,|b[0-9]+,|h[0-9]+,)")


def main():
    objdump, elf = sys.argv[1], sys.argv[2]
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf], check=True,
                         capture_output=True, text=True).stdout
    func, bad, seen = None, [], set()
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            func = m.group(1)
        elif FPSIMD.search(line):
            seen.add(func)
            if func not in ALLOWED:
                bad.append(f"{func}: {line.strip()}")
    if bad:
        print(f"error: {elf} uses FP/SIMD registers outside fpsimd.S:", file=sys.stderr)
        print("\n".join(bad[:20]), file=sys.stderr)
        sys.exit(1)
    if not ALLOWED <= seen:
        sys.exit(f"error: check_no_fpsimd.py found no FP/SIMD use in {sorted(ALLOWED)}: the check is broken")


if __name__ == "__main__":
    main()
