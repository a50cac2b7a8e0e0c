"""Interrupts of a passed-through device (docs/architecture.md, "Passthrough interrupts").

The ptirq guest (guests/ptirq) is given QEMU virt's PL061 GPIO controller and makes it raise
its physical SPI itself (edges, and a level it holds): each interrupt must arrive exactly as
often as the device raised it, come back while the level stays asserted after the guest's
deactivation (the list register's HW bit), reach a vCPU waiting in WFI, arrive on vCPU 1 once
GICD_IROUTER names it, and wait for vCPU 1 while it is powered off until it is on again (then
be taken once). It then leaves the level interrupt injected and untaken and
restarts: the second run must work as the first (keel disabled and deactivated the physical
SPI when the VM stopped, and set it up again). A second VM is given the virtio-mmio transport
of a virtio-rng device, an edge-triggered SPI: each buffer the device uses must bring exactly
one interrupt. A bystander VM running the same guest without the devices enables the same
INTID and must take none of them.
"""

import re

import pytest

from keelvm import (ROOT, TIMEOUT_SCALE, check_keel_healthy, check_vm_passed, guest_lines,
                    restart_once)

pytestmark = pytest.mark.vgic

OWNER, BYSTANDER, VIRTIO, GUEST = "ptirq", "bystander", "ptvirtio", "ptirq"
QEMU_ARGS = ("-device", "virtio-rng-device")   # behind the last transport, 0x0a003e00
PROMPT = re.compile(r"^\[ptirq\] PTIRQ type r to restart")
# Each run of the owner prints every one of these (guests/ptirq/main.c).
OWNER_CHECKS = ("icfgr-reads-dt-trigger", "icfgr-read-only", "edge-one-per-edge",
                "level-back-until-cleared", "level-back-until-masked", "level-masked-still-raw",
                "wakes-vcpu-in-wfi", "rerouted-to-vcpu1", "routed-back-to-vcpu0",
                "vcpu-off-nobody-takes-it", "vcpu-off-kept-for-it", "left-pending")
MIN_PASS_OWNER = 20
VIRTIO_CHECKS = ("virtio-icfgr-edge", "virtio-legacy", "virtio-queue", "virtio-edge-not-level",
                 "virtio-edge-one-per-buffer")
BYSTANDER_CHECKS = ("bystander-pl061-unreachable", "bystander-own-spi-taken",
                    "bystander-gets-none")


def passed(lines, vm):
    return {t[5:] for t in guest_lines(lines, vm) if t.startswith("PASS ")}


def test_passthrough_irq(keel):
    run = keel("passthrough-irq.dts", extra_args=QEMU_ARGS)
    lines, first, second = restart_once(run, OWNER, PROMPT)
    for what, part in (("first run", first), ("second run", second)):
        check_vm_passed(part, OWNER, GUEST, min_pass=MIN_PASS_OWNER, session=run,
                        powered_off=part is second)
        missing = [c for c in OWNER_CHECKS if c not in passed(part, OWNER)]
        if missing:
            run.fail(f"{OWNER} {what}: no PASS for {missing}")
    for vm, checks in ((BYSTANDER, BYSTANDER_CHECKS), (VIRTIO, VIRTIO_CHECKS)):
        check_vm_passed(lines, vm, GUEST, min_pass=len(checks), session=run)
        missing = [c for c in checks if c not in passed(lines, vm)]
        if missing:
            run.fail(f"{vm}: no PASS for {missing}")
    # The bystander watched while the owner made its interrupts: its verdict comes after
    # the owner's first run is over.
    owner_done = next(i for i, line in enumerate(lines) if PROMPT.match(line))
    verdict = next(i for i, line in enumerate(lines)
                   if line == f"[{BYSTANDER}] PASS bystander-gets-none")
    if verdict < owner_done:
        run.fail("the bystander finished watching before the owner's interrupts were over")


# Debian's kernel and its rtc-pl031 driver: the RTC's alarm through the passed-through SPI.
IRQ_COUNT = re.compile(r"^\[linux\] IRQS-(BEFORE|AFTER) (\d+)$")
ALARM_LEFT = re.compile(r"^\[linux\] ALARM-LEFT <(.*)>$")
ALARM_SECONDS = 2


@pytest.mark.linux
def test_linux_rtc_alarm_interrupt(keel):
    """Linux sets an alarm 2 s ahead in the passed-through PL031 (/sys/class/rtc/rtc0/
    wakealarm): its interrupt must reach rtc-pl031 exactly once (none: keel did not deliver
    it; more: the level SPI was not deactivated in step with the guest), and the fired alarm
    is cleared."""
    linux = ROOT / "build" / "linux"
    if not (linux / "Image").is_file() or not (linux / "initramfs.cpio.gz").is_file():
        pytest.fail("build/linux/Image or initramfs.cpio.gz not found: run make linux",
                    pytrace=False)
    run = keel("linux-passthrough-irq.dts", timeout=300 * TIMEOUT_SCALE)
    run.wait_for(r"^\[linux\] NOTE shell on the console", "Linux's shell")
    count = "awk '/rtc-pl031/ {print \"IRQS-%s\", $2}' /proc/interrupts\r"
    run.child.send(count % "BEFORE")
    before = int(run.wait_for(IRQ_COUNT, "the interrupt count before").group(2))
    run.child.send(f"echo +{ALARM_SECONDS} > /sys/class/rtc/rtc0/wakealarm; "
                   f"sleep {ALARM_SECONDS + 2}\r")
    run.child.send(count % "AFTER")
    after = int(run.wait_for(r"^\[linux\] IRQS-AFTER (\d+)$", "the count after").group(1))
    run.child.send("echo \"ALARM-LEFT <$(cat /sys/class/rtc/rtc0/wakealarm)>\"\r")
    left = run.wait_for(ALARM_LEFT, "the alarm's state").group(1)
    run.child.send("poweroff -f\r")
    lines = run.finish()
    check_keel_healthy(lines, run)
    if after - before != 1:
        run.fail(f"rtc-pl031 took {after - before} interrupts for one alarm (want 1)")
    if left:
        run.fail(f"the alarm did not fire: wakealarm still reads {left!r}")
