"""Build the QEMU command line that boots keel with a VM configuration.

keel's boot protocol (see docs/config.md):
  - build/keel.bin is an arm64 Linux Image, loaded by QEMU -kernel on the virt machine
    with EL2 (virtualization=on), GICv3, -cpu max.
  - Every file keel needs (guest kernels, initrds, guest dtbs, and the compiled VM
    configuration itself) is a *boot module*: QEMU's loader device copies it raw into RAM
    at 2 MiB aligned addresses above the DTB (module_base), and a node under /chosen of the
    boot device tree tells keel where it is and what it is called:
        module@48200000 { compatible = "keel,module", "multiboot,module";
                          reg = <0x0 0x48200000 0x0 SIZE>; keel,name = "hypercall.bin"; };
    The configuration's node has compatible "keel,config" instead of "keel,module".
  - The boot device tree is QEMU's own (dumped once per set of machine options with
    -M ...,dumpdtb=) with those nodes added.

A configuration is a .dts file whose VM nodes (compatible "keel,vm") name modules in
their MODULE_PROPS properties; modules are looked for in MODULE_DIRS, then in the
configuration's own directory.

Library use:  boot = build_boot("configs/default.dts", smp=4); os.execvp(boot.argv[0], boot.argv)
"""

import dataclasses
import hashlib
import os
import re
import shlex
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
KEEL_BIN = BUILD / "keel.bin"
BOOT_DIR = BUILD / "boot"  # generated boot dtbs and the cache of QEMU's own dtbs
MODULE_DIRS = [BUILD / "guests", BUILD / "bench", BUILD / "linux"]

QEMU = "qemu-system-aarch64"
MACHINE = "virt,virtualization=on,gic-version=3"
CPU = "max"
RAM_BASE = 0x40000000  # the virt machine's RAM starts here
MODULE_ALIGN = 2 << 20
DTB_SLOT_SIZE = 2 << 20  # what we leave for the DTB, which QEMU pads by QEMU_DTB_PAD
QEMU_DTB_PAD = 10000

VM_COMPATIBLE = "keel,vm"
MODULE_PROPS = ("kernel", "initrd", "dtb")  # VM properties that name a boot module
PASSTHROUGH_PROP = "passthrough"  # a VM property: the boot-DT paths of its devices
MODULE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


class BootError(Exception):
    """A configuration or environment problem, with a message meant for the user."""


@dataclasses.dataclass
class Module:
    name: str          # what keel knows it as (keel,name)
    path: Path         # the file loaded
    addr: int          # physical load address
    size: int
    is_config: bool = False

    @property
    def compatible(self):
        return "keel,config" if self.is_config else "keel,module"


@dataclasses.dataclass
class Boot:
    argv: list         # the full QEMU command line
    config_dtb: Path   # the compiled configuration
    boot_dtb: Path     # QEMU's device tree plus the /chosen module nodes
    modules: list      # every Module loaded, the configuration last
    missing: list      # (node path, property, name) left out with allow_missing

    def command(self):
        return shlex.join(self.argv)

    def module_map(self):
        return "\n".join(f"  {m.addr:#010x} {m.size:>9}  {m.name}  ({_rel(m.path)})"
                         for m in self.modules)


# ---------------------------------------------------------------- device tree blobs

FDT_MAGIC = 0xD00DFEED
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9


@dataclasses.dataclass
class Node:
    path: str
    props: dict
    children: list

    @property
    def name(self):
        return self.path.rsplit("/", 1)[-1] or "/"

    def strings(self, prop):
        raw = self.props.get(prop)
        if raw is None:
            return None
        return raw.rstrip(b"\0").decode("utf-8", "replace").split("\0")

    def string(self, prop):
        values = self.strings(prop)
        return values[0] if values else None

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def fdt_parse(blob):
    """Parse a flattened device tree into Nodes (enough for reading configs)."""
    if len(blob) < 40:
        raise BootError("device tree blob too short")
    (magic, total, off_struct, off_strings, _rsv, _ver, _lcv, _cpu, size_strings,
     size_struct) = struct.unpack_from(">10I", blob)
    if magic != FDT_MAGIC or total > len(blob):
        raise BootError("not a device tree blob")
    strings = blob[off_strings:off_strings + size_strings]
    pos, end = off_struct, off_struct + size_struct
    stack, root = [], None
    while pos < end:
        (token,) = struct.unpack_from(">I", blob, pos)
        pos += 4
        if token == FDT_BEGIN_NODE:
            name_end = blob.index(b"\0", pos)
            name = blob[pos:name_end].decode()
            pos = (name_end + 4) & ~3
            parent = stack[-1] if stack else None
            path = "/" if parent is None else parent.path.rstrip("/") + "/" + name
            node = Node(path, {}, [])
            if parent is None:
                root = node
            else:
                parent.children.append(node)
            stack.append(node)
        elif token == FDT_END_NODE:
            stack.pop()
        elif token == FDT_PROP:
            length, nameoff = struct.unpack_from(">II", blob, pos)
            pos += 8
            name = strings[nameoff:strings.index(b"\0", nameoff)].decode()
            stack[-1].props[name] = bytes(blob[pos:pos + length])
            pos = (pos + length + 3) & ~3
        elif token == FDT_NOP:
            continue
        elif token == FDT_END:
            break
        else:
            raise BootError(f"bad device tree token {token:#x} at {pos - 4:#x}")
    if root is None:
        raise BootError("device tree blob has no root node")
    return root


def dtc(args, what, stdin_text=None):
    if shutil.which("dtc") is None:
        raise BootError("dtc not found: run tools/install-deps.sh")
    result = subprocess.run(["dtc", "-q", *args], input=stdin_text, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise BootError(f"dtc failed on {what}:\n{result.stderr.strip()}")
    return result.stdout


def _write_atomically(path, write):
    """Create path through a temporary file, so concurrent runs never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _rel(path):
    path = Path(path)
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- configuration

def config_dtb_path(config):
    """Where the compiled configuration goes: build/<path in repo>.dtb, as the Makefile does."""
    config = Path(config).resolve()
    if config.is_relative_to(BUILD):  # a generated configuration: compile it in place
        return config.with_suffix(".dtb")
    try:
        rel = config.relative_to(ROOT)
    except ValueError:  # a configuration outside the tree
        digest = hashlib.sha256(str(config).encode()).hexdigest()[:8]
        rel = Path("configs-external") / f"{config.stem}-{digest}.dts"
    return (BUILD / rel).with_suffix(".dtb")


def compile_config(config):
    config = Path(config)
    if not config.is_file():
        raise BootError(f"configuration {config} not found")
    out = config_dtb_path(config)
    _write_atomically(out, lambda tmp: dtc(
        ["-I", "dts", "-O", "dtb", "-i", str(config.resolve().parent), "-o", str(tmp),
         str(config)], str(config)))
    return out


def config_module_refs(config_dtb):
    """Every (node path, property, module name) the VM nodes of a configuration name."""
    root = fdt_parse(config_dtb.read_bytes())
    refs = []
    for node in root.walk():
        if VM_COMPATIBLE not in (node.strings("compatible") or []):
            continue
        for prop in MODULE_PROPS:
            name = node.string(prop)
            if name is not None:
                refs.append((node.path, prop, name))
    return refs


def config_vms_given(config_dtb, device_path):
    """The VM nodes whose passthrough property names device_path (a boot-DT path)."""
    root = fdt_parse(Path(config_dtb).read_bytes())
    return [node.name for node in root.walk()
            if VM_COMPATIBLE in (node.strings("compatible") or []) and
            device_path in (node.strings(PASSTHROUGH_PROP) or [])]


def module_dirs(config_dir):
    """Where modules are looked for, in order; without repeats."""
    dirs = []
    for directory in [*MODULE_DIRS, Path(config_dir)]:
        if directory.resolve() not in dirs:
            dirs.append(directory.resolve())
    return dirs


def find_module(name, config_dir):
    for directory in module_dirs(config_dir):
        candidate = directory / name
        if candidate.is_file():
            return candidate.resolve()
    return None


# ---------------------------------------------------------------- QEMU and its dtb

def parse_size(text):
    """QEMU's -m syntax: a number of MiB, or a number with a K/M/G/T suffix."""
    match = re.fullmatch(r"(\d+)([KMGT]?)[Bb]?", str(text).strip(), re.IGNORECASE)
    if not match:
        raise BootError(f"bad memory size {text!r}")
    shift = {"": 20, "K": 10, "M": 20, "G": 30, "T": 40}[match.group(2).upper()]
    return int(match.group(1)) << shift


def machine_args(smp, mem, nic_none=True):
    # -nic none: no default network card, whose option ROM (efi-virtio.rom) lives in
    # ipxe-qemu, a package qemu-system-arm only recommends. device_args' virtio-mmio card
    # (no option ROM) replaces it when asked for: nic_none=False. The device tree is the
    # same either way (every transport is in it), so qemu_base_dts dumps it with -nic none.
    argv = ["-M", MACHINE, "-cpu", CPU, "-smp", str(smp), "-m", str(mem)]
    return argv + ["-nic", "none"] if nic_none else argv


# QEMU virt's virtio-mmio transports: 32 of VIRTIO_MMIO_SIZE bytes from VIRTIO_MMIO_BASE,
# transport n raising SPI VIRTIO_MMIO_FIRST_SPI + n. QEMU plugs each -device
# virtio-*-device into the free transport with the highest address (its buses are listed
# top down), so device_args' disk lands on transport 31 (0x0a003e00, SPI 47) and its network
# card on the next one down: 30 (0x0a003c00, SPI 46) with a disk, 31 without. Both lie in
# the 4 KiB page 0x0a003000, transports 24-31, which a VM must be given whole (keel maps
# pages): configs/linux.dts does that.
VIRTIO_MMIO_BASE = 0x0A000000
VIRTIO_MMIO_SIZE = 0x200
VIRTIO_MMIO_COUNT = 32
VIRTIO_MMIO_FIRST_SPI = 16
LOOPBACK = "127.0.0.1"


def virtio_transport(index):
    """(base address, SPI) of QEMU virt's virtio-mmio transport index (0-31)."""
    if not 0 <= index < VIRTIO_MMIO_COUNT:
        raise BootError(f"virtio-mmio transport {index} does not exist (0-31)")
    return VIRTIO_MMIO_BASE + index * VIRTIO_MMIO_SIZE, VIRTIO_MMIO_FIRST_SPI + index


@dataclasses.dataclass
class Forward:
    """A TCP port forward of QEMU's user network: 127.0.0.1:host on this machine to port
    guest of the VM's network card."""
    host: int
    guest: int

    def check(self):
        for what, port in (("host", self.host), ("guest", self.guest)):
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
                raise BootError(f"port forward: {what} port {port!r} is not 1-65535")


def device_args(disk=None, net=None):
    """QEMU options for a real disk and network card on virtio-mmio transports.

    disk: a raw image file, attached as a virtio-blk-device. net: None for no network card,
    else a list of Forwards (maybe empty): a virtio-net-device on QEMU's user network with
    restrict=on, so the guest reaches nothing outside QEMU, and each forward listens on
    127.0.0.1 only. The disk comes first, so it is always on transport 31."""
    argv = []
    if disk is not None:
        argv += ["-drive", f"file={_qemu_opt(Path(disk).resolve())},if=none,id=d0,format=raw",
                 "-device", "virtio-blk-device,drive=d0"]
    if net is not None:
        netdev = "user,id=n0,restrict=on"
        for forward in net:
            forward.check()
            netdev += f",hostfwd=tcp:{LOOPBACK}:{forward.host}-:{forward.guest}"
        argv += ["-netdev", netdev, "-device", "virtio-net-device,netdev=n0"]
    return argv


def qemu_path():
    path = shutil.which(QEMU)
    if path is None:
        raise BootError(f"{QEMU} not found: run tools/install-deps.sh")
    return path


def qemu_base_dts(smp, mem):
    """QEMU's own device tree for these machine options, decompiled; dumped once and cached."""
    qemu = qemu_path()
    stat = os.stat(qemu)
    key = "\0".join([qemu, str(stat.st_size), str(stat.st_mtime_ns), *machine_args(smp, mem)])
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    dts = BOOT_DIR / f"qemu-virt-{digest}.dts"
    if dts.is_file():
        return dts.read_text()

    def dump(tmp):
        args = machine_args(smp, mem)
        args[1] += f",dumpdtb={tmp}"
        result = subprocess.run([qemu, *args, "-nographic"], stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 0 or tmp.stat().st_size == 0:
            raise BootError(f"{QEMU} could not dump its device tree:\n{result.stderr.strip()}")
        tmp.write_text(dtc(["-I", "dtb", "-O", "dts", str(tmp)], "QEMU's device tree"))

    _write_atomically(dts, dump)
    return dts.read_text()


def chosen_modules_dts(modules):
    """A dts fragment that dtc merges into the root node: /chosen gains the module nodes."""
    lines = ["", "/* boot modules, added by tools/keelboot.py */", "/ {", "\tchosen {",
             "\t\t#address-cells = <0x2>;", "\t\t#size-cells = <0x2>;"]
    for m in modules:
        lines += [
            f"\t\tmodule@{m.addr:x} {{",
            f'\t\t\tcompatible = "{m.compatible}", "multiboot,module";',
            f"\t\t\treg = <{m.addr >> 32:#x} {m.addr & 0xFFFFFFFF:#x}"
            f" {m.size >> 32:#x} {m.size & 0xFFFFFFFF:#x}>;",
            f'\t\t\tkeel,name = "{m.name}";',
            "\t\t};",
        ]
    lines += ["\t};", "};", ""]
    return "\n".join(lines)


def _qemu_opt(value):
    """Quote a value inside a QEMU -device option list (commas are doubled)."""
    return str(value).replace(",", ",,")


# ---------------------------------------------------------------- putting it together

def module_base(mem):
    """Where the first module goes: the 2 MiB after the DTB.

    With -kernel <Image> (no initrd), QEMU puts the DTB at its initrd address,
    RAM_BASE + min(RAM / 2, 128 MiB), 0x48000000 with 2G of RAM (hw/arm/boot.c), so the
    modules start one DTB_SLOT_SIZE above it."""
    dtb = RAM_BASE + min(parse_size(mem) // 2, 128 << 20)
    return (dtb + DTB_SLOT_SIZE + MODULE_ALIGN - 1) & ~(MODULE_ALIGN - 1)


def place_modules(files, mem):
    """Give each (name, path, is_config) a 2 MiB aligned address from module_base upward."""
    ram_end = RAM_BASE + parse_size(mem)
    addr, modules = module_base(mem), []
    for name, path, is_config in files:
        size = path.stat().st_size
        if size == 0:
            raise BootError(f"boot module {name} ({_rel(path)}) is empty")
        if addr + size > ram_end:
            raise BootError(f"boot modules do not fit in RAM: {name} would end at "
                            f"{addr + size:#x}, RAM ends at {ram_end:#x}")
        modules.append(Module(name, path, addr, size, is_config))
        addr = (addr + size + MODULE_ALIGN - 1) & ~(MODULE_ALIGN - 1)
    return modules


QEMU_ESCAPE_CHAR = 0x14  # Ctrl-T: QEMU's console commands are Ctrl-T X (quit), Ctrl-T C (monitor)


def build_boot(config, smp=4, mem="2G", icount=False, extra_args=(), allow_missing=False,
               kernel=KEEL_BIN, no_reboot=False, require_kernel=True, disk=None, net=None):
    """Compile config, place its modules, write the boot dtb; return a Boot with the argv.

    allow_missing: leave out modules that cannot be found (for testing keel's own check)
    instead of failing. no_reboot: QEMU exits instead of resetting (tests).
    require_kernel=False: build the command even if keel is not built yet.
    disk, net: a real disk and network card (device_args); a configuration passes their
    transports through to a VM."""
    config = Path(config)
    kernel = Path(kernel)
    if require_kernel and not kernel.is_file():
        raise BootError(f"{_rel(kernel)} not found: run make")
    if require_kernel and disk is not None and not Path(disk).is_file():
        raise BootError(f"disk image {_rel(disk)} not found")
    config_dtb = compile_config(config)

    files, seen, missing = [], set(), []
    for node, prop, name in config_module_refs(config_dtb):
        where = f"{_rel(config)}: node {node}: {prop} = \"{name}\""
        if not MODULE_NAME_RE.match(name):
            raise BootError(f"{where}: a module name is a plain file name")
        if name in seen:
            continue  # two VMs may share one module; it is loaded once
        path = find_module(name, config.resolve().parent)
        if path is None:
            if allow_missing:
                missing.append((node, prop, name))
                continue
            dirs = ", ".join(_rel(d) for d in module_dirs(config.resolve().parent))
            raise BootError(f"{where}: file not found in {dirs}")
        seen.add(name)
        files.append((name, path, False))
    files.append((config_dtb.name, config_dtb, True))
    modules = place_modules(files, mem)

    base = qemu_base_dts(smp, mem)
    key = "\0".join([str(config.resolve()), *machine_args(smp, mem)])
    boot_dtb = BOOT_DIR / f"{config.stem}-{hashlib.sha256(key.encode()).hexdigest()[:8]}.dtb"
    boot_dts = base + chosen_modules_dts(modules)
    _write_atomically(boot_dtb.with_suffix(".dts"), lambda tmp: tmp.write_text(boot_dts))
    _write_atomically(boot_dtb, lambda tmp: dtc(
        ["-I", "dts", "-O", "dtb", "-o", str(tmp), "-"], "the boot device tree", boot_dts))
    if boot_dtb.stat().st_size + QEMU_DTB_PAD > DTB_SLOT_SIZE:
        raise BootError(f"{_rel(boot_dtb)} is too big for the DTB slot ({DTB_SLOT_SIZE:#x})")

    # QEMU's console escape moves from Ctrl-A to Ctrl-T (QEMU_ESCAPE_CHAR): Ctrl-A three
    # times is keel's own key for moving console input between VMs, and must reach keel.
    argv = [qemu_path(), *machine_args(smp, mem, nic_none=net is None), "-nographic",
            "-serial", "mon:stdio", "-echr", str(QEMU_ESCAPE_CHAR), "-kernel", str(kernel),
            "-dtb", str(boot_dtb), *device_args(disk, net)]
    for m in modules:
        argv += ["-device", f"loader,file={_qemu_opt(m.path)},addr={m.addr:#x},force-raw=on"]
    if icount:
        argv += ["-icount", "shift=0"]
    if no_reboot:
        argv += ["-no-reboot"]
    argv += list(extra_args)
    return Boot(argv, config_dtb, boot_dtb, modules, missing)

