"""Debian's unmodified kernel drives virtio-mmio devices with its own modules, without keel.

tools/linux/native.py boots build/linux's kernel and initramfs in QEMU at EL1 with QEMU's
own device tree, a virtio-mmio disk (an 8 MiB raw image of known bytes) and a virtio-mmio
network card (QEMU's user network with restrict=on: nothing outside QEMU is reached).
/init loads virtio_mmio, virtio_blk and virtio_net (and net_failover, failover) from the
initramfs, and keel.test=virtio checks /dev/vda's driver and bytes and eth0's driver.
This is the ground a keel VM's passed-through devices will be compared with.

One native boot: about 45 s on a loaded host (30 s of it the kernel's boot under TCG,
10 s the guest's md5sum of 8 MiB). Carries the `linux` marker; needs `make linux`.
"""

import hashlib
import random
import re
import subprocess
import sys

import pytest

from keelvm import LOG_DIR, ROOT, TIMEOUT_SCALE

pytestmark = pytest.mark.linux

NATIVE = ROOT / "tools" / "linux" / "native.py"
LINUX_FILES = [ROOT / "build" / "linux" / "Image", ROOT / "build" / "linux" / "initramfs.cpio.gz"]
DISK_BYTES = 8 << 20
TIMEOUT = 300 * TIMEOUT_SCALE
MODULES_LOADED = re.compile(r"^NOTE modules: (.*) loaded$")
VDA_MD5 = re.compile(r"^NOTE vda: md5 of the first (\d+) bytes ([0-9a-f]{32})$")


def console_lines(out):
    """The guest's lines of native.py's output ("<host s> | <line>")."""
    return [line.split(" | ", 1)[1] for line in out.splitlines() if " | " in line]


def test_linux_native_virtio_disk_and_net(tmp_path):
    missing = [str(p.relative_to(ROOT)) for p in LINUX_FILES if not p.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run make linux", pytrace=False)
    data = random.Random(8).randbytes(DISK_BYTES)  # known, and not the same at two offsets
    disk = tmp_path / "vda.img"
    disk.write_bytes(data)
    md5 = hashlib.md5(data).hexdigest()

    argv = [sys.executable, str(NATIVE), "--smp", "1", "--test", "virtio", "--disk", str(disk),
            "--net", "--append", f"keel.vda.bytes={DISK_BYTES} keel.vda.md5={md5}",
            "--timeout", str(TIMEOUT)]
    run = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT + 60)
    LOG_DIR.mkdir(exist_ok=True)
    log = LOG_DIR / "test_linux_native_virtio_disk_and_net.log"
    log.write_text(run.stdout)
    tail = "\n".join(run.stdout.splitlines()[-25:])
    assert run.returncode == 0, f"native.py failed (log {log}):\n{tail}"

    lines = console_lines(run.stdout)
    loaded = [m.group(1).split() for line in lines if (m := MODULES_LOADED.match(line))]
    assert loaded == [["virtio_mmio", "virtio_blk", "virtio_net"]], \
        f"want one 'NOTE modules: virtio_mmio virtio_blk virtio_net loaded' (log {log})"
    for check in ("modules", "vda", "vda-data", "eth0", "dmesg-clean"):
        assert f"PASS {check}" in lines, f"no 'PASS {check}' (log {log}):\n{tail}"
    # The guest's own md5 of the disk, compared here too: the host's is the reference.
    sums = [(int(m.group(1)), m.group(2)) for line in lines if (m := VDA_MD5.match(line))]
    assert sums == [(DISK_BYTES, md5)], f"guest's md5 of /dev/vda {sums}, host's {md5}"
