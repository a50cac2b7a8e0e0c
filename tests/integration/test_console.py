"""Console input: what is typed goes to the VM with input focus, through its emulated
PL011's receive interrupt; Ctrl-A three times moves the focus to the next running VM."""

from keelvm import check_vm_passed

CTRL_A = "\x01"


def wait_ready(run, vms):
    """Both guests may come up in either order."""
    while not all(any(line.startswith(f"[{vm}] ECHO ready") for line in run.lines) for vm in vms):
        run.wait_for(r"^\[\w+\] ECHO ready", "every echo guest to be ready")


def test_console_input_and_switching(keel):
    run = keel("console.dts")
    run.wait_for(r"^\(keel\) console input goes to vm left \(press Ctrl-A three times")
    wait_ready(run, ("left", "right"))

    run.child.send("hello left\r")
    run.wait_for(r"^\[left\] ECHO hello left$", "the focused VM to echo the line")

    # One or two Ctrl-A are the guest's: they arrive (shown as '?' on keel's console).
    run.child.send(CTRL_A + CTRL_A + "x\r")
    run.wait_for(r"^\[left\] ECHO \?\?x$", "two Ctrl-A delivered to the guest")

    run.child.send(CTRL_A * 3)
    run.wait_for(r"^\(keel\) console input goes to vm right ", "the focus to move to right")
    run.child.send("hello right\r")
    run.wait_for(r"^\[right\] ECHO hello right$", "the newly focused VM to echo the line")
    run.child.send("quit\r")
    run.wait_for(r"^\[right\] ECHO quit$")
    run.wait_for(r"^\(keel\) vm right: powered off")

    # right has stopped: the next switch skips it and comes back to left.
    run.child.send(CTRL_A * 3)
    run.wait_for(r"^\(keel\) console input goes to vm left ", "the focus to skip the stopped VM")
    run.child.send("quit\r")
    lines = run.finish()

    # Nothing typed for one VM ever reached the other.
    left = [line for line in lines if line.startswith("[left] ECHO ")]
    right = [line for line in lines if line.startswith("[right] ECHO ")]
    assert left == ["[left] ECHO ready", "[left] ECHO hello left", "[left] ECHO ??x",
                    "[left] ECHO quit"], left
    assert right == ["[right] ECHO ready", "[right] ECHO hello right", "[right] ECHO quit"], right
    check_vm_passed(lines, "left", "echo", min_pass=2, session=run)
    check_vm_passed(lines, "right", "echo", min_pass=2, session=run)
