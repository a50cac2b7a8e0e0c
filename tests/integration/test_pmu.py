"""The vCPU's own PMUv3 (guests/pmu): counters, instruction counts that leave keel's EL2
work out, the overflow interrupt, a second vCPU's counters and their reset.

Run under QEMU -icount shift=0: QEMU implements INST_RETIRED only there (target/arm/helper.c
instructions_supported), and the guest's counting checks SKIP without it.
"""

from keelvm import check_vm_passed, guest_lines

# The checks each run must PASS (not SKIP): counting needs -icount; vCPU 1's restart is
# checked without it (under -icount QEMU does not run the second CPU_ON's vCPU in time).
ICOUNT_CHECKS = ("pmu-version", "pmcr-n", "counter-n-undefined", "count-loop",
                 "count-hvc-loop-not-el2", "overflow-irq", "overflow-irq-once", "vcpu0-counter-own")
PLAIN_CHECKS = ("pmu-version", "overflow-irq", "overflow-irq-once", "vcpu1-second-run",
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
