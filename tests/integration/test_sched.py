"""More vCPUs than physical CPUs (src/core/sched.c): vCPUs share CPUs by time slices, WFI and
YIELD deschedule, timers of descheduled vCPUs still fire, exclusive CPUs stay exclusive."""

import pytest

from keelvm import check_vm_passed

pytestmark = pytest.mark.vgic


def test_psci_four_vcpus_one_cpu(keel):
    """The PSCI guest's 4 vCPUs on a single physical CPU: CPU_ON/CPU_OFF cycles, racing
    CPU_ON, AFFINITY_INFO and CPU_SUSPEND (woken by its descheduled virtual timer)."""
    run = keel("sched-psci-1cpu.dts", smp=1)
    lines = run.finish()
    check_vm_passed(lines, "psci", "psci", session=run)
