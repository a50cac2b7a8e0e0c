"""Inter-VM shared memory with doorbells (docs/config.md, "Shared memory and doorbells").

Bare-metal VMs (guests/shm) exchange 10,000 messages each way through a 4 KiB region,
waking on doorbells (PL061 lines and KEEL_HC_DOORBELL); a read-only mapping refuses
writes and its owner finds its data unchanged, also after it restarts; a VM touching a region it was not given
gets aborts while the others carry on. A Linux VM exchanges 10,000 messages each way with
a bare-metal VM through guests/linux/tools/keel-shm. Refused configurations name the
node and the fix."""

import re

import pytest

from keelvm import (CONFIG_ERROR_TIMEOUT, ROOT, TIMEOUT_SCALE, check_config_refused,
                    check_vm_passed, guest_lines)

MESSAGES = 10000
EXCHANGE_NOTE = re.compile(rf"^NOTE {MESSAGES} messages each way, (\d+) waits, (\d+) doorbells "
                           r"heard, (\d+) rung by PL061, (\d+) by hypercall$")
# (VM, fewest PASS lines, checks that must be among them)
BARE_METAL = [
    ("alpha", 9, ("messages-in-order", "messages-taken", "doorbell-rang", "doorbell-both-ways")),
    ("beta", 9, ("messages-in-order", "messages-taken", "doorbell-rang", "doorbell-both-ways")),
    ("delta", 14, ("region-read-only", "pattern-read", "write-aborts", "write-last-aborts",
                   "pattern-kept", "unmapped-read-aborts", "unmapped-write-aborts",
                   "hypercall-bad-peer")),
]
KEEL_SHM_LINES = [
    re.compile(r"^\(keel\) shared memory ring0: 4 KiB at PA 0x[0-9a-f]+, 2 VM\(s\)$"),
    re.compile(r"^\(keel\) shared memory ring1: 2048 KiB at PA 0xb0000000, 2 VM\(s\)$"),
    re.compile(r"^\(keel\) vm delta: shared memory ring1 at IPA 0x90000000, read-only$"),
]


def check_passes(run, lines, vm, names):
    passes = {t[len("PASS "):] for t in guest_lines(lines, vm) if t.startswith("PASS ")}
    missing = [n for n in names if n not in passes]
    if missing:
        run.fail(f"VM {vm}: no PASS line for {missing}")


OWNER_RESTARTING = re.compile(r"^\(keel\) vm gamma: restarting\b")


def check_owner_restart(run, lines):
    """gamma checks the read-only reader left its data, then restarts: its second run must
    find the region as it left it (keel never clears a region after boot)."""
    at = next((i for i, line in enumerate(lines) if OWNER_RESTARTING.match(line)), None)
    if at is None:
        run.fail("no '(keel) vm gamma: restarting' line")
    first, second = lines[:at], lines[at:]
    check_passes(run, first, "gamma", ("reader-rang-back", "pattern-unchanged"))
    fails = [t for t in guest_lines(first, "gamma") if t.startswith("FAIL ")]
    if fails:
        run.fail(f"VM gamma, first run: {fails[0]!r}")
    check_vm_passed(second, "gamma", "shm", min_pass=5, session=run)
    check_passes(run, second, "gamma", ("region-kept-across-restart",))


def test_shm_bare_metal(keel):
    run = keel("shm.dts", timeout=120 * TIMEOUT_SCALE)
    lines = run.finish()
    for vm, min_pass, names in BARE_METAL:
        check_vm_passed(lines, vm, "shm", min_pass=min_pass, session=run)
        check_passes(run, lines, vm, names)
    check_owner_restart(run, lines)
    for vm in ("alpha", "beta"):
        notes = [m for m in map(EXCHANGE_NOTE.match, guest_lines(lines, vm)) if m]
        if len(notes) != 1 or int(notes[0].group(2)) == 0:
            run.fail(f"VM {vm}: no '{MESSAGES} messages each way' note with doorbells heard")
    for regex in KEEL_SHM_LINES:
        if not any(regex.match(line) for line in lines):
            run.fail(f"keel did not say {regex.pattern!r}")


# (config, words the error must contain)
BAD_SHM = [
    ("bad-shm-outside.dts", (": /ring0: address 0x100000000-0x1001fffff is not wholly in "
                             "the RAM keel manages", "drop address")),
    ("bad-shm-taken.dts", (": /ring0: address 0x48000000-0x481fffff is not free", "a boot module",
                           "move it to free RAM or drop address")),
    ("bad-shm-unused.dts", ("/ring1: is used by no VM", "map it in a VM with "
                            "shared-memory = <&ring1 IPA>", "or remove it")),
]


@pytest.mark.parametrize("config, words", BAD_SHM, ids=[c[0].removesuffix(".dts") for c in BAD_SHM])
def test_shm_config_refused(keel, config, words):
    run = keel(config, timeout=CONFIG_ERROR_TIMEOUT)
    check_config_refused(run, list(words))


# Searched in the Linux VM's lines joined together: its console may show a long line in two
# parts when another VM prints in between (docs/architecture.md, "Console").
LINUX_NOTE = re.compile(rf"NOTE keel-shm: {MESSAGES} sent and taken, {MESSAGES} received in order, "
                        r"(\d+) waits, (\d+) doorbells heard, (\d+) rung")


@pytest.mark.linux
def test_shm_linux_and_bare_metal(keel):
    """Debian's unmodified kernel reaches the region through /dev/mem and the doorbells
    through its own gpio-pl061 driver and the GPIO character device."""
    linux = ROOT / "build" / "linux"
    if not (linux / "Image").is_file() or not (linux / "initramfs.cpio.gz").is_file():
        pytest.fail("build/linux/Image or initramfs.cpio.gz not found: run make linux",
                    pytrace=False)
    run = keel("linux-shm.dts", timeout=300 * TIMEOUT_SCALE)
    lines = run.finish()
    check_vm_passed(lines, "linux", "linux", min_pass=1, session=run)
    check_passes(run, lines, "linux", ("shm-exchange",))
    check_vm_passed(lines, "metal", "shm", min_pass=9, session=run)
    check_passes(run, lines, "metal", BARE_METAL[0][2])
    texts = guest_lines(lines, "linux")
    notes = list(LINUX_NOTE.finditer("".join(texts)))
    if len(notes) != 1 or int(notes[0].group(2)) == 0:
        run.fail(f"Linux: no '{MESSAGES} sent and taken, {MESSAGES} received' note with doorbells")
    if not any("pl061_gpio 9030000.pl061: PL061 GPIO chip registered" in t for t in texts):
        run.fail("Linux's gpio-pl061 driver did not register the doorbell PL061")
