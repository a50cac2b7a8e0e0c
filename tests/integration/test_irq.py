"""Interrupts in a VM: the virtual GICv3, the virtual timer, and guest PSCI on 4 vCPUs.
Each guest (guests/vgic, guests/timer, guests/psci) must pass every check and power off.

They carry the `vgic` marker (tests/integration/pytest.ini), so they can be run alone with
`python3 -m pytest -v -m vgic tests/integration`; a plain run includes them.
"""

import pytest

from keelvm import check_vm_passed

pytestmark = pytest.mark.vgic

# The fewest PASS lines each guest prints under keel (it prints more there than without
# keel, where the keel-only checks are skipped).
MIN_PASS = {"vgic": 67, "timer": 46, "psci": 58}


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


def test_psci(keel):
    """4 vCPUs pinned to CPUs 0-3: PSCI_FEATURES, CPU_ON errors, AFFINITY_INFO through a
    power cycle, CPU_ON after CPU_OFF, CPU_SUSPEND."""
    run = keel("psci.dts")
    lines = run.finish()
    check_vm_passed(lines, "psci", "psci", min_pass=MIN_PASS["psci"], session=run)
