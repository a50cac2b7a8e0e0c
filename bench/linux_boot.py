#!/usr/bin/python3
"""Linux boot time under keel against the same kernel natively, in instructions.

    /usr/bin/python3 bench/linux_boot.py

Boots Debian's arm64 kernel (build/linux/Image, `make linux`) with the guests/linux
initramfs, one CPU and 256 MiB, under QEMU -icount shift=0,sleep=off: natively at EL1 (QEMU virt
without virtualization) and as a keel VM (one vCPU on -smp 1). The guest's /init prints
its uptime (the virtual counter: one nanosecond per instruction executed, since the CPU
started, or since the VM started under keel), so "uptime at /init" is the number of
instructions from kernel entry to the first line /init prints. Prints
"BENCH linux_boot_native_minsns", "BENCH linux_boot_keel_minsns" (millions of
instructions) and "BENCH linux_boot_ratio"; exit status 1 if a boot fails.
"""

import re
import sys
import time
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import keelboot  # noqa: E402

LINUX = keelboot.BUILD / "linux"
ICOUNT = ["-icount", "shift=0,sleep=off"]
BOOTARGS = "console=ttyAMA0 keel.test=shell"
UPTIME = re.compile(r"NOTE uptime (\d+\.\d+) s at /init")
TIMEOUT = 300
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


def uptime_at_init(argv, what):
    """Boot, return the guest's uptime (s) printed by /init."""
    child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", codec_errors="replace",
                          timeout=TIMEOUT)
    try:
        child.expect(UPTIME)
        return float(child.match.group(1))
    except (pexpect.TIMEOUT, pexpect.EOF):
        sys.exit(f"linux_boot: {what}: no 'NOTE uptime ... at /init' line within {TIMEOUT} s")
    finally:
        child.close(force=True)


def main():
    image, initrd = LINUX / "Image", LINUX / "initramfs.cpio.gz"
    if not image.exists() or not initrd.exists():
        sys.exit("linux_boot: build/linux/Image or initramfs.cpio.gz missing: run make linux")
    native_argv = [keelboot.qemu_path(), "-M", "virt,gic-version=3", "-cpu", "max", "-smp", "1",
                   "-m", "256M", "-nographic", "-kernel", str(image), "-initrd", str(initrd),
                   "-append", BOOTARGS, *ICOUNT]
    config = keelboot.BUILD / "bench" / "linux-boot.dts"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG)
    boot = keelboot.build_boot(config, smp=1, extra_args=ICOUNT)
    start = time.monotonic()
    native = uptime_at_init(native_argv, "native")
    under_keel = uptime_at_init(boot.argv, "under keel")
    print(f"BENCH linux_boot_native_minsns {native * 1000:.1f}")
    print(f"BENCH linux_boot_keel_minsns {under_keel * 1000:.1f}")
    print(f"BENCH linux_boot_ratio {under_keel / native:.3f}")
    print(f"native command: {' '.join(native_argv)}")
    print(f"keel command: {boot.command()}")
    print(f"({time.monotonic() - start:.0f} s of host time)")


if __name__ == "__main__":
    main()
