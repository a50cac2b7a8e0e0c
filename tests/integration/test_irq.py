"""Interrupts in a VM: the virtual GICv3 and the virtual timer (guest PSCI: test_psci.py).
Each guest (guests/vgic, guests/timer) must pass every check and power off.

They carry the `vgic` marker (tests/integration/pytest.ini), so they can be run alone with
`python3 -m pytest -v -m vgic tests/integration`; a plain run includes them.
"""

import pytest

from keelvm import check_vm_passed

pytestmark = pytest.mark.vgic

# The fewest PASS lines each guest prints under keel (it prints more there than without
# keel, where the keel-only checks are skipped).
MIN_PASS = {"vgic": 67, "timer": 46}


def test_vgic(keel):
    """2 vCPUs: GIC ID registers, read-back, SGIs, priorities, active state, SPI routing,
    more pending interrupts than list registers, vCPU 1's timer surviving vCPU 0's writes to
    its PPI's active and pending state, WFI woken by an SGI."""
    run = keel("vgic.dts")
    lines = run.finish()
    check_vm_passed(lines, "vgic", "vgic", min_pass=MIN_PASS["vgic"], session=run)


def test_virtual_timer(keel):
    """The virtual timer fires its PPI on time through the GIC, wakes WFI, obeys IMASK,
    ticks periodically; the EL1 physical timer fires its own PPI."""
    run = keel("timer.dts")
    lines = run.finish()
    check_vm_passed(lines, "timer", "timer", min_pass=MIN_PASS["timer"], session=run)

