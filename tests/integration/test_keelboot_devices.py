"""tools/keelboot.py's real devices (device_args), checked against QEMU itself: the
virtio-mmio transport each lands on, which configs/linux.dts and the passthrough tests'
configurations rely on, and that the network reaches only the loopback. No keel needed:
QEMU is started stopped (-S) and asked through its monitor (info qtree)."""

import re
import subprocess

from keelvm import TIMEOUT_SCALE, keelboot

# In info qtree: a transport's "mmio <base>/<size>", then its bus, then the device on it.
QTREE_DEVICE = re.compile(r"mmio ([0-9a-f]{16})/0000000000000200\s*\n"
                          r"\s*bus: virtio-mmio-bus\.(\d+)\s*\n"
                          r"(?:\s*type virtio-mmio-bus\s*\n)?"
                          r"\s*dev: (virtio-\w+-device)")


def qtree(disk, net):
    """{device type: transport base} QEMU reports for device_args(disk, net)."""
    extra = keelboot.device_args(disk, net)
    argv = [keelboot.qemu_path(), *keelboot.machine_args(1, "256M", nic_none=net is None), "-S",
            "-nographic", "-monitor", "stdio", "-serial", "none", *extra]
    result = subprocess.run(argv, input="info qtree\nquit\n", capture_output=True, text=True,
                            timeout=60 * TIMEOUT_SCALE)
    assert result.returncode == 0, f"{' '.join(argv)}:\n{result.stderr}"
    return {device: int(base, 16) for base, _bus, device in
            QTREE_DEVICE.findall(result.stdout.replace("\r", ""))}


def test_disk_and_net_land_on_the_top_transports(tmp_path):
    disk = tmp_path / "d.img"
    disk.write_bytes(bytes(1 << 20))
    top, top_spi = keelboot.virtio_transport(31)
    next_down, next_spi = keelboot.virtio_transport(30)
    assert (top, top_spi, next_down, next_spi) == (0x0A003E00, 47, 0x0A003C00, 46)
    assert qtree(disk, []) == {"virtio-blk-device": top, "virtio-net-device": next_down}
    assert qtree(None, []) == {"virtio-net-device": top}
    assert qtree(disk, None) == {"virtio-blk-device": top}
    # All within the one 4 KiB page configs/linux.dts gives alpha whole.
    assert top >> 12 == next_down >> 12 == 0x0A003


def test_net_is_restricted_and_forwards_only_loopback():
    argv = keelboot.device_args(None, [keelboot.Forward(8080, 80), keelboot.Forward(2222, 22)])
    netdev = argv[argv.index("-netdev") + 1].split(",")
    assert netdev[:3] == ["user", "id=n0", "restrict=on"]
    assert netdev[3:] == ["hostfwd=tcp:127.0.0.1:8080-:80", "hostfwd=tcp:127.0.0.1:2222-:22"]
    assert "-nic" not in keelboot.machine_args(1, "1G", nic_none=False)
    assert keelboot.machine_args(1, "1G")[-2:] == ["-nic", "none"]
    for bad in (0, 65536, "80"):
        try:
            keelboot.device_args(None, [keelboot.Forward(bad, 80)])
        except keelboot.BootError as err:
            assert "not 1-65535" in str(err)
        else:
            raise AssertionError(f"port {bad!r} accepted")
