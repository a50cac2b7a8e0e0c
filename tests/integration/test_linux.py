"""Debian's arm64 Linux as a keel VM: it boots, runs its checks (guests/linux/checks.sh)
and powers off or reboots, next to other VMs.

These tests need keel's virtual GIC and timer, so they carry the `linux` marker and
`make test` leaves them out (pytest -m "not linux") until keel boots Linux; run them with
`make linux-test` (pytest -m linux). They need `make linux` (build/linux/Image and
build/linux/initramfs.cpio.gz) and fail, never skip, without it.
"""

import re
import time

import pytest

from keelvm import (GUEST_FAIL, GUEST_LINE, GUEST_PASS, GUEST_START, GUEST_SUMMARY,
                    ROOT, TIMEOUT_SCALE, VM_POWERED_OFF, VM_STOPPED,
                    check_keel_healthy, check_vm_passed, find_all, guest_lines)

pytestmark = pytest.mark.linux

LINUX_FILES = [ROOT / "build" / "linux" / "Image", ROOT / "build" / "linux" / "initramfs.cpio.gz"]

# Linux boots in 5-20 s in QEMU TCG on its own (tools/linux/native.py) and its checks take
# another 15 s; under keel there is no KVM either, so allow several times that.
BOOT_TIMEOUT = 300 * TIMEOUT_SCALE

# The PASS lines one boot prints at least: ncpus, cpuN-runs per CPU, sleep-5s,
# rcu-expedited, rcu-normal, parallel-work, timer-irqs, dmesg-clean, and ipis (> 1 CPU).
def min_pass(ncpus):
    return ncpus + 7 + (ncpus > 1)


SLEEP_BEGIN = "NOTE sleep-5s: begin"
SLEEP_END = re.compile(r"^NOTE sleep-5s: took ")
SLEEP_HOST_RANGE = (4.5, 6.5)  # host seconds: a guest clock at the wrong rate is far out
HEARTBEAT = re.compile(r"^NOTE alive (\d+)$")
VM_RESTARTING = re.compile(r"^\(keel\) vm (\S+): restarting\b")
LINUX_POWERED_OFF = re.compile(r"^\(keel\) vm linux: powered off\b")


@pytest.fixture(autouse=True)
def linux_built():
    missing = [str(p.relative_to(ROOT)) for p in LINUX_FILES if not p.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run make linux", pytrace=False)


def guest_re(vm, regex):
    """A console-line regex for VM vm's text matching regex (a str or pattern)."""
    text = regex.pattern if isinstance(regex, re.Pattern) else re.escape(regex) + "$"
    return re.compile(rf"^\[{re.escape(vm)}\] {text.lstrip('^')}")


def wait_linux(run, vm, regex, what):
    """Wait for VM vm's line matching regex; fail at once if its kernel panics instead
    (a panicked kernel prints nothing more, and the test would wait for its deadline)."""
    text = guest_re(vm, regex).pattern
    either = re.compile(rf"{text}|^\[{re.escape(vm)}\] (?P<panic>.*Kernel panic - .*)")
    match = run.wait_for(either, f"{vm}: {what}")
    if match.group("panic") is not None:
        run.drain(2)
        run.fail(f"VM {vm}: Linux panicked: {match.group('panic')!r}")
    return match


def check_sleep_by_host_clock(run, vm):
    """The guest's 5 s sleep also takes about 5 s of host time: its clock runs at the
    right rate (the guest's own check cannot tell, it measures with the same clock)."""
    wait_linux(run, vm, SLEEP_BEGIN, repr(SLEEP_BEGIN))
    begin = time.monotonic()
    wait_linux(run, vm, SLEEP_END, "the end of its 5 s sleep")
    took = time.monotonic() - begin
    low, high = SLEEP_HOST_RANGE
    if not low <= took <= high:
        run.fail(f"VM {vm}: sleep 5 took {took:.2f} s of host time, not {low}-{high} s")


def split_boots(texts):
    """The VM's lines, one list per boot (each from its 'GUEST linux start' line)."""
    boots = []
    for text in texts:
        if GUEST_START.match(text):
            boots.append([])
        if boots:
            boots[-1].append(text)
    return boots


def check_boot_passed(run, vm, texts, ncpus, what):
    """One boot's lines: no FAIL, enough PASS, a SUMMARY that agrees and says 0 failed."""
    fails = [t for t in texts if GUEST_FAIL.match(t)]
    if fails:
        run.fail(f"VM {vm}, {what}: {len(fails)} failed checks, first: {fails[0]!r}")
    passes = [t for t in texts if GUEST_PASS.match(t)]
    summaries = [m for m in map(GUEST_SUMMARY.match, texts) if m]
    if len(summaries) != 1:
        run.fail(f"VM {vm}, {what}: {len(summaries)} SUMMARY lines, want 1")
    name, passed, failed = summaries[0].group(1), int(summaries[0].group(2)), \
        int(summaries[0].group(3))
    if (name, passed, failed) != ("linux", len(passes), 0):
        run.fail(f"VM {vm}, {what}: SUMMARY {name} {passed} passed, {failed} failed "
                 f"(want linux, {len(passes)} passed, 0 failed)")
    if len(passes) < min_pass(ncpus):
        run.fail(f"VM {vm}, {what}: {len(passes)} PASS lines, want at least {min_pass(ncpus)}")


def test_linux_one_vcpu(keel):
    """Linux on 1 vCPU boots, passes its checks and powers off; keel then powers off."""
    run = keel("linux-1cpu.dts", timeout=BOOT_TIMEOUT)
    check_sleep_by_host_clock(run, "linux")
    wait_linux(run, "linux", GUEST_SUMMARY, "its SUMMARY line")
    lines = run.finish()
    check_vm_passed(lines, "linux", "linux", min_pass=min_pass(1), session=run)


def test_linux_four_vcpus(keel):
    """Linux on 4 vCPUs, one per physical CPU: every CPU runs work, takes timer
    interrupts and IPIs, RCU completes grace periods."""
    run = keel("linux-4cpu.dts", smp=4, timeout=BOOT_TIMEOUT)
    check_sleep_by_host_clock(run, "linux")
    wait_linux(run, "linux", GUEST_SUMMARY, "its SUMMARY line")
    lines = run.finish()
    check_vm_passed(lines, "linux", "linux", min_pass=min_pass(4), session=run)


def test_linux_poweroff_leaves_other_vm_running(keel):
    """poweroff -f in one Linux VM ends that VM only: a second Linux VM keeps running."""
    run = keel("linux-poweroff.dts", smp=4, timeout=BOOT_TIMEOUT)
    wait_linux(run, "linux", GUEST_SUMMARY, "its SUMMARY line")
    run.wait_for(LINUX_POWERED_OFF, "'(keel) vm linux: powered off'")
    check_vm_passed(run.lines, "linux", "linux", min_pass=min_pass(2), session=run)

    # The bystander says it is alive twice more after that (it may still be booting).
    after = len(run.lines)
    seen = 0
    while seen < 2:
        wait_linux(run, "bystander", HEARTBEAT, "two heartbeats after VM linux powered off")
        seen += 1
    lines = run.lines
    check_keel_healthy(lines, run)
    check_vm_passed(lines, "bystander", "linux", min_pass=min_pass(2), session=run,
                    powered_off=False)
    ended = [line for line in lines
             if (m := VM_POWERED_OFF.match(line) or VM_STOPPED.match(line)) and
             m.group(1) == "bystander"]
    if ended:
        run.fail(f"VM bystander ended: {ended[0]!r}")
    linux_after = guest_lines(lines[after:], "linux")
    if linux_after:
        run.fail(f"VM linux printed after it powered off: {linux_after[0]!r}")


def test_linux_reboot(keel):
    """reboot -f (PSCI SYSTEM_RESET) restarts the VM and Linux boots again, passing its
    checks both times."""
    run = keel("linux-reboot.dts", smp=4, timeout=2 * BOOT_TIMEOUT)
    wait_linux(run, "linux", GUEST_SUMMARY, "the first boot's SUMMARY line")
    restart = run.wait_for(VM_RESTARTING, "'(keel) vm linux: restarting'")
    if restart.group(1) != "linux":
        run.fail(f"unexpected restart: {restart.group(0)!r}")
    wait_linux(run, "linux", GUEST_SUMMARY, "the second boot's SUMMARY line")
    lines = run.lines
    check_keel_healthy(lines, run)

    texts = guest_lines(lines, "linux")
    boots = split_boots(texts)
    if len(boots) != 2:
        run.fail(f"VM linux: {len(boots)} 'GUEST linux start' lines, want 2")
    for n, boot in enumerate(boots, 1):
        check_boot_passed(run, "linux", boot, 2, f"boot {n}")
    # The restart came between the two boots: after the first SUMMARY, before the second
    # GUEST line.
    starts = [i for i, line in enumerate(lines)
              if (m := GUEST_LINE.match(line)) and m.group(1) == "linux" and
              GUEST_START.match(m.group(2))]
    restarts = [i for i, line in enumerate(lines) if VM_RESTARTING.match(line)]
    if not starts[0] < restarts[0] < starts[1]:
        run.fail("'(keel) vm linux: restarting' is not between the two boots")
    stopped = [m.group(0) for m in find_all(lines, VM_STOPPED)]
    if stopped:
        run.fail(f"keel stopped a VM: {stopped[0]!r}")
