#!/usr/bin/env python3
"""keel's MMIO instruction decoder against binutils' disassembler.

Generates a large set of A64 words, disassembles them with the cross objdump
(`objdump -D -b binary -m aarch64`), derives from each disassembly what a
general-register load/store does (an oracle written from the Arm ARM's rules, not
from keel's code), runs keel's decoder on the same words (tests/unit/decoder_dump.c,
linked with src/arch/aarch64/mmio_decode.c) and compares: accepted or refused,
access size, load/store, sign extension, 32/64-bit register, Rt, pair and Rt2, Rn,
writeback and its offset, and the address of the first transfer for a fixed base
and index value (which checks the scaled/unscaled immediate, pre/post-index and
the index register's extend and shift).

The words: every combination of bits [31:21] and [15:10] (the load/store opcode
fields: size, V, opc/L, the addressing mode, option and S, imm7's ends, Rt2) for
several register-field choices (distinct registers, Rt = Rn = Rm, all 31, ...),
which covers the whole top-level encoding space too (so everything that must be
refused: SIMD&FP, exclusives, atomics, LDTR, PRFM, LDRAA, memory tags, literals,
non-memory instructions), plus random words inside the two classes the decoder
handles. Run by `make unit`; exits non-zero on any mismatch.
"""

import argparse
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = 0x0000100000000000          # as tests/unit/decoder_dump.c
INDEX = 0x80000001fffffff3
MASK64 = (1 << 64) - 1

# Register fields (Rt, Rn, bits [20:16]) for the exhaustive sweep.
REGISTER_SETS = ((1, 2, 3), (5, 5, 5), (31, 31, 31), (0, 31, 17), (30, 7, 31), (9, 9, 9 | 16))
RANDOM_WORDS = 100_000             # per class
SINGLE_CLASS = (0x3a000000, 0x38000000)   # mask, value: load/store register
PAIR_CLASS = (0x3a000000, 0x28000000)     # load/store register pair

# General-register loads and stores keel emulates, by mnemonic: (load, size, sign-extend);
# size None = from the register (X 8, W 4).
SINGLE = {
    "ldr": (True, None, False), "str": (False, None, False),
    "ldur": (True, None, False), "stur": (False, None, False),
    "ldrb": (True, 1, False), "ldurb": (True, 1, False),
    "strb": (False, 1, False), "sturb": (False, 1, False),
    "ldrh": (True, 2, False), "ldurh": (True, 2, False),
    "strh": (False, 2, False), "sturh": (False, 2, False),
    "ldrsb": (True, 1, True), "ldursb": (True, 1, True),
    "ldrsh": (True, 2, True), "ldursh": (True, 2, True),
    "ldrsw": (True, 4, True), "ldursw": (True, 4, True),
}
PAIR = {
    "ldp": (True, None, False), "stp": (False, None, False),
    "ldnp": (True, None, False), "stnp": (False, None, False),
    "ldpsw": (True, 4, True),
}

GPR = re.compile(r"^([xw])(\d+|zr)$")
LINE = re.compile(r"^\s*[0-9a-f]+:\s+([0-9a-f]{8})\s+(\S+)\s*(.*)$")
ADDR = re.compile(r"^\[(\w+)(?:, (.*?))?\](!?)(?:, #(-?(?:0x)?[0-9a-f]+))?$")
INDEX_OPERAND = re.compile(r"^([xw])(\d+|zr)(?:, (lsl|uxtw|sxtw|sxtx|uxtx)(?: #(\d+))?)?$")


def gpr(text):
    """(is_x, number) of a general register operand (zr = 31), None for anything else."""
    m = GPR.match(text)
    if not m:
        return None
    return m.group(1) == "x", 31 if m.group(2) == "zr" else int(m.group(2))


def base_reg(text):
    if text == "sp":
        return 31
    m = GPR.match(text)
    if not m or m.group(1) != "x" or m.group(2) == "zr":
        return None
    return int(m.group(2))


def index_value(kind, num, extend, amount):
    value = 0 if num == 31 else INDEX
    if kind == "w" or extend in ("uxtw", "sxtw"):
        value &= 0xffffffff
        if extend == "sxtw" and value & 0x80000000:
            value -= 1 << 32
    return (value << amount) & MASK64


def expected(mnemonic, operands):
    """What the decoder must return for one disassembled word: None (refuse) or a tuple
    (size, write, sext, sf, rt, pair, rt2, rn, wb, wb_offset, va)."""
    pair = mnemonic in PAIR
    if not pair and mnemonic not in SINGLE:
        return None
    load, size, sext = (PAIR if pair else SINGLE)[mnemonic]
    # Operands: Rt[, Rt2], address (the address itself may contain commas).
    parts = operands.split(", ", 2 if pair else 1)
    if len(parts) != (3 if pair else 2):
        return None
    rt = gpr(parts[0])
    rt2 = gpr(parts[1]) if pair else (rt[0], 0) if rt else None
    if rt is None or rt2 is None:
        return None                    # SIMD&FP registers
    is_x, rt_num = rt
    rt2_num = rt2[1] if pair else 0
    m = ADDR.match(parts[-1])
    if not m:
        return None                    # literal (PC-relative) form
    rn = base_reg(m.group(1))
    if rn is None:
        return None
    inner, pre, post = m.group(2), m.group(3) == "!", m.group(4)
    offset = wb_offset = 0
    index = 0
    if inner is not None and inner.startswith("#"):
        offset = int(inner[1:], 0)
    elif inner is not None:
        im = INDEX_OPERAND.match(inner)
        if not im:
            return None
        index = index_value(im.group(1), 31 if im.group(2) == "zr" else int(im.group(2)),
                            im.group(3), int(im.group(4) or 0))
    wb = pre or post is not None
    if pre:
        wb_offset = offset
    if post is not None:
        wb_offset = int(post, 0)
    if size is None:
        size = 8 if is_x else 4
    sf = is_x
    # CONSTRAINED UNPREDICTABLE (Arm ARM, the load/store pages' "Operation"): writeback to
    # a base that is also a transfer register, and a pair load into one register twice.
    if wb and rn != 31 and (rn == rt_num or (pair and rn == rt2_num)):
        return None
    if pair and load and rt_num == rt2_num:
        return None
    va = (BASE + offset + index) & MASK64
    return (size, int(not load), int(sext), int(sf), rt_num, int(pair), rt2_num, rn,
            int(wb), wb_offset, va)


def words():
    out = []
    for rt, rn, mid in REGISTER_SETS:
        low = mid << 16 | rn << 5 | rt
        for hi in range(1 << 11):
            for lo in range(1 << 6):
                out.append(hi << 21 | lo << 10 | low)
    rng = random.Random(0x6b65656c)    # fixed: a failure reproduces
    for mask, value in (SINGLE_CLASS, PAIR_CLASS):
        for _ in range(RANDOM_WORDS):
            out.append((rng.getrandbits(32) & ~mask) | value)
    return out


def disassemble(objdump, path):
    """word -> (mnemonic, operands) for every word objdump prints."""
    proc = subprocess.run([objdump, "-D", "-b", "binary", "-m", "aarch64", "-M", "no-aliases",
                           str(path)], check=True, capture_output=True, text=True)
    result = {}
    for line in proc.stdout.splitlines():
        m = LINE.match(line)
        if m:
            ops = m.group(3).split("//")[0].split(";")[0].strip()
            result.setdefault(int(m.group(1), 16), (m.group(2), ops))
    return result


def run_decoder(dump, path):
    proc = subprocess.run([str(dump), str(path)], check=True, capture_output=True, text=True)
    result = {}
    for line in proc.stdout.splitlines():
        f = line.split()
        word = int(f[0], 16)
        if f[1] == "-":
            result[word] = None
        else:
            v = [int(x) for x in f[1:11]] + [int(f[11], 16)]
            result[word] = tuple(v)
    return result


FIELDS = ("size", "write", "sext", "sf", "rt", "pair", "rt2", "rn", "wb", "wb_offset", "va")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cc", default="gcc")
    ap.add_argument("--objdump", default="aarch64-linux-gnu-objdump")
    ap.add_argument("--build", default=str(ROOT / "build" / "unit"))
    args = ap.parse_args()
    start = time.monotonic()
    build = Path(args.build)
    build.mkdir(parents=True, exist_ok=True)
    dump = build / "decoder_dump"
    subprocess.run([args.cc, "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror",
                    "-Wno-unused-parameter", "-DKEEL_HOST", f"-I{ROOT / 'include'}",
                    str(ROOT / "tests/unit/decoder_dump.c"),
                    str(ROOT / "src/arch/aarch64/mmio_decode.c"), "-o", str(dump)], check=True)
    all_words = sorted(set(words()))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "words.bin"
        path.write_bytes(struct.pack(f"<{len(all_words)}I", *all_words))
        disasm = disassemble(args.objdump, path)
        decoded = run_decoder(dump, path)
    mismatches = []
    accepted = 0
    by_mnemonic = {}
    for word in all_words:
        mnemonic, ops = disasm.get(word, (".inst", ""))
        want = expected(mnemonic, ops)
        got = decoded.get(word, "missing")
        if want is not None:
            accepted += 1
            by_mnemonic[mnemonic] = by_mnemonic.get(mnemonic, 0) + 1
        if want != got:
            if want is None or got is None or got == "missing":
                why = f"want {'refused' if want is None else 'accepted'}, decoder {got}"
            else:
                why = ", ".join(f"{n} {g:#x} (want {w:#x})" for n, w, g in zip(FIELDS, want, got)
                                if w != g)
            mismatches.append(f"{word:08x} {mnemonic} {ops}: {why}")
    elapsed = time.monotonic() - start
    print(f"decoder vs objdump: {len(all_words)} words, {accepted} general-register "
          f"loads/stores the decoder must accept, {len(all_words) - accepted} it must refuse, "
          f"{len(mismatches)} mismatches ({elapsed:.1f} s)")
    print("  accepted by mnemonic: " + ", ".join(f"{k} {v}" for k, v in sorted(by_mnemonic.items())))
    for m in mismatches[:40]:
        print("  MISMATCH " + m)
    if accepted < 50_000 or set(by_mnemonic) != set(SINGLE) | set(PAIR):
        print("  the word set no longer covers every mnemonic the decoder handles")
        return 1
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
