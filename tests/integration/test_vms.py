"""Test guests running as VMs side by side; each must pass all its checks and power off,
after which keel powers the machine off (keel,when-idle = "poweroff")."""

import re

from keelvm import (check_vm_passed, cpus_online, find_all, guest_lines, vm_ids,
                    GUEST_VMID, restart_once)

DEBUG_PROMPT = re.compile(r"^\[debug\] DEBUG type r to restart")
DEBUG_RESTARTING = re.compile(r"^\(keel\) vm debug: restarting\b")


def test_two_vms_on_four_cpus(keel):
    """keel brings up all 4 CPUs and runs the hypercall and MMIO guests at once."""
    run = keel("hypercall-mmio.dts", smp=4)
    lines = run.finish()
    online = cpus_online(lines)
    assert online == [0, 1, 2, 3], f"CPUs online: {online}, log: {run.log_path}"
    check_vm_passed(lines, "hyp", "hypercall", session=run)
    check_vm_passed(lines, "mmio", "mmio", session=run)


def test_traps_and_smp(keel):
    """A trapping guest next to a 2-vCPU guest pinned to CPUs 2 and 3."""
    run = keel("traps-smp.dts")
    lines = run.finish()
    check_vm_passed(lines, "traps", "traps", session=run)
    check_vm_passed(lines, "smp", "smp", session=run)


def test_isolation_and_secret(keel):
    """The isolation guest probes beyond its memory; the secret guest keeps its secret."""
    run = keel("isolation-secret.dts")
    lines = run.finish()
    check_vm_passed(lines, "isolation", "isolation", session=run)
    check_vm_passed(lines, "secret", "secret", session=run)


def test_raw_kernel_at_load_offset(keel):
    """kernel-format = "raw" with a load-offset boots the same hypercall guest."""
    run = keel("raw-kernel.dts")
    lines = run.finish()
    check_vm_passed(lines, "raw", "hypercall", session=run)


def test_vm_ids(keel):
    """Two VMs share one kernel module; each guest sees the VM id keel announced for it."""
    run = keel("vmid.dts")
    lines = run.finish()
    ids = vm_ids(lines)
    for vm in ("first", "second"):
        check_vm_passed(lines, vm, "hypercall", session=run)
        assert vm in ids, f"no '(keel) vm {vm}: id <n>' line, log: {run.log_path}"
        seen = [int(m.group(1)) for m in find_all(guest_lines(lines, vm), GUEST_VMID)]
        assert seen == [ids[vm]], \
            f"VM {vm}: keel said id {ids[vm]}, guest said {seen}, log: {run.log_path}"
    assert ids["first"] != ids["second"], f"both VMs have id {ids['first']}"


def test_debug_and_restart(keel):
    """The debug guest takes a hardware breakpoint, a watchpoint and software steps; typed
    'r', it restarts, and its second run finds none of the debug, SME or RAS register values
    its first run left behind."""
    run = keel("debug.dts")
    lines, first, second = restart_once(run, "debug", DEBUG_PROMPT)
    check_vm_passed(first, "debug", "debug", session=run, powered_off=False)
    check_vm_passed(second, "debug", "debug", session=run)
