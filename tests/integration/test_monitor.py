"""keel's monitor (docs/monitor.md) and the VM lifecycle, end to end: the monitor is one
stop of the Ctrl-A x3 cycle; its commands list, inspect, start, stop, restart and destroy
VMs while keel runs, and a destroyed VM gives back exactly the memory it held.

monitor.dts: echo (runs until told to quit) on CPU 0, hc (the hypercall test guest) on
CPU 1 with autostart = "no"."""

import re
import time

from keelvm import GUEST_LINE, GUEST_SUMMARY, check_keel_healthy

CTRL_A = "\x01"
PROMPT = "keel> "
MEM = re.compile(r"^memory: (\d+) pages \(\d+ MiB\) managed, (\d+) pages free .* (\d+) "
                 r"allocations, (\d+) frees$")
STATS = re.compile(r"^vm (\S+): vcpu (\d+) on cpu (\d+): (\d+) exits: (\d+) hypercalls, "
                   r"(\d+) mmio, ")
CYCLE = re.compile(r"^cycle (\S+): (\d+) creations and destructions; free pages before (\d+), "
                   r"while it existed (\d+), after (\d+)$")
VM_ROW = re.compile(r"^(\S+) +(absent|stopped|running|stopping) +(\d+) +(\S+) +(\d+) MiB "
                    r"(-|\d+\.\d{3} s)$")


def to_monitor(run):
    """Ctrl-A x3 until the monitor has the focus."""
    for _ in range(4):
        run.child.send(CTRL_A * 3)
        m = run.wait_for(r"^\(keel\) console input goes to (vm \S+|keel's monitor)")
        if m.group(1) == "keel's monitor":
            return
    run.fail("the Ctrl-A x3 cycle never reached keel's monitor")


def expect(run, pattern, what=None):
    """A line matching pattern since the last command was typed (reading for the prompt
    may have read it already), else the next one that does."""
    regex = re.compile(pattern)
    for line in run.lines[run.since:]:
        if m := regex.search(line):
            return m
    return run.wait_for(regex, what)


def monitor(run, text):
    """Type a command at the monitor; return its report: the lines up to the next prompt."""
    run.since = len(run.lines)
    run.child.send(text + "\r")
    run.wait_for(rf"^{re.escape(PROMPT + text)}$", f"the monitor to take {text!r}")
    start = len(run.lines)
    # The next prompt is a partial line; a VM printing after it completes it as a line.
    while run._held != PROMPT and PROMPT not in run.lines[start:]:
        if run.eof or time.monotonic() > run.deadline:
            run.fail(f"no prompt after {text!r}")
        run.read_fast(0.2)
    lines = run.lines[start:]
    return lines[:lines.index(PROMPT)] if PROMPT in lines else lines


def only(run, lines, regex, what):
    found = [m for line in lines if (m := regex.match(line))]
    if len(found) != 1:
        run.fail(f"{what}: expected one matching line, got {lines!r}")
    return found[0]


def vm_rows(run):
    rows = {m.group(1): m for line in monitor(run, "list") if (m := VM_ROW.match(line))}
    if set(rows) != {"echo", "hc"}:
        run.fail(f"list should show echo and hc: {rows}")
    return rows


def summaries(run, vm):
    return [m for line in run.lines if (g := GUEST_LINE.match(line)) and g.group(1) == vm
            and (m := GUEST_SUMMARY.match(g.group(2)))]


def wait_halted(run, vm):
    expect(run, rf"^\(keel\) vm {vm}: halted$", f"vm {vm} to halt")


def boot_to_monitor(keel):
    run = keel("monitor.dts")
    run.wait_for(r"^\(keel\) console input goes to vm echo ")
    run.wait_for(r"^\(keel\) vm hc: not started \(autostart = \"no\"\)")
    run.wait_for(r"^\[echo\] ECHO ready$")
    to_monitor(run)
    return run


def quit_all(run):
    """Stop what still runs; keel waits (keel,when-idle = "wait"), its monitor still answers."""
    for vm, row in vm_rows(run).items():
        if row.group(2) == "running":
            monitor(run, f"stop {vm}")
            wait_halted(run, vm)
    expect(run, r"^\(keel\) every VM has stopped$")
    assert all(row.group(2) in ("stopped", "absent") for row in vm_rows(run).values())
    check_keel_healthy(run.lines, run)
    run.kill()


def test_monitor_autostart_start_stop_restart(keel):
    run = boot_to_monitor(keel)
    rows = vm_rows(run)
    # Declared with autostart = "no": created, but it has not run.
    assert rows["hc"].group(2) == "stopped" and rows["hc"].group(6) == "-", rows["hc"].group(0)
    assert rows["echo"].group(2) == "running" and rows["echo"].group(6) != "-"
    assert rows["echo"].group(4) == "0" and rows["hc"].group(4) == "1"
    assert rows["hc"].group(5) == "16" and rows["echo"].group(5) == "64"
    assert not summaries(run, "hc") and not any(line.startswith("[hc] ") for line in run.lines)
    info = monitor(run, "info hc")
    assert any(re.match(r"^vm hc: id 1, stopped, autostart no, kernel hypercall\.bin", line)
               for line in info), info
    assert "vm hc: vcpu 0: cpu 1 (pinned), off" in info, info

    # start: it runs its checks; again: they run again, from a clean RAM.
    for n in (1, 2):
        monitor(run, "start hc")
        wait_halted(run, "hc")
        done = summaries(run, "hc")
        assert len(done) == n and all(m.group(3) == "0" and int(m.group(2)) >= 40 for m in done), \
            [m.group(0) for m in done]
    assert vm_rows(run)["hc"].group(2) == "stopped"
    # restart of a stopped VM starts it.
    monitor(run, "restart hc")
    wait_halted(run, "hc")
    assert len(summaries(run, "hc")) == 3

    # restart of a running VM: it goes down and comes back.
    monitor(run, "restart echo")
    expect(run, r"^\(keel\) vm echo: restarting \(restart 1\)$")
    expect(run, r"^\[echo\] ECHO ready$", "echo's second run")
    # stop, then start: it keeps its memory meanwhile and starts from its image again.
    monitor(run, "stop echo")
    wait_halted(run, "echo")
    rows = vm_rows(run)
    assert rows["echo"].group(2) == "stopped" and rows["echo"].group(6) == "-"
    monitor(run, "start echo")
    expect(run, r"^\[echo\] ECHO ready$", "echo's third run")
    assert vm_rows(run)["echo"].group(2) == "running"
    assert sum(line == "[echo] ECHO ready" for line in run.lines) == 3

    # Clear errors, and nothing changes.
    assert monitor(run, "frob") == ['error: unknown command "frob"; type help for the commands']
    assert monitor(run, "start nosuch") == ['error: no VM is named "nosuch"; list shows the VMs']
    assert monitor(run, "stop hc") == ["error: vm hc is not running; start starts it"]
    assert monitor(run, "start echo") == ["error: vm echo is already running; stop or restart it"]
    assert monitor(run, "info") == ["error: info needs more; write: info VM"]
    help_lines = monitor(run, "help")
    for cmd in ("list", "info", "stats", "start", "stop", "restart", "destroy", "mem", "help"):
        assert any(line.startswith(cmd + " ") for line in help_lines), (cmd, help_lines)
    quit_all(run)


def test_monitor_stats_count_live(keel):
    run = boot_to_monitor(keel)
    first = only(run, monitor(run, "stats echo"), STATS, "stats echo")
    # Give echo work: the focus cycles monitor -> echo (hc is not running) -> monitor.
    run.child.send(CTRL_A * 3)
    run.wait_for(r"^\(keel\) console input goes to vm echo ")
    run.child.send("ping\r")
    run.wait_for(r"^\[echo\] ECHO ping$")
    to_monitor(run)
    second = only(run, monitor(run, "stats echo"), STATS, "stats echo")
    assert int(second.group(4)) > int(first.group(4)), (first.group(0), second.group(0))
    assert int(second.group(6)) > int(first.group(6)), "reading the typed line is MMIO"
    # hc's counts come from its run: its checks make hypercalls.
    before = only(run, monitor(run, "stats hc"), STATS, "stats hc")
    assert int(before.group(4)) == 0
    monitor(run, "start hc")
    wait_halted(run, "hc")
    after = only(run, monitor(run, "stats hc"), STATS, "stats hc")
    assert int(after.group(5)) >= 40 and after.group(3) == "1", after.group(0)
    quit_all(run)


def mem_free(run):
    return int(only(run, monitor(run, "mem"), MEM, "mem").group(2))


def test_monitor_destroy_gives_back_memory(keel):
    run = boot_to_monitor(keel)
    with_hc = mem_free(run)
    out = monitor(run, "destroy hc")
    given = int(only(run, out, re.compile(r"^\(keel\) vm hc: destroyed: (\d+) pages given back"),
                     "destroy hc").group(1))
    baseline = mem_free(run)
    # Its 16 MiB of RAM and its stage-2 tables, and nothing else is freed.
    assert baseline - with_hc == given and given > 16 * 256, (with_hc, baseline, given)
    assert vm_rows(run)["hc"].group(2) == "absent"
    assert monitor(run, "destroy hc") == [
        "error: vm hc is not created (destroyed, or never started); start creates it"]

    # 100 creations and destructions: back to the baseline, page for page.
    cycle = only(run, monitor(run, "cycle hc 100"), CYCLE, "cycle hc 100")
    assert int(cycle.group(3)) == baseline and int(cycle.group(5)) == baseline, cycle.group(0)
    assert int(cycle.group(4)) == with_hc, cycle.group(0)
    assert mem_free(run) == baseline

    # Created again, it runs its checks; destroyed again, the same memory comes back.
    monitor(run, "start hc")
    wait_halted(run, "hc")
    done = summaries(run, "hc")
    assert len(done) == 1 and done[0].group(3) == "0", [m.group(0) for m in done]
    monitor(run, "destroy hc")
    assert mem_free(run) == baseline

    # A running VM: stopped first, then released by its vCPU's CPU; it loses the focus.
    echo_free = baseline
    monitor(run, "destroy echo")
    expect(run, r"^\(keel\) vm echo: destroyed: \d+ pages given back")
    assert mem_free(run) > echo_free + 64 * 256
    run.child.send(CTRL_A * 3)   # no VM runs: the cycle stays on the monitor
    run.wait_for(r"^\(keel\) console input goes to keel's monitor")
    monitor(run, "start echo")
    expect(run, r"^\[echo\] ECHO ready$", "echo created again")
    assert mem_free(run) == echo_free
    quit_all(run)


PTIRQ_PROMPT = r"^\[ptirq\] PTIRQ type r to restart"
PTIRQ_CHECKS = ("edge-one-per-edge", "level-back-until-cleared", "wakes-vcpu-in-wfi",
                "rerouted-to-vcpu1", "routed-back-to-vcpu0")


def test_monitor_destroy_gives_back_passthrough_interrupts(keel):
    """A destroyed VM gives up its passed-through SPI: created again, it claims it again
    (else: 'another VM has it') and its device's interrupts reach it as in the first run."""
    run = keel("monitor-passthrough.dts")
    run.wait_for(PTIRQ_PROMPT, "the first run's prompt")
    to_monitor(run)
    monitor(run, "destroy ptirq")
    expect(run, r"^\(keel\) vm ptirq: destroyed: \d+ pages given back")
    baseline = mem_free(run)
    report = monitor(run, "start ptirq")
    assert not any(line.startswith("error:") for line in report), report
    expect(run, PTIRQ_PROMPT, "the prompt of the run after re-creation")
    second = run.lines[run.since:]
    passes = {t[5:] for line in second if (g := GUEST_LINE.match(line)) and g.group(1) == "ptirq"
              for t in [g.group(2)] if t.startswith("PASS ")}
    fails = [line for line in second if line.startswith("[ptirq] FAIL")]
    assert not fails and all(c in passes for c in PTIRQ_CHECKS), (fails, sorted(passes))
    # Destroyed and created again once more: same memory, and the SPI still claimable.
    monitor(run, "destroy ptirq")
    expect(run, r"^\(keel\) vm ptirq: destroyed:")
    assert mem_free(run) == baseline
    cycle = only(run, monitor(run, "cycle ptirq 3"), CYCLE, "cycle ptirq 3")
    assert int(cycle.group(5)) == baseline
    assert mem_free(run) == baseline
    check_keel_healthy(run.lines, run)
    run.kill()
