"""The `make run` demo (configs/linux.dts): two Linux VMs reach a busybox shell that takes
typed commands, and Ctrl-A three times moves console input from one to the other and on to
keel's monitor. As in make run, QEMU has a disk and a network card, passed through to alpha
only."""

import socket

import pytest

from keelvm import ROOT, TIMEOUT_SCALE, keelboot

pytestmark = pytest.mark.linux

CTRL_A = "\x01"
DEMO = ROOT / "configs" / "linux.dts"


def test_make_run_demo_shells_and_switching(keel, tmp_path):
    disk = tmp_path / "disk.img"
    with open(disk, "wb") as image:
        image.truncate(64 << 20)
    with socket.socket() as sock:  # a free port for the forward make run makes to alpha's 80
        sock.bind((keelboot.LOOPBACK, 0))
        port = sock.getsockname()[1]
    run = keel(DEMO, timeout=240 * TIMEOUT_SCALE, disk=disk,
               net=[keelboot.Forward(port, 80)])
    run.wait_for(r"^\(keel\) console input goes to vm alpha ")
    # Each VM's shell prompt is shown when that VM waits for input (the focused one).
    run.wait_for(r"^\[alpha\] NOTE shell on the console", "alpha's shell")
    if not any(line.startswith("[beta] NOTE shell on the console") for line in run.lines):
        run.wait_for(r"^\[beta\] NOTE shell on the console", "beta's shell")

    # alpha has the disk and the network card, beta neither (0 and 0).
    devices = "$(ls /sys/block | grep -c vda) $(ls /sys/class/net | grep -c eth0)"
    run.child.send(f"echo typed-into-$(hostname) {devices}\r")
    run.wait_for(r"^\[alpha\] typed-into-alpha 1 1$", "alpha to run the typed command")

    run.child.send(CTRL_A * 3)
    run.wait_for(r"^\(keel\) console input goes to vm beta ", "the focus to move to beta")
    run.child.send(f"echo typed-into-$(hostname) $((6 * 7)) {devices}\r")
    run.wait_for(r"^\[beta\] typed-into-beta 42 0 0$", "beta to run the typed command")

    # End beta from its shell; alpha later, after a look at the monitor.
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
