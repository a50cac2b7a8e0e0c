"""The vCPU's own PMUv3 (guests/pmu): counters, instruction counts that leave keel's EL2
work out, the overflow interrupt, a second vCPU's counters and their reset.

Run under QEMU -icount shift=0: QEMU implements INST_RETIRED only there (target/arm/helper.c
instructions_supported), and the guest's counting checks SKIP without it.
"""

import re

import pytest

from keelvm import ROOT, TIMEOUT_SCALE, check_keel_healthy, check_vm_passed, guest_lines

# The checks each run must PASS (not SKIP): counting needs -icount; vCPU 1's own counters
# and its restart are checked without it (under -icount vCPU 1, started while vCPU 0 waits
# for it, does not run in time: an open problem, README's limits; the psci guest's off/on
# cycles fail the same way under -icount, PMU or not).
ICOUNT_CHECKS = ("pmu-version", "pmcr-n", "counter-n-undefined", "count-loop",
                 "count-hvc-loop-not-el2", "overflow-irq", "overflow-irq-once")
PLAIN_CHECKS = ("pmu-version", "overflow-irq", "overflow-irq-once", "vcpu1-first-run",
                "vcpu0-counter-own", "vcpu1-second-run",
                "vcpu1-restart-pmcr-e", "vcpu1-restart-cnten", "vcpu1-restart-counter")


def run_pmu_guest(keel, icount, must_pass):
    run = keel("pmu.dts", icount=icount)
    lines = run.finish()
    check_vm_passed(lines, "pmu", "pmu", session=run)
    passed = {line.split()[1] for line in guest_lines(lines, "pmu") if line.startswith("PASS ")}
    missing = [name for name in must_pass if name not in passed]
    assert not missing, f"not PASS (icount={icount}): {missing}"


def test_pmu_counts(keel):
    """Under -icount: PMUVer and PMCR_EL0.N shown, counter N UNDEFINED, a 200,000-instruction
    loop counted within 64, 2,000 hypercalls not counting keel's instructions even with the
    filter's NSH set, the overflow PPI delivered once, vCPU 0's counter its own."""
    run_pmu_guest(keel, True, ICOUNT_CHECKS)


def test_pmu_restart(keel):
    """Without -icount: the overflow PPI, and vCPU 1 started again finds its PMU reset (its
    counter, enable and PMCR_EL0.E left set at CPU_OFF are gone)."""
    run_pmu_guest(keel, False, PLAIN_CHECKS)


# ---------------------------------------------------------------- Linux

LINUX_FILES = [ROOT / "build" / "linux" / "Image", ROOT / "build" / "linux" / "initramfs.cpio.gz"]
LINUX_TIMEOUT = 300 * TIMEOUT_SCALE
LINUX_POWERED_OFF = re.compile(r"^\(keel\) vm linux: powered off\b")
HEARTBEAT = re.compile(r"^\[bystander\] NOTE alive \d+$")
PERF_WAITING = re.compile(r"^\[linux\] NOTE perf: waiting for a line")


@pytest.mark.linux
def test_linux_perf_counts_own_instructions(keel):
    """Debian's kernel probes the vCPU's PMU (armv8_pmuv3, from keel's pmu node) and
    guests/linux/tools/perfcount counts its own 20,000,000-instruction loop with
    perf_event_open within 200 instructions (keel's timer interrupts and exits in the
    loop not counted), once a bystander Linux VM runs on the other CPU (its heartbeat),
    under -icount (QEMU's instruction event needs it)."""
    missing = [str(p.relative_to(ROOT)) for p in LINUX_FILES if not p.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run make linux", pytrace=False)
    run = keel("linux-perf.dts", smp=2, icount=True, timeout=LINUX_TIMEOUT)
    run.wait_for(PERF_WAITING, "VM linux waiting to count")
    run.wait_for(HEARTBEAT, "the bystander's heartbeat")
    run.child.send("\r")   # console input goes to VM linux, the first
    run.wait_for(LINUX_POWERED_OFF, "'(keel) vm linux: powered off'")
    check_vm_passed(run.lines, "linux", "linux", min_pass=3, session=run)
    passed = {line.split()[1] for line in guest_lines(run.lines, "linux")
              if line.startswith("PASS ")}
    assert {"pmu-probe", "perf-instructions"} <= passed, f"PASS lines: {sorted(passed)}"
    run.wait_for(HEARTBEAT, "the bystander's heartbeat after VM linux powered off")
    check_keel_healthy(run.lines, run)
