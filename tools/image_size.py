#!/usr/bin/python3
"""Write the arm64 Image header's image_size field (offset 16) of a flat binary.

usage: image_size.py ELF BIN -- image_size = __image_end - __image_start from ELF's symbols.
"""
import struct
import subprocess
import sys


def symbol(elf, name):
    out = subprocess.run(["aarch64-linux-gnu-nm", elf], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    sys.exit(f"image_size.py: {elf} has no symbol {name}")


def main():
    elf, binary = sys.argv[1], sys.argv[2]
    size = symbol(elf, "__image_end") - symbol(elf, "__image_start")
    with open(binary, "r+b") as f:
        f.seek(16)
        f.write(struct.pack("<Q", size))


if __name__ == "__main__":
    main()
