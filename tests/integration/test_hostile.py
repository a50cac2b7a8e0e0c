"""A hostile guest next to a normal one: keel stops the hostile VM and carries on."""

import re

from keelvm import (GUEST_FAIL, GUEST_MIN_PASS, GUEST_PASS, GUEST_SUMMARY, VM_STOPPED,
                    check_vm_passed, first_index, guest_lines)

# Every act guests/hostile/main.c survives, in order (hostile.dts gives it one vCPU, so
# cpu-on-bad-entry-refused is not run).
HOSTILE_PASSES = [
    "wild-reads-abort", "wild-writes-abort", "impdef-write-undef", "impdef-read-undef",
    "bad-console-write-invalid", "unknown-calls-not-supported", "gic-abuse-aborts-only",
    "gic-still-gicv3",
]
# Its last line, just before the act keel cannot emulate.
HOSTILE_FINAL = re.compile(r"^HOSTILE final: (\d+) passed, (\d+) failed, next: (LDADD|LDXR) "
                           r"on device IPA (0x[0-9a-f]+)$")
# keel's reason for stopping it: an atomic on an emulated device, named with its address.
STOP_REASON = re.compile(r"^cannot emulate the instruction (0x[0-9a-f]{8}) at PC 0x[0-9a-f]+ "
                         r"accessing device IPA (0x[0-9a-f]+) \(not a general-register load/store\)$")
# The encodings of the two acts (Arm ARM C6.2: LDADD 64-bit without acquire/release, LDXR 64-bit).
ACT_ENCODING = {"LDADD": (0xffe0fc00, 0xf8200000), "LDXR": (0xfffffc00, 0xc85f7c00)}


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
    if any(GUEST_SUMMARY.match(t) for t in hostile):
        run.fail("the hostile guest reached its SUMMARY: its last act did not stop it")

    passes = [m.group(1) for t in hostile if (m := GUEST_PASS.match(t))]
    if passes != HOSTILE_PASSES or len(passes) < GUEST_MIN_PASS["hostile"]:
        run.fail(f"hostile guest's PASS lines: {passes}, expected {HOSTILE_PASSES}")
    final = HOSTILE_FINAL.match(hostile[-1])
    if not final:
        run.fail(f"the hostile guest's last line is {hostile[-1]!r}, not its 'HOSTILE final' marker")
    if (int(final.group(1)), int(final.group(2))) != (len(HOSTILE_PASSES), 0):
        run.fail(f"hostile guest's marker {hostile[-1]!r} disagrees with its PASS lines")

    reason = STOP_REASON.match(VM_STOPPED.match(lines[stopped]).group(2))
    if not reason:
        run.fail(f"unexpected stop reason: {lines[stopped]!r}")
    mask, want = ACT_ENCODING[final.group(3)]
    if int(reason.group(1), 16) & mask != want or reason.group(2) != final.group(4):
        run.fail(f"keel stopped the hostile VM for something else than its {final.group(3)} on "
                 f"{final.group(4)}: {lines[stopped]!r}")
    if first_index(lines, lambda line: line.startswith("[hostile] HOSTILE final:")) > stopped:
        run.fail("keel's stop line came before the hostile guest's last line")

    # The bystander (a guest that runs for seconds, checking its memory) was still running
    # when the hostile VM was stopped, and finished well.
    check_vm_passed(lines, "bystander", "secret", session=run)
    summary = first_index(lines, lambda line: line.startswith("[bystander] SUMMARY "))
    if summary < stopped:
        run.fail("the bystander finished before keel stopped the hostile VM: "
                 "this test then proves nothing about keel carrying on")
