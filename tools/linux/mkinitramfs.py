#!/usr/bin/python3
"""Write the reference Linux guest's initramfs: a gzip'd newc cpio archive.

    tools/linux/mkinitramfs.py --busybox build/linux/busybox --guest guests/linux \
        [--modules build/linux/modules] -o build/linux/initramfs.cpio.gz

Contents: /bin/busybox with a symlink per applet in APPLETS, /init (guests/linux/init),
every other guests/linux/*.sh in /lib/keel/ (executable if it starts with #!), each --tool
program in /bin, /dev/console, and the empty directories /init mounts on. With --modules
(what `tools/linux/fetch.sh modules` wrote: VER/kernel/..., VER/modules.builtin,
keel.load), /lib/modules/VER/ gets each module as a plain .ko (a .ko.xz is decompressed
here, with lzma: busybox's insmod cannot load it), a modules.dep made from each module's
own .modinfo "depends=" (so busybox's modprobe loads the dependencies first),
modules.builtin and keel.load, the modules /init loads.
No root, no cpio tool: the archive is written here, byte by byte (the "newc" format of
Documentation/driver-api/early-userspace/buffer-format.rst).
The output is reproducible: fixed owners, times and inode numbers, gzip mtime 0.
"""

import argparse
import gzip
import io
import lzma
import os
import stat
import struct
import sys
import tempfile
from pathlib import Path

# The applets /init and the checks use, and a small interactive toolbox. Each must be in
# the busybox binary (checked below), or the symlink would point at nothing.
APPLETS = """
    [ ash awk basename cat chmod clear cp cttyhack cut date dd df dirname dmesg du echo env
    expr false find free grep head hexdump hostname id kill less ln ls mkdir mkfifo mknod more
    mount mv nproc od pidof poweroff printf ps pwd readlink reboot rm rmdir sed seq setsid
    modprobe insmod lsmod ip md5sum udhcpc httpd
    sh sleep sort stat stty sync sysctl tail taskset tee test timeout top touch tr true
    tty umount uname uniq uptime vi watch wc which xargs
""".split()

DIRS = ["bin", "dev", "etc", "lib", "lib/keel", "lib/modules", "mnt", "proc", "root", "run",
        "sys", "tmp"]
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
        data = script.read_bytes()
        # One with a #! line is run, not sourced (udhcpc.sh: udhcpc executes it).
        files.append((f"lib/keel/{script.name}", data, 0o755 if data[:2] == b"#!" else 0o644))
    for name, data, _perm in files:
        if b"\r" in data:
            sys.exit(f"mkinitramfs: guests/linux file for /{name} has CR line ends")
    return files


# ELF64 little endian, as every arm64 kernel module is (include/uapi/linux/elf.h).
ELF_HEADER = struct.Struct("<16sHHIQQQIHHHHHH")
ELF_SECTION = struct.Struct("<IIQQQQIIQQ")
EM_AARCH64 = 0xB7
ET_REL = 1


def modinfo(name, data):
    """A module's .modinfo section: {key: value} of its NUL-separated key=value strings."""
    if len(data) < ELF_HEADER.size or data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"mkinitramfs: module {name} is not a 64-bit little-endian ELF file")
    (_ident, e_type, e_machine, _ver, _entry, _phoff, shoff, _flags, _ehsize, _phentsize,
     _phnum, shentsize, shnum, shstrndx) = ELF_HEADER.unpack_from(data)
    if e_type != ET_REL or e_machine != EM_AARCH64:
        sys.exit(f"mkinitramfs: module {name} is not an AArch64 relocatable object")
    if shentsize != ELF_SECTION.size or shstrndx >= shnum or \
            shoff + shnum * shentsize > len(data):
        sys.exit(f"mkinitramfs: module {name} has a malformed section table")
    sections = [ELF_SECTION.unpack_from(data, shoff + i * shentsize) for i in range(shnum)]

    def contents(sec):
        offset, size = sec[4], sec[5]
        if offset + size > len(data):
            sys.exit(f"mkinitramfs: module {name} has a section beyond its end")
        return data[offset:offset + size]

    names = contents(sections[shstrndx])
    for sec in sections:
        end = names.find(b"\0", sec[0])
        if names[sec[0]:end] == b".modinfo":
            info = {}
            for item in contents(sec).split(b"\0"):
                key, eq, value = item.partition(b"=")
                if eq:
                    info.setdefault(key.decode(), value.decode("utf-8", "replace"))
            return info
    sys.exit(f"mkinitramfs: module {name} has no .modinfo section")


def module_files(modules_dir):
    """(VER, files, modules.dep text, modules.builtin, keel.load) from fetch.sh's output.
    files are (path under /lib/modules/VER, contents) with every .ko.xz decompressed."""
    vers = [d for d in modules_dir.iterdir() if d.is_dir()]
    if len(vers) != 1:
        sys.exit(f"mkinitramfs: {modules_dir} holds {len(vers)} kernel versions, want 1: "
                 "run tools/linux/fetch.sh modules")
    ver_dir = vers[0]
    ver = ver_dir.name
    load = modules_dir / "keel.load"
    builtin = ver_dir / "modules.builtin"
    for f in (load, builtin):
        if not f.is_file():
            sys.exit(f"mkinitramfs: {f} not found: run tools/linux/fetch.sh modules")
    mods = {}  # name -> (path, data, depends)
    for f in sorted((ver_dir / "kernel").rglob("*.ko*")):
        rel = f.relative_to(ver_dir).as_posix()
        if rel.endswith(".ko.xz"):
            data = lzma.decompress(f.read_bytes())
            rel = rel[:-len(".xz")]
        elif rel.endswith(".ko"):
            data = f.read_bytes()
        else:
            continue
        info = modinfo(rel, data)
        name = info.get("name") or Path(rel).name[:-len(".ko")].replace("-", "_")
        magic = info.get("vermagic", "").split(" ")[0]
        if magic != ver:
            sys.exit(f"mkinitramfs: module {rel} is for kernel '{magic}', not {ver}")
        deps = [d.replace("-", "_") for d in info.get("depends", "").split(",") if d]
        mods[name] = (rel, data, deps)

    def closure(name, seen):
        """name's dependencies, each before what needs it, recursively."""
        order = []
        for dep in mods[name][2]:
            if dep not in mods:
                sys.exit(f"mkinitramfs: module {name} needs {dep}, which {ver_dir} lacks: "
                         "run tools/linux/fetch.sh modules")
            if dep in seen:
                continue
            seen.add(dep)
            order += closure(dep, seen) + [dep]
        return order

    # depmod's format: "mod.ko: deps...", the dependencies in the order modprobe removes
    # them, i.e. the reverse of the order it loads them.
    dep_lines = []
    for name, (rel, _data, _deps) in sorted(mods.items(), key=lambda m: m[1][0]):
        order = closure(name, set())
        dep_lines.append(f"{rel}: " + " ".join(mods[d][0] for d in reversed(order)))
    files = [(rel, data) for rel, data, _deps in sorted(mods.values())]
    return ver, files, "\n".join(l.rstrip() for l in dep_lines) + "\n", \
        builtin.read_bytes(), load.read_bytes()


def build(busybox, guest_dir, modules_dir=None, tools=()):
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
    for tool in tools:
        data = tool.read_bytes()
        if data[:4] != b"\x7fELF":
            sys.exit(f"mkinitramfs: tool {tool} is not an ELF executable")
        if tool.name in APPLETS:
            sys.exit(f"mkinitramfs: tool {tool.name} would replace busybox's applet")
        cpio.file(f"bin/{tool.name}", data, 0o755)
    nmods = 0
    if modules_dir is not None:
        ver, files, dep, builtin, load = module_files(modules_dir)
        base = f"lib/modules/{ver}"
        # Every directory above a module, parents first (lib/modules is in DIRS).
        dirs = {base}
        for rel, _data in files:
            parent = Path(rel).parent
            while parent != Path("."):
                dirs.add(f"{base}/{parent.as_posix()}")
                parent = parent.parent
        for d in sorted(dirs, key=lambda d: (d.count("/"), d)):
            cpio.directory(d)
        for rel, data in files:
            cpio.file(f"{base}/{rel}", data, 0o644)
        cpio.file(f"{base}/modules.dep", dep.encode(), 0o644)
        cpio.file(f"{base}/modules.builtin", builtin, 0o644)
        cpio.file(f"{base}/keel.load", load, 0o644)
        nmods = len(files)
    cpio.finish()
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(raw.getvalue())
    return packed.getvalue(), nmods


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--busybox", required=True, type=Path, help="static arm64 busybox")
    parser.add_argument("--guest", required=True, type=Path, help="guests/linux")
    parser.add_argument("--modules", type=Path,
                        help="kernel modules from tools/linux/fetch.sh modules")
    parser.add_argument("--tool", action="append", default=[], type=Path,
                        help="a static arm64 program for /bin (repeatable)")
    parser.add_argument("-o", "--output", required=True, type=Path)
    args = parser.parse_args()

    busybox = args.busybox.read_bytes()
    check_busybox(busybox)
    data, nmods = build(busybox, args.guest, args.modules, args.tool)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=args.output.parent, prefix=f".{args.output.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, args.output)
    print(f"mkinitramfs: {args.output}: {len(data)} bytes, busybox + {len(APPLETS)} applets"
          f"{f', {nmods} kernel modules' if args.modules else ''}")


if __name__ == "__main__":
    main()
