"""Guest PSCI (guests/psci): the calls keel implements and those it does not, CPU_OFF/CPU_ON
cycles and racing CPU_ON calls on 4 vCPUs; and a VM whose last vCPU calls CPU_OFF, which has
powered off.
"""

import pytest

from keelvm import KEEL_PREFIX, check_vm_passed, first_index

pytestmark = pytest.mark.vgic  # CPU_SUSPEND waits for the virtual timer through the GIC

LAST_OFF_VM = "psci-last-off"
LAST_OFF_LINE = (f"{KEEL_PREFIX}vm {LAST_OFF_VM}: powered off by the guest "
                 "(its last vCPU called PSCI CPU_OFF)")
ALL_STOPPED_POWEROFF = f"{KEEL_PREFIX}every VM has stopped: powering off"


def test_psci(keel):
    """4 vCPUs pinned to CPUs 0-3: PSCI_FEATURES, every unknown id in 0x84000000-1f and
    0xC4000000-1f answered NOT_SUPPORTED without effect, CPU_ON errors, AFFINITY_INFO through
    a power cycle, CPU_ON after CPU_OFF, 900 CPU_OFF/CPU_ON cycles each starting from reset
    VBAR_EL1/TPIDR_EL1, three vCPUs racing CPU_ON (one SUCCESS, the others ALREADY_ON),
    CPU_SUSPEND."""
    run = keel("psci.dts")
    lines = run.finish()
    check_vm_passed(lines, "psci", "psci", session=run)


def test_psci_last_vcpu_off(keel):
    """vCPU 0 calls CPU_OFF, then vCPU 1 (the VM's last) does: keel says the VM powered off,
    and keel,when-idle = "poweroff" ends QEMU."""
    run = keel("psci-last-off.dts")
    lines = run.finish()  # QEMU exits by itself with status 0: when-idle fired
    check_vm_passed(lines, LAST_OFF_VM, "psci", min_pass=3, session=run)
    off = first_index(lines, lambda line: line == LAST_OFF_LINE)
    if off is None:
        run.fail(f"no {LAST_OFF_LINE!r} line")
    if first_index(lines[off:], lambda line: line == ALL_STOPPED_POWEROFF) is None:
        run.fail(f"no {ALL_STOPPED_POWEROFF!r} line after the VM powered off")
