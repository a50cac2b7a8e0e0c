"""A real network card passed through to a Linux VM under keel: QEMU's virtio-net device
on its virtio-mmio transport, driven by Debian's unmodified virtio_mmio and virtio_net
modules, on QEMU's user network with restrict=on (nothing outside QEMU is reached) and one
port forward from 127.0.0.1.

VM "net" (configs/passthrough-net.dts) brings eth0 up with busybox udhcpc (QEMU's user
network answers DHCP), writes 16 MiB of the known pattern (tests/integration/disk_pattern.py)
and serves it with busybox httpd on port 80; the test fetches it over 127.0.0.1:PORT (a
free port) and compares checksums with the pattern's. Without passthrough the VM has no
eth0 and fails its eth0 check. About 30 s on a loaded host. `linux` marker.
"""

import hashlib
import re
import socket
import time
import urllib.error
import urllib.request

import pytest

from disk_pattern import pattern_md5
from keelvm import ROOT, TIMEOUT_SCALE, check_keel_healthy, check_vm_passed, keelboot
from test_linux import wait_linux

pytestmark = pytest.mark.linux

LINUX_FILES = [ROOT / "build" / "linux" / "Image", ROOT / "build" / "linux" / "initramfs.cpio.gz"]
BOOT_TIMEOUT = 400 * TIMEOUT_SCALE
FETCH_TIMEOUT = 180 * TIMEOUT_SCALE
SERVE_BYTES = 16 << 20  # guests/linux/devices.sh SERVE_BYTES
GUEST_PORT = 80
MIN_PASS = 4            # modules, eth0, dhcp, httpd
READY = re.compile(r"^NOTE net-serve: ready: http://(\S+)/data\.bin (\d+) bytes md5 "
                   r"([0-9a-f]{32})$")


@pytest.fixture(autouse=True)
def linux_built():
    missing = [str(p.relative_to(ROOT)) for p in LINUX_FILES if not p.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run make linux", pytrace=False)


def free_port():
    """A port of 127.0.0.1 free now (QEMU takes it a moment later; another program could
    take it first, and then QEMU says so and the test fails with that message)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((keelboot.LOOPBACK, 0))
        return sock.getsockname()[1]


def fetch(url, deadline):
    """The body of url; a refused or reset connection is tried again until the deadline."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=max(1.0, deadline - time.monotonic())) \
                    as response:
                return response.read()
        except (ConnectionError, urllib.error.URLError, socket.timeout) as err:
            if time.monotonic() >= deadline:
                raise AssertionError(f"cannot fetch {url}: {err}") from None
            time.sleep(1)


def test_passthrough_net_serves_16mib(keel):
    port = free_port()
    run = keel("passthrough-net.dts", smp=2, timeout=BOOT_TIMEOUT,
               net=[keelboot.Forward(port, GUEST_PORT)])
    ready = wait_linux(run, "net", READY, "'NOTE net-serve: ready: ...'")
    want = pattern_md5(SERVE_BYTES)
    if (int(ready.group(2)), ready.group(3)) != (SERVE_BYTES, want):
        run.fail(f"VM net serves {ready.group(2)} bytes of md5 {ready.group(3)}, want "
                 f"{SERVE_BYTES} of md5 {want}")
    check_vm_passed(run.lines, "net", "linux", min_pass=MIN_PASS, session=run,
                    powered_off=False)

    url = f"http://{keelboot.LOOPBACK}:{port}/data.bin"
    start = time.monotonic()
    body = fetch(url, start + FETCH_TIMEOUT)
    took = time.monotonic() - start
    run.drain(0.5)  # whatever the guest or keel said meanwhile goes into the log and checks
    check_keel_healthy(run.lines, run)
    got = hashlib.md5(body).hexdigest()
    if (len(body), got) != (SERVE_BYTES, want):
        run.fail(f"fetched {len(body)} bytes of md5 {got} from {url}, want {SERVE_BYTES} "
                 f"of md5 {want}")
    print(f"fetched {SERVE_BYTES >> 20} MiB in {took:.1f} s")
