"""Device passthrough of MMIO (docs/config.md, "Device passthrough").

VM owner is given QEMU virt's PL031 RTC (/pl031@9010000, which keel does not use): the
ptmmio guest finds the copied node in its device tree and reads the real device (its
seconds count, its PrimeCell ID). VM mover is given the eight virtio-mmio transports of page
0x0a003000 at IPA 0x20003000: the copied nodes give the moved addresses, each transport reads
the virtio magic there. VM intruder, given nothing, touches those addresses and gets data
aborts, then carries on; VM bystander finishes its checks beside them. Every
refused configuration has its error text checked."""

import re

import pytest

from keelvm import (CONFIG_ERROR_TIMEOUT, ROOT, TIMEOUT_SCALE, check_config_refused,
                    check_keel_healthy, check_vm_passed, guest_lines)

PT_LOG = re.compile(r"^\(keel\) vm owner: passthrough /pl031@9010000: MMIO 0x9010000 \(4 KiB\) "
                    r"at IPA 0x9010000, SPI 2 \(INTID 34, level\)$")
# dt: node, compatible, reg, interrupts, interrupt-parent, clock; device: RTC twice, 4 ID
# words; still running: 2
OWNER_MIN_PASS = 14
VIRTIO_LOG = re.compile(r"^\(keel\) vm mover: passthrough /virtio_mmio@a003([02468ace])00: MMIO "
                        r"0xa003000 \(4 KiB\) at IPA 0x20003000, SPI (\d+) \(INTID \d+, edge\)$")
MOVER_MIN_PASS = 7      # nodes, moved, magic, PA unmapped, no RTC, still running: 2
INTRUDER_MIN_PASS = 7   # no node, RTC read + write abort, virtio PA + IPA abort, running: 2
BYSTANDER_MIN_PASS = 3


def test_passthrough_mmio(keel):
    run = keel("passthrough-mmio.dts")
    lines = run.finish()
    check_keel_healthy(lines, run)
    if not any(PT_LOG.match(line) for line in lines):
        run.fail("keel did not log owner's passthrough of /pl031@9010000 "
                 "('vm owner: passthrough /pl031@9010000: MMIO 0x9010000 (4 KiB) at IPA ...')")
    spis = sorted((int(m.group(1), 16), int(m.group(2)))
                  for m in map(VIRTIO_LOG.match, lines) if m)
    if spis != [(2 * i, 40 + i) for i in range(8)]:
        run.fail(f"keel's log of mover's eight virtio-mmio transports: {spis}")
    if any(re.match(r"^\(keel\) vm (intruder|bystander): passthrough", line) for line in lines):
        run.fail("keel logged a passthrough device for a VM that was given none")
    check_vm_passed(lines, "owner", "ptmmio", min_pass=OWNER_MIN_PASS, session=run)
    check_vm_passed(lines, "mover", "ptmmio", min_pass=MOVER_MIN_PASS, session=run)
    check_vm_passed(lines, "intruder", "ptmmio", min_pass=INTRUDER_MIN_PASS, session=run)
    check_vm_passed(lines, "bystander", "ptmmio", min_pass=BYSTANDER_MIN_PASS, session=run)


# Debian's kernel: its rtc-pl031 driver (built in) on the copied node, and the clock it sets.
LINUX_RTC_REGISTERED = re.compile(r"rtc-pl031 9010000\.pl031: registered as rtc0")
LINUX_RTC_CLOCK = re.compile(r"rtc-pl031 9010000\.pl031: setting system clock to (\d{4})-")
LINUX_MIN_PASS = 9     # test_linux.py's min_pass(1): its checks, dmesg-clean among them


@pytest.mark.linux
def test_linux_drives_passthrough_rtc(keel):
    """The copied node is what an unmodified kernel needs: Linux's AMBA bus reads the PL031's
    PrimeCell ID through the stage-2 mapping, finds the copied clock, binds rtc-pl031, and
    sets its system clock from the real RTC; its checks pass with a clean dmesg."""
    linux = ROOT / "build" / "linux"
    if not (linux / "Image").is_file() or not (linux / "initramfs.cpio.gz").is_file():
        pytest.fail("build/linux/Image or initramfs.cpio.gz not found: run make linux",
                    pytrace=False)
    run = keel("linux-passthrough-rtc.dts", timeout=300 * TIMEOUT_SCALE)
    lines = run.finish()
    check_keel_healthy(lines, run)
    texts = guest_lines(lines, "linux")
    if not any(LINUX_RTC_REGISTERED.search(t) for t in texts):
        run.fail("Linux did not register the passed-through PL031 as rtc0")
    years = [int(m.group(1)) for m in map(LINUX_RTC_CLOCK.search, texts) if m]
    if not years or years[0] < 2024:
        run.fail(f"Linux did not set its clock from the real RTC (years seen: {years})")
    check_vm_passed(lines, "linux", "linux", min_pass=LINUX_MIN_PASS, session=run)


# (config, VM node, texts the "(keel) config error" line must hold)
BAD_PASSTHROUGH = [
    ("bad-pt-no-node.dts", "ptnode",
     ('passthrough "/nothing@0": the boot device tree has no such node',)),
    ("bad-pt-console.dts", "ptuart",
     ('passthrough "/pl011@9000000": it is keel\'s console UART; a VM cannot have it',)),
    ("bad-pt-gic.dts", "ptgic",
     ('passthrough "/intc@8000000": it is the GIC, which keel drives',)),
    ("bad-pt-page.dts", "ptpage",
     ('passthrough "/virtio_mmio@a003e00": it shares page 0x0a003000 with /virtio_mmio@a003000 '
      'and 6 more that this VM is not given: a VM reaches whole pages; give it every device '
      'in the page',)),
    ("bad-pt-ram.dts", "ptram",
     ("it would be at IPA 0x40010000-0x40010fff, in the VM's RAM 0x40000000-0x43ffffff",)),
    ("bad-pt-vgic.dts", "ptvgic",
     ("it would be at IPA 0x80a0000-0x80a0fff, where keel emulates the VM's virtual GIC",)),
    ("bad-pt-offset.dts", "ptoff",
     ("passthrough-ipa 0x20010800 is at offset 0x800 in its page but its registers 0x9010000 "
      "are at 0x0", "give an IPA ending in 0x000")),
    ("bad-pt-irqmap.dts", "ptpci",
     ('passthrough "/pcie@10000000": it has interrupt-map', "which keel does not support")),
    ("bad-pt-children.dts", "ptkids",
     ('passthrough "/gpio-keys": it has a child node "poweroff"',)),
    ("bad-pt-dtb.dts", "ptdtb",
     ('passthrough needs the device tree keel generates, but this VM is given dtb',)),
    ("bad-pt-twice.dts", "ptb",
     ('passthrough "/pl031@9010000": it is already given to /pta; a device has one owner',)),
]


@pytest.mark.parametrize("config, node, words", BAD_PASSTHROUGH,
                         ids=[c[0].removesuffix(".dts") for c in BAD_PASSTHROUGH])
def test_passthrough_refused(keel, config, node, words):
    run = keel(config, timeout=CONFIG_ERROR_TIMEOUT)
    error = check_config_refused(run, [f": /{node}: ", *words])
    if not re.search(r"config error: \S+\.dtb: /", error):
        run.fail(f"the config error does not start with the config file's name: {error!r}")
