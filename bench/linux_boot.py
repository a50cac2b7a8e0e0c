#!/usr/bin/python3
"""Linux boot time under keel against the same kernel natively, in instructions.

    /usr/bin/python3 bench/linux_boot.py [--record] [--verbose]

Boots Debian's arm64 kernel (build/linux/Image, `make linux`) with the guests/linux
initramfs, one CPU and 256 MiB, under QEMU -icount shift=0,sleep=off, three times:
  1. as a keel VM (one vCPU on -smp 1). Once /init has printed its uptime, the shell dumps
     /sys/firmware/fdt: the device tree blob exactly as keel generated it for the VM;
  2. natively at EL1 (QEMU virt without virtualization) with that same device tree
     (QEMU -dtb). The native boot dumps /sys/firmware/fdt too, and the two trees must be
     equal but for what QEMU's loader rewrites (SAME_DT_EXCEPT: /chosen, /psci), else the
     figures are refused: the same devices, CPUs, GIC, timer and UART in both boots;
  3. natively with QEMU's own device tree (PCIe, virtio-mmio, RTC, GPIO, flash, fw-cfg
     besides), the comparison the keel figures were once made against.
Each figure is the kernel's timestamp on "Run /init as init process", its sched_clock in
microseconds: under -icount shift=0 a nanosecond of the virtual counter is one instruction,
so it counts, to 1000 instructions, what the machine executed from the moment the kernel
starts its sched_clock (time_init(), early in start_kernel(); what runs before it is left
out) to the start of /init. Prints "BENCH <figure> <value>" for FIGURES (millions of
instructions, and the ratio keel / native with the same tree), compares them with
bench/figures.json (exit 1 if one moved by more than 2 %), and with --record writes them
there and into docs/performance.md.
Exit status 2 if a boot fails.
"""

import argparse
import base64
import binascii
import os
import re
import sys
import time
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))
import figures as figures_file  # noqa: E402
import keelboot  # noqa: E402

FIGURES = ("linux_boot_keel_minsns", "linux_boot_native_minsns", "linux_boot_ratio",
           "linux_boot_native_qemu_dt_minsns")
LINUX = keelboot.BUILD / "linux"
OUT = keelboot.BUILD / "bench"
ICOUNT = ["-icount", "shift=0,sleep=off"]
BOOTARGS = "console=ttyAMA0 keel.test=shell"
# The kernel's message as it starts /init, stamped with its sched_clock (microseconds).
RUN_INIT = re.compile(r"\[ *(\d+)\.(\d{6})\] Run /init as init process")
UPTIME = re.compile(r"NOTE uptime (\d+\.\d+) s at /init")
NS_PER_S, NS_PER_US = 1000000000, 1000
PROMPT = re.compile(r"[#$] ")
# The shell prints the blob between two marker lines; the command's own echo has the
# markers followed by ";" and a quote, never by a line end.
DUMP_COMMAND = "echo 'FDT''-BEGIN'; base64 /sys/firmware/fdt; echo 'FDT''-END'\r"
DUMP = re.compile(r"FDT-BEGIN\r*\n(.*?)FDT-END\r*\n", re.S)
CONSOLE_PREFIX = re.compile(r"^\[[^\]]+\] ")  # keel's "[vm] " before each console line
# What QEMU's loader rewrites in a -dtb tree: the initrd's place (its own choice of
# address), the command line (the same -append text), and the PSCI node, which it replaces
# with its own (QEMU is the native boot's PSCI firmware): "arm,psci" added to compatible and
# the PSCI 0.1 function ids, which a kernel that finds "arm,psci-0.2" does not read. The
# method ("hvc") must be the same.
SAME_DT_EXCEPT = {("/chosen", "linux,initrd-start"), ("/chosen", "linux,initrd-end"),
                  ("/chosen", "bootargs"), ("/psci", "compatible"), ("/psci", "cpu_on"),
                  ("/psci", "cpu_off"), ("/psci", "cpu_suspend"), ("/psci", "migrate")}
TIMEOUT = 300  # seconds per boot, times $KEEL_TIMEOUT_SCALE
TIMEOUT_SCALE = float(os.environ.get("KEEL_TIMEOUT_SCALE", "1"))
CONFIG = f"""\
/dts-v1/;
/* Written by bench/linux_boot.py: Debian's kernel alone in one VM with one vCPU. */
/ {{
	compatible = "keel,config";
	#address-cells = <2>;
	#size-cells = <2>;
	keel,when-idle = "wait";

	linux {{
		compatible = "keel,vm";
		memory = <0x0 0x40000000 0x0 0x10000000>;
		cpus = <1>;
		cpu-affinity = <0>;
		kernel = "Image";
		initrd = "initramfs.cpio.gz";
		bootargs = "{BOOTARGS}";
	}};
}};
"""


class BootFailed(Exception):
    pass


def boot(argv, what, log, dump_fdt, verbose):
    """Boot; return (instructions to "Run /init", the /sys/firmware/fdt blob or None)."""
    log.write(f"\n# {what}: {' '.join(argv)}\n")
    log.flush()
    child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", codec_errors="replace",
                          timeout=TIMEOUT * TIMEOUT_SCALE, echo=False)
    child.logfile_read = sys.stdout if verbose else log
    try:
        child.expect(RUN_INIT)
        insns = int(child.match.group(1)) * NS_PER_S + int(child.match.group(2)) * NS_PER_US
        child.expect(UPTIME)  # /init runs (the keel.test=shell path: no checks)
        if not dump_fdt:
            return insns, None
        child.expect(PROMPT)
        child.send(DUMP_COMMAND)
        child.expect(DUMP)
        text = "".join(CONSOLE_PREFIX.sub("", line).strip()
                       for line in child.match.group(1).splitlines())
        try:
            return insns, base64.b64decode(text, validate=True)
        except binascii.Error as err:
            raise BootFailed(f"{what}: /sys/firmware/fdt came back garbled ({err})") from err
    except pexpect.TIMEOUT as err:
        raise BootFailed(f"{what}: timed out after {child.timeout:.0f} s; see "
                         f"{keelboot._rel(Path(log.name))}") from err
    except pexpect.EOF as err:
        raise BootFailed(f"{what}: QEMU exited: {child.before[-2000:].strip()}") from err
    finally:
        child.close(force=True)


def tree_props(blob):
    """{(node path, property): value} of a device tree blob."""
    return {(node.path, prop): value for node in keelboot.fdt_parse(blob).walk()
            for prop, value in node.props.items()}


def tree_differences(vm_blob, native_blob):
    """Where the native kernel's tree differs from the VM's, but for what QEMU's loader
    writes into a -dtb tree (SAME_DT_EXCEPT); node order does not matter."""
    vm, native = tree_props(vm_blob), tree_props(native_blob)
    vm_nodes, native_nodes = {path for path, _ in vm}, {path for path, _ in native}
    differences = [f"{path}: only in the VM" for path in sorted(vm_nodes - native_nodes)]
    differences += [f"{path}: only natively" for path in sorted(native_nodes - vm_nodes)]
    for key in sorted(set(vm) | set(native)):
        if vm.get(key) != native.get(key) and key not in SAME_DT_EXCEPT:
            differences.append(f"{key[0]} {key[1]}: VM {vm.get(key)!r}, native "
                               f"{native.get(key)!r}")
    return differences


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true",
                        help="write the figures into bench/figures.json and docs/performance.md")
    parser.add_argument("--verbose", action="store_true", help="echo the consoles")
    args = parser.parse_args()

    image, initrd = LINUX / "Image", LINUX / "initramfs.cpio.gz"
    if not image.exists() or not initrd.exists():
        print("linux_boot: build/linux/Image or initramfs.cpio.gz missing: run make linux",
              file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    config = OUT / "linux-boot.dts"
    config.write_text(CONFIG)
    vm_dtb, native_dtb = OUT / "linux-vm.dtb", OUT / "linux-native-seen.dtb"
    native_base = [keelboot.qemu_path(), "-M", "virt,gic-version=3", "-cpu", "max", "-smp", "1",
                   "-m", "256M", "-nic", "none", "-nographic", "-kernel", str(image),
                   "-initrd", str(initrd), "-append", BOOTARGS, *ICOUNT]
    native_same_dt = [*native_base, "-dtb", str(vm_dtb)]
    start = time.monotonic()
    log_path = OUT / "linux_boot.log"
    try:
        keel_boot = keelboot.build_boot(config, smp=1, extra_args=ICOUNT)
        with open(log_path, "w", encoding="utf-8", errors="replace") as log:
            under_keel, vm_blob = boot(keel_boot.argv, "under keel", log, True, args.verbose)
            vm_dtb.write_bytes(vm_blob)
            native, native_blob = boot(native_same_dt, "native, the VM's device tree", log,
                                       True, args.verbose)
            native_dtb.write_bytes(native_blob)
            qemu_dt, _ = boot(native_base, "native, QEMU's device tree", log, False,
                              args.verbose)
        differences = tree_differences(vm_blob, native_blob)
    except (keelboot.BootError, BootFailed) as err:
        print(f"linux_boot: {err}", file=sys.stderr)
        return 2
    if differences:
        print(f"linux_boot: the native kernel did not see the VM's device tree "
              f"({keelboot._rel(vm_dtb)} against {keelboot._rel(native_dtb)}):\n  " +
              "\n  ".join(differences[:40]), file=sys.stderr)
        return 2

    measured = {
        "linux_boot_keel_minsns": round(under_keel / 1e6, 3),
        "linux_boot_native_minsns": round(native / 1e6, 3),
        "linux_boot_ratio": round(under_keel / native, 4),
        "linux_boot_native_qemu_dt_minsns": round(qemu_dt / 1e6, 3),
    }
    for name in FIGURES:
        print(f"BENCH {name} {measured[name]}")
    print(f"keel command: {keel_boot.command()}")
    print(f"native command: {' '.join(native_same_dt)}")
    print(f"native command, QEMU's tree: {' '.join(native_base)}")
    print(f"the VM's device tree, as keel generated it: {keelboot._rel(vm_dtb)}")
    print(f"({time.monotonic() - start:.0f} s of host time; consoles in "
          f"{keelboot._rel(log_path)})")
    return figures_file.record_or_report(measured, args.record, "linux_boot")


if __name__ == "__main__":
    sys.exit(main())
