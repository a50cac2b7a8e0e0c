"""The stack protector's guard is seeded at every boot (include/keel/stack_guard.h).

keel says where the guard came from; the test reads the guard itself out of keel's memory
through QEMU's monitor (its escape key then c on the console, `xp`) on two boots and checks they differ,
keep the terminator byte at 0, and are not the value built into the image."""

import re
import subprocess

from keelvm import ROOT, keelboot

LOADED = re.compile(r"^\(keel\) keel hypervisor \S+ starting at EL2, loaded at (0x[0-9a-f]+)")
GUARD_SOURCE = re.compile(r"^\(keel\) stack guard: (.+)$")
MONITOR_WORD = re.compile(r"^([0-9a-f]{16}): (0x[0-9a-f]+)\s*$")
IMAGE_GUARD = 0x6b65656c2d737470     # src/core/panic.c: what the image carries
NO_RNG_CPU = "cortex-a72"            # Armv8.0: no FEAT_RNG


def guard_offset():
    """__stack_chk_guard's offset in the image (keel is linked at 0 and runs where loaded)."""
    nm = subprocess.run(["aarch64-linux-gnu-nm", str(ROOT / "build" / "keel.elf")],
                        check=True, capture_output=True, text=True).stdout
    for line in nm.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[2] == "__stack_chk_guard":
            return int(fields[0], 16)
    raise AssertionError("no __stack_chk_guard in build/keel.elf")


def boot_and_read_guard(keel, **options):
    run = keel("stack-guard.dts", **options)
    base = int(run.wait_for(LOADED, "keel's banner").group(1), 16)
    source = run.wait_for(GUARD_SOURCE, "the stack guard line").group(1)
    run.wait_for(r"^\[echo\] ", "the guest running")
    run.child.send(chr(keelboot.QEMU_ESCAPE_CHAR) + "c")   # QEMU's serial mux: to the monitor
    run.child.send(f"xp /1gx {base + guard_offset():#x}\n")
    guard = int(run.wait_for(MONITOR_WORD, "the monitor's answer").group(2), 16)
    run.kill()
    return source, guard


def check_guards(first, second):
    for guard in (first, second):
        assert guard & 0xff == 0, f"guard {guard:#x}: terminator byte not 0"
        assert guard != IMAGE_GUARD & ~0xff and guard != IMAGE_GUARD, f"guard {guard:#x} is the image's"
        assert guard >> 8, "guard is 0"
    assert first != second, f"two boots gave the same guard {first:#x}"


def test_stack_guard_random_per_boot(keel):
    """With FEAT_RNG (QEMU -cpu max) the guard comes from RNDR and differs between boots."""
    first_source, first = boot_and_read_guard(keel)
    second_source, second = boot_and_read_guard(keel)
    assert first_source == second_source == "random (RNDR)"
    check_guards(first, second)


def test_stack_guard_without_rng(keel):
    """Without FEAT_RNG keel says the guard is weak, and it still differs between boots
    (the physical counter)."""
    first_source, first = boot_and_read_guard(keel, extra_args=("-cpu", NO_RNG_CPU))
    second_source, second = boot_and_read_guard(keel, extra_args=("-cpu", NO_RNG_CPU))
    assert first_source == second_source
    assert first_source.startswith("weak: ") and "no FEAT_RNG" in first_source
    check_guards(first, second)
