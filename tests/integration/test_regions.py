"""Several memory regions per VM (docs/config.md, "memory" and "memory-phys").

The regions guest reads its regions from the device tree keel generated, writes and reads
back each, has keel print from a buffer in each and probes the IPAs just past them. A phys
region must get the physical memory at its own IPA, and one keel cannot give is refused."""

import re

import pytest

from keelvm import (CONFIG_ERROR_TIMEOUT, ROOT, TIMEOUT_SCALE, check_config_refused,
                    check_vm_passed, guest_lines, restart_once)

# As in tests/integration/configs/regions.dts: (IPA, size, phys), region 0 first.
REGIONS = [(0x40000000, 0x02000000, False), (0x100000000, 0x00200000, False),
           (0xa0000000, 0x00400000, True), (0x50000000, 0x00600000, False)]
GUEST_REGION = re.compile(r"^REGION (\d+) 0x([0-9a-f]+) 0x([0-9a-f]+)$")
KEEL_BOOT_REGION = re.compile(r"^\(keel\) vm regions: id \d+, .* MiB RAM at IPA 0x([0-9a-f]+) "
                              r"\(PA 0x([0-9a-f]+)\)")
KEEL_REGION = re.compile(r"^\(keel\) vm regions: RAM region (\d+): (\d+) MiB at IPA "
                         r"0x([0-9a-f]+) \(PA 0x([0-9a-f]+)\)(, phys)?$")
# found, rw per region, console write per region; zero and write-past-end for each region
# but the boot one (its scratch ends below the device tree); gaps: 1 + 4 + 4 + 3 + 3 + 1
MIN_PASS = 16


REGIONS_PROMPT = re.compile(r"^\[regions\] REGIONS type r to restart")
REGIONS_RESTARTING = re.compile(r"^\(keel\) vm regions: restarting\b")


def test_regions(keel):
    """Every region works, twice: typed 'r' the guest restarts, and its second run must find
    every region other than the boot one cleared (region-N-zero) before it writes again."""
    run = keel("regions.dts")
    lines, first, second = restart_once(run, "regions", REGIONS_PROMPT)
    check_vm_passed(first, "regions", "regions", min_pass=MIN_PASS,
                    session=run, powered_off=False)
    check_vm_passed(second, "regions", "regions", min_pass=MIN_PASS, session=run)
    texts = guest_lines(second, "regions")

    seen = [(int(m.group(2), 16), int(m.group(3), 16))
            for m in map(GUEST_REGION.match, texts) if m]
    if seen != [(ipa, size) for ipa, size, _ in REGIONS]:
        run.fail(f"the guest's device tree gives regions {[(hex(a), hex(s)) for a, s in seen]}")
    for i in range(len(REGIONS)):
        if f"hello from region {i}" not in texts:
            run.fail(f"keel did not print the guest's buffer in region {i}")

    boot = [m for m in map(KEEL_BOOT_REGION.match, lines) if m]
    if len(boot) != 1 or int(boot[0].group(1), 16) != REGIONS[0][0]:
        run.fail(f"no '(keel) vm regions: ... at IPA 0x40000000' line: {boot}")
    keel_regions = {int(m.group(1)): m for m in map(KEEL_REGION.match, lines) if m}
    if sorted(keel_regions) != list(range(1, len(REGIONS))):
        run.fail(f"keel announced regions {sorted(keel_regions)}, expected 1-{len(REGIONS) - 1}")
    pas = [int(boot[0].group(2), 16)]
    for i, (ipa, size, phys) in enumerate(REGIONS[1:], 1):
        m = keel_regions[i]
        pa = int(m.group(4), 16)
        pas.append(pa)
        if int(m.group(3), 16) != ipa or int(m.group(2)) << 20 != size or bool(m.group(5)) != phys:
            run.fail(f"region {i}: keel says {m.group(0)!r}")
        if phys and pa != ipa:
            run.fail(f"phys region {i} is at PA {pa:#x}, not at its IPA {ipa:#x}")
    # distinct physical memory for every region
    spans = sorted((pa, pa + size) for pa, (_, size, _) in zip(pas, REGIONS))
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start < end:
            run.fail(f"two regions share physical memory: {[(hex(a), hex(b)) for a, b in spans]}")


# (config, VM node, words the error must contain)
BAD_PHYS = [
    ("bad-phys-reserved.dts", "physbad", ("phys memory region 1 at PA 0x48000000-0x483fffff",
                                          "is not free")),
    ("bad-phys-outside.dts", "physout", ("phys memory region 1 at PA 0x100000000-0x1001fffff",
                                         "is not wholly in the RAM keel manages")),
]


@pytest.mark.parametrize("config, node, words", BAD_PHYS,
                         ids=[c[0].removesuffix(".dts") for c in BAD_PHYS])
def test_phys_conflict_is_refused(keel, config, node, words):
    run = keel(config, timeout=CONFIG_ERROR_TIMEOUT)
    check_config_refused(run, [f"/{node}: ", *words])


# Linux's early memory report: one line per range it found in its device tree.
LINUX_MEM_RANGE = re.compile(r"node\s+0: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]")
LINUX_REGIONS = [(0x40000000, 0x10000000), (0xa0000000, 0x01000000), (0x100000000, 0x04000000)]


@pytest.mark.linux
def test_linux_uses_every_region(keel):
    """Debian's kernel reads one /memory node per region and passes its checks on them."""
    linux = ROOT / "build" / "linux"
    if not (linux / "Image").is_file() or not (linux / "initramfs.cpio.gz").is_file():
        pytest.fail("build/linux/Image or initramfs.cpio.gz not found: run make linux",
                    pytrace=False)
    run = keel("linux-regions.dts", timeout=300 * TIMEOUT_SCALE)
    lines = run.finish()
    check_vm_passed(lines, "linux", "linux", min_pass=9, session=run)
    ranges = sorted((int(a, 16), int(b, 16) + 1 - int(a, 16))
                    for m in map(LINUX_MEM_RANGE.search, guest_lines(lines, "linux")) if m
                    for a, b in [m.groups()])
    if ranges != LINUX_REGIONS:
        run.fail(f"Linux found memory {[(hex(a), hex(s)) for a, s in ranges]}, expected "
                 f"{[(hex(a), hex(s)) for a, s in LINUX_REGIONS]}")
    phys = [line for line in lines if "RAM region 2: 16 MiB at IPA 0xa0000000 (PA 0xa0000000), phys"
            in line]
    if not phys:
        run.fail("keel did not put the phys region at PA 0xa0000000")
