"""The `make run` demo (configs/linux.dts): two Linux VMs reach a busybox shell that takes
typed commands, and Ctrl-A three times moves console input from one to the other and on to
keel's monitor."""

import pytest

from keelvm import ROOT, TIMEOUT_SCALE

pytestmark = pytest.mark.linux

CTRL_A = "\x01"
DEMO = ROOT / "configs" / "linux.dts"


def test_make_run_demo_shells_and_switching(keel):
    run = keel(DEMO, timeout=240 * TIMEOUT_SCALE)
    run.wait_for(r"^\(keel\) console input goes to vm alpha ")
    # Each VM's shell prompt is shown when that VM waits for input (the focused one).
    run.wait_for(r"^\[alpha\] NOTE shell on the console", "alpha's shell")
    if not any(line.startswith("[beta] NOTE shell on the console") for line in run.lines):
        run.wait_for(r"^\[beta\] NOTE shell on the console", "beta's shell")

    run.child.send("echo typed-into-$(hostname)\r")
    run.wait_for(r"^\[alpha\] typed-into-alpha$", "alpha to run the typed command")

    run.child.send(CTRL_A * 3)
    run.wait_for(r"^\(keel\) console input goes to vm beta ", "the focus to move to beta")
    run.child.send("echo typed-into-$(hostname) $((6 * 7))\r")
    run.wait_for(r"^\[beta\] typed-into-beta 42$", "beta to run the typed command")

    # Back to alpha; end both VMs from their shells.
    run.child.send("poweroff -f\r")
    run.wait_for(r"^\(keel\) vm beta: powered off", "beta to power off")
    # After the last VM, keel's monitor (docs/monitor.md): it sees alpha run, beta stopped.
    run.child.send(CTRL_A * 3)
    run.wait_for(r"^\(keel\) console input goes to keel's monitor ", "the monitor")
    run.child.send("list\r")
    run.wait_for(r"^alpha +running +2 ", "the monitor's list")
    run.wait_for(r"^beta +stopped ", "the monitor's list")
    run.child.send(CTRL_A * 3)
    run.wait_for(r"^\(keel\) console input goes to vm alpha ")
    run.child.send("poweroff -f\r")
    run.wait_for(r"^\(keel\) vm alpha: powered off", "alpha to power off")
    # The demo config keeps keel running ("wait") when every VM has stopped.
    run.wait_for(r"^\(keel\) every VM has stopped$")
    assert not any(line.startswith("[alpha] typed-into-beta") or
                   line.startswith("[beta] typed-into-alpha") for line in run.lines), \
        "input typed for one VM reached the other"
