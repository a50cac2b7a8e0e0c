"""A hostile guest next to a normal one: keel stops the hostile VM and carries on."""

from keelvm import (GUEST_FAIL, GUEST_SUMMARY, VM_STOPPED, check_vm_passed, first_index,
                    guest_lines)


def test_hostile_vm_is_stopped(keel):
    run = keel("hostile.dts")
    lines = run.finish()

    stopped = first_index(
        lines, lambda line: (m := VM_STOPPED.match(line)) is not None and m.group(1) == "hostile")
    if stopped is None:
        run.fail("no '(keel) vm hostile: stopped: <reason>' line")
    hostile = guest_lines(lines, "hostile")
    fails = [t for t in hostile if GUEST_FAIL.match(t)]
    if fails:
        run.fail(f"hostile guest: {fails[0]!r}")
    for text in hostile:
        summary = GUEST_SUMMARY.match(text)
        if summary and summary.group(3) != "0":
            run.fail(f"hostile guest: {text!r}")

    # The bystander (a guest that runs for seconds, checking its memory) was still running
    # when the hostile VM was stopped, and finished well.
    check_vm_passed(lines, "bystander", "secret", session=run)
    summary = first_index(lines, lambda line: line.startswith("[bystander] SUMMARY "))
    if summary < stopped:
        run.fail("the bystander finished before keel stopped the hostile VM: "
                 "this test then proves nothing about keel carrying on")
