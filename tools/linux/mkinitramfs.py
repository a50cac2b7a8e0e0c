#!/usr/bin/python3
"""Write the reference Linux guest's initramfs: a gzip'd newc cpio archive.

    tools/linux/mkinitramfs.py --busybox build/linux/busybox --guest guests/linux \
        -o build/linux/initramfs.cpio.gz

Contents: /bin/busybox with a symlink per applet in APPLETS, /init (guests/linux/init),
every other guests/linux/*.sh in /lib/keel/, /dev/console, and the empty directories
/init mounts on. No root, no cpio tool: the archive is written here, byte by byte
(the "newc" format of Documentation/driver-api/early-userspace/buffer-format.rst).
The output is reproducible: fixed owners, times and inode numbers, gzip mtime 0.
"""

import argparse
import gzip
import io
import os
import stat
import sys
import tempfile
from pathlib import Path

# The applets /init and the checks use, and a small interactive toolbox. Each must be in
# the busybox binary (checked below), or the symlink would point at nothing.
APPLETS = """
    [ ash awk basename cat chmod clear cp cttyhack cut date dd df dirname dmesg du echo env
    expr false find free grep head hexdump hostname id kill less ln ls mkdir mkfifo mknod more
    mount mv nproc od pidof poweroff printf ps pwd readlink reboot rm rmdir sed seq setsid
    sh sleep sort stat stty sync sysctl tail taskset tee test timeout top touch tr true
    tty umount uname uniq uptime vi watch wc which xargs
""".split()

DIRS = ["bin", "dev", "etc", "lib", "lib/keel", "mnt", "proc", "root", "run", "sys", "tmp"]
CONSOLE = (5, 1)  # /dev/console: the kernel opens it for /init before devtmpfs is mounted

NEWC_MAGIC = b"070701"
TRAILER = "TRAILER!!!"


class Cpio:
    """A newc archive being written to a byte stream."""

    def __init__(self, out):
        self.out = out
        self.ino = 0x100  # fixed and increasing, for a reproducible archive

    def _pad(self):
        self.out.write(b"\0" * (-self.out.tell() % 4))

    def add(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        name_bytes = name.encode() + b"\0"
        if name == TRAILER:
            ino = 0
        else:
            self.ino += 1
            ino = self.ino
        fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(name_bytes), 0]
        self.out.write(NEWC_MAGIC + b"".join(b"%08X" % f for f in fields))
        self.out.write(name_bytes)
        self._pad()
        self.out.write(data)
        self._pad()

    def directory(self, name):
        self.add(name, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, name, data, perm):
        self.add(name, stat.S_IFREG | perm, data)

    def symlink(self, name, target):
        self.add(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, rdev, perm=0o600):
        self.add(name, stat.S_IFCHR | perm, rdev=rdev)

    def finish(self):
        self.add(TRAILER, 0, nlink=1)


def check_busybox(data):
    if data[:4] != b"\x7fELF" or int.from_bytes(data[18:20], "little") != 0xB7:
        sys.exit("mkinitramfs: busybox is not an AArch64 ELF binary")
    # busybox keeps its applet names as one NUL-separated list: each must be in it.
    missing = [a for a in APPLETS if b"\0" + a.encode() + b"\0" not in data]
    if missing:
        sys.exit(f"mkinitramfs: busybox has no applet(s) {' '.join(missing)}")


def guest_files(guest_dir):
    """(path in the archive, contents, permissions) for /init and the scripts it sources."""
    init = guest_dir / "init"
    if not init.is_file():
        sys.exit(f"mkinitramfs: {init} not found")
    files = [("init", init.read_bytes(), 0o755)]
    for script in sorted(guest_dir.glob("*.sh")):
        files.append((f"lib/keel/{script.name}", script.read_bytes(), 0o644))
    for name, data, _perm in files:
        if b"\r" in data:
            sys.exit(f"mkinitramfs: guests/linux file for /{name} has CR line ends")
    return files


def build(busybox, guest_dir):
    raw = io.BytesIO()
    cpio = Cpio(raw)
    for d in DIRS:
        cpio.directory(d)
    cpio.chardev("dev/console", CONSOLE)
    cpio.file("bin/busybox", busybox, 0o755)
    for applet in APPLETS:
        cpio.symlink(f"bin/{applet}", "busybox")
    for name, data, perm in guest_files(guest_dir):
        cpio.file(name, data, perm)
    cpio.finish()
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--busybox", required=True, type=Path, help="static arm64 busybox")
    parser.add_argument("--guest", required=True, type=Path, help="guests/linux")
    parser.add_argument("-o", "--output", required=True, type=Path)
    args = parser.parse_args()

    busybox = args.busybox.read_bytes()
    check_busybox(busybox)
    data = build(busybox, args.guest)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=args.output.parent, prefix=f".{args.output.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, args.output)
    print(f"mkinitramfs: {args.output}: {len(data)} bytes, busybox + {len(APPLETS)} applets")


if __name__ == "__main__":
    main()
