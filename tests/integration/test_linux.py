"""Debian's arm64 Linux as a keel VM: it boots, runs its checks (guests/linux/checks.sh)
and powers off or reboots, next to other VMs.

They carry the `linux` marker, so a run can select them (pytest -m linux) or leave them
out (-m "not linux"); `make test` runs them. They need `make linux` (build/linux/Image and
build/linux/initramfs.cpio.gz) and fail, never skip, without it.
"""

import re
import time

import pytest

from keelvm import (GUEST_LINE, GUEST_START, GUEST_SUMMARY, ROOT, TIMEOUT_SCALE,
                    VM_POWERED_OFF, VM_STOPPED, check_keel_healthy, check_vm_passed,
                    find_all, guest_lines)

pytestmark = pytest.mark.linux

LINUX_DIR = ROOT / "build" / "linux"
LINUX_FILES = [LINUX_DIR / "Image", LINUX_DIR / "initramfs.cpio.gz"]

# Linux boots in 5-20 s in QEMU TCG on its own (tools/linux/native.py) and its checks take
# another 15 s; under keel there is no KVM either, so allow several times that.
BOOT_TIMEOUT = 300 * TIMEOUT_SCALE


# The PASS lines one boot prints at least: ncpus, cpuN-runs per CPU, timer-5s, sleep-5s,
# rcu-expedited, rcu-normal, parallel-work, timer-irqs, dmesg-clean, and ipis (> 1 CPU).
def min_pass(ncpus):
    return ncpus + 8 + (ncpus > 1)


WAITS = ("timer-5s", "sleep-5s")  # the guest's 5 s waits (note_time in guests/linux/checks.sh)
CLOCK_AGREEMENT = 0.02  # the guest's and keel's measures of one wait agree within 2 %
CLOCK_TICK = 0.01       # /proc/uptime's resolution
# keel's measure against the test's own clock, which includes how late the test reads the
# console (seconds under a loaded host): only a gross disagreement means keel's clock is off.
HOST_CLOCK_AGREEMENT = 0.5
HEARTBEAT = re.compile(r"^NOTE alive (\d+)$")
LINUX_RESTARTING = re.compile(r"^\(keel\) vm linux: restarting\b")
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


def _timed_line(run, vm, name, what):
    """Wait for note_time's two lines; return keel's stamp of the first, the guest's times
    (centiseconds) before and after writing it, and when the test read it."""
    match = wait_linux(run, vm, re.compile(rf"^NOTE {name}: {what} at (\d+)$"),
                       f"'NOTE {name}: {what} at <cs>'")
    stamp, before, read_at = run.stamps[-1], int(match.group(1)), time.monotonic()
    match = wait_linux(run, vm, re.compile(rf"^NOTE {name}: {what} printed by (\d+)$"),
                       f"'NOTE {name}: {what} printed by <cs>'")
    if stamp is None:
        run.fail(f"VM {vm}: {name}'s lines have no keel timestamp "
                 "(the configuration needs keel,console-timestamps)")
    return stamp, before, int(match.group(1)), read_at


def check_waits_by_host_clock(run, vm):
    """Each of the guest's 5 s waits, measured by the guest's virtual counter and by keel's
    physical counter, agrees within 2 %: the guest's view of time runs at the rate of the
    machine's (a wrong CNTVOFF, a frequency in the guest's device tree other than
    CNTFRQ's, a counter that stops while the vCPU is out would each show). The guest's
    own checks cannot tell, they use its own clock. keel's measure is from the timestamps
    it puts on the "begin" and "took" lines when the guest writes them
    (keel,console-timestamps), so it does not depend on how late the test reads the
    console; under QEMU TCG both counters follow the host's clock, however slow QEMU runs.
    The guest reads its clock (uptime, centiseconds) just before and just after writing
    each of the "begin" and "end" lines, so keel's stamp of each line lies within that
    bracket of guest time: a shell or a vCPU held up under load widens the bracket, it
    cannot make a right clock fail."""
    for name in WAITS:
        begin, begin_lo, begin_hi, begin_host = _timed_line(run, vm, name, "begin")
        end, end_lo, end_hi, _ = _timed_line(run, vm, name, "end")
        host = time.monotonic() - begin_host
        keel = end - begin
        shortest, longest = (end_lo - begin_hi) / 100, (end_hi - begin_lo) / 100
        if not (shortest * (1 - CLOCK_AGREEMENT) - CLOCK_TICK <= keel <=
                longest * (1 + CLOCK_AGREEMENT) + CLOCK_TICK):
            run.fail(f"VM {vm}: {name} took {keel:.2f} s by keel's counter but {shortest:.2f} "
                     f"to {longest:.2f} s by the guest's: more than 2 % apart")
        if abs(keel - host) > HOST_CLOCK_AGREEMENT * host:
            run.fail(f"VM {vm}: {name} took {keel:.2f} s by keel's counter but {host:.2f} s "
                     "by the test's clock")


def boot_starts(lines, vm):
    """The indexes in lines of VM vm's 'GUEST linux start' lines: where each boot begins."""
    return [i for i, line in enumerate(lines)
            if (m := GUEST_LINE.match(line)) and m.group(1) == vm and
            GUEST_START.match(m.group(2))]


def test_linux_one_vcpu(keel):
    """Linux on 1 vCPU boots, passes its checks and powers off; keel then powers off."""
    run = keel("linux-1cpu.dts", timeout=BOOT_TIMEOUT)
    check_waits_by_host_clock(run, "linux")
    wait_linux(run, "linux", GUEST_SUMMARY, "its SUMMARY line")
    lines = run.finish()
    check_vm_passed(lines, "linux", "linux", min_pass=min_pass(1), session=run)


def test_linux_four_vcpus(keel):
    """Linux on 4 vCPUs, one per physical CPU: every CPU runs work, takes timer
    interrupts and IPIs, RCU completes grace periods."""
    run = keel("linux-4cpu.dts", smp=4, timeout=BOOT_TIMEOUT)
    check_waits_by_host_clock(run, "linux")
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
    for _ in range(2):
        wait_linux(run, "bystander", HEARTBEAT, "two heartbeats after VM linux powered off")
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
    run.wait_for(LINUX_RESTARTING, "'(keel) vm linux: restarting'")
    wait_linux(run, "linux", GUEST_SUMMARY, "the second boot's SUMMARY line")
    lines = run.lines
    check_keel_healthy(lines, run)
    stopped = [m.group(0) for m in find_all(lines, VM_STOPPED)]
    if stopped:
        run.fail(f"keel stopped a VM: {stopped[0]!r}")

    starts = boot_starts(lines, "linux")
    if len(starts) != 2:
        run.fail(f"VM linux: {len(starts)} 'GUEST linux start' lines, want 2")
    for begin, end in ((starts[0], starts[1]), (starts[1], len(lines))):
        check_vm_passed(lines[begin:end], "linux", "linux", min_pass=min_pass(2),
                        session=run, powered_off=False)
    if not any(LINUX_RESTARTING.match(line) for line in lines[starts[0]:starts[1]]):
        run.fail("no '(keel) vm linux: restarting' line between the two boots")
