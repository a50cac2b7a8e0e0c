"""Interrupts of a passed-through device (docs/architecture.md, "Passthrough interrupts").

The ptirq guest (guests/ptirq) is given QEMU virt's PL061 GPIO controller and makes it raise
its physical SPI itself (edges, and a level it holds): each interrupt must arrive exactly as
often as the device raised it, come back while the level stays asserted after the guest's
deactivation (the list register's HW bit), reach a vCPU waiting in WFI and, once GICD_IROUTER
names vCPU 1, arrive there. It then leaves the level interrupt injected and untaken and
restarts: the second run must work as the first (keel disabled and deactivated the physical
SPI when the VM stopped, and set it up again). A bystander VM running the same guest without
the device enables the same INTID and must take none of them.
"""

import re

import pytest

from keelvm import check_vm_passed, guest_lines, restart_once

pytestmark = pytest.mark.vgic

OWNER, BYSTANDER, GUEST = "ptirq", "bystander", "ptirq"
PROMPT = re.compile(r"^\[ptirq\] PTIRQ type r to restart")
# Each run of the owner prints every one of these (guests/ptirq/main.c).
OWNER_CHECKS = ("icfgr-reads-dt-trigger", "icfgr-read-only", "edge-one-per-edge",
                "level-back-until-cleared", "level-back-until-masked", "level-masked-still-raw",
                "wakes-vcpu-in-wfi", "rerouted-to-vcpu1", "routed-back-to-vcpu0", "left-pending")
MIN_PASS_OWNER = 17
BYSTANDER_CHECKS = ("bystander-pl061-unreachable", "bystander-own-spi-taken",
                    "bystander-gets-none")


def passed(lines, vm):
    return {t[5:] for t in guest_lines(lines, vm) if t.startswith("PASS ")}


def test_passthrough_irq(keel):
    run = keel("passthrough-irq.dts")
    lines, first, second = restart_once(run, OWNER, PROMPT)
    for what, part in (("first run", first), ("second run", second)):
        check_vm_passed(part, OWNER, GUEST, min_pass=MIN_PASS_OWNER, session=run,
                        powered_off=part is second)
        missing = [c for c in OWNER_CHECKS if c not in passed(part, OWNER)]
        if missing:
            run.fail(f"{OWNER} {what}: no PASS for {missing}")
    check_vm_passed(lines, BYSTANDER, GUEST, min_pass=len(BYSTANDER_CHECKS), session=run)
    missing = [c for c in BYSTANDER_CHECKS if c not in passed(lines, BYSTANDER)]
    if missing:
        run.fail(f"{BYSTANDER}: no PASS for {missing}")
    # The bystander watched while the owner made its interrupts: its verdict comes after
    # the owner's first run is over.
    owner_done = next(i for i, line in enumerate(lines) if PROMPT.match(line))
    verdict = next(i for i, line in enumerate(lines)
                   if line == f"[{BYSTANDER}] PASS bystander-gets-none")
    if verdict < owner_done:
        run.fail("the bystander finished watching before the owner's interrupts were over")
