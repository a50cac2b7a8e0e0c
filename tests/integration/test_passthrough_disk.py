"""A real disk passed through to a Linux VM under keel: QEMU's virtio-blk device on its
virtio-mmio transport, driven by Debian's unmodified virtio_mmio and virtio_blk modules.

Boot 1 (configs/passthrough-disk-write.dts): VM "disk" writes 32 MiB of a known pattern
(every 16-byte record holds its index: tests/integration/disk_pattern.py) to /dev/vda,
syncs and powers off, while VM "bystander", a second Linux without the devices, says it is
alive. The test then reads the image file on the host: its first 32 MiB must be the
pattern. Boot 2 (passthrough-disk-read.dts): the VM reads the disk back; its md5 must be
the pattern's (nothing was lost or only cached). Without passthrough the VM has no
/dev/vda and fails its vda check; with the devices but no interrupts its driver hangs.

About 1 to 1.5 minutes on a loaded 2-core host (two Linux boots, TCG). `linux` marker; needs
`make linux`.
"""

import re

import pytest

from disk_pattern import first_difference, pattern_md5
from keelvm import (ROOT, TIMEOUT_SCALE, check_keel_healthy, check_vm_passed, find_all,
                    guest_lines)
from test_linux import HEARTBEAT, wait_linux

pytestmark = pytest.mark.linux

LINUX_FILES = [ROOT / "build" / "linux" / "Image", ROOT / "build" / "linux" / "initramfs.cpio.gz"]
BOOT_TIMEOUT = 400 * TIMEOUT_SCALE
DISK_BYTES = 32 << 20          # what the guest writes (guests/linux/devices.sh DISK_BYTES)
IMAGE_BYTES = 48 << 20         # the image: larger, so the disk's end is not the data's
MIN_PASS = 3                   # modules, vda, disk-write / disk-read
WROTE = re.compile(r"^NOTE disk-write: wrote (\d+) bytes, md5 ([0-9a-f]{32})$")
READ = re.compile(r"^NOTE disk-read: md5 of the first (\d+) bytes ([0-9a-f]{32})$")
DISK_POWERED_OFF = re.compile(r"^\(keel\) vm disk: powered off\b")


@pytest.fixture(autouse=True)
def linux_built():
    missing = [str(p.relative_to(ROOT)) for p in LINUX_FILES if not p.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run make linux", pytrace=False)


def test_passthrough_disk_write_then_read(keel, tmp_path):
    image = tmp_path / "vda.img"
    with open(image, "wb") as disk:  # sparse: all zeros, which the pattern never is
        disk.truncate(IMAGE_BYTES)
    want = pattern_md5(DISK_BYTES)

    # Boot 1: write, sync, power off; the bystander carries on.
    run = keel("passthrough-disk-write.dts", smp=2, timeout=BOOT_TIMEOUT, disk=image)
    wrote = wait_linux(run, "disk", WROTE, "'NOTE disk-write: wrote N bytes, md5 HEX'")
    run.wait_for(DISK_POWERED_OFF, "'(keel) vm disk: powered off'")
    for _ in range(2):
        wait_linux(run, "bystander", HEARTBEAT, "two heartbeats after VM disk powered off")
    check_keel_healthy(run.lines, run)
    check_vm_passed(run.lines, "disk", "linux", min_pass=MIN_PASS, session=run)
    if (int(wrote.group(1)), wrote.group(2)) != (DISK_BYTES, want):
        run.fail(f"VM disk wrote {wrote.group(1)} bytes of md5 {wrote.group(2)}, want "
                 f"{DISK_BYTES} bytes of md5 {want} (the pattern)")
    run.kill()

    # The host's view: the image file holds the pattern, where it belongs.
    data = image.read_bytes()
    where = first_difference(data, DISK_BYTES)
    assert where is None, (f"the image differs from the pattern at byte {where[0]:#x}: "
                           f"{where[1]!r} (console log: {run.log_path})")
    assert data[DISK_BYTES:] == bytes(IMAGE_BYTES - DISK_BYTES), \
        "the guest wrote beyond its 32 MiB"

    # Boot 2: read it back through the passed-through device.
    run = keel("passthrough-disk-read.dts", smp=2, timeout=BOOT_TIMEOUT, disk=image)
    lines = run.finish()
    check_vm_passed(lines, "disk", "linux", min_pass=MIN_PASS, session=run)
    sums = [(int(m.group(1)), m.group(2)) for m in find_all(guest_lines(lines, "disk"), READ)]
    if sums != [(DISK_BYTES, want)]:
        run.fail(f"VM disk read back {sums}, want [({DISK_BYTES}, {want!r})]")
