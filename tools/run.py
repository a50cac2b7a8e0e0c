#!/usr/bin/python3
"""Boot keel in QEMU with a VM configuration, console on this terminal.

    /usr/bin/python3 tools/run.py --config configs/default.dts [--smp N] [--icount] [--print-cmd]
        [--disk IMG [--disk-size 64M]] [--net] [--forward HOST:GUEST]

The boot modules the configuration names are looked up and loaded by tools/keelboot.py.
Quit QEMU with Ctrl-T X (Ctrl-T C switches to the QEMU monitor and back): Ctrl-A is keel's,
three in a row move console input to the next VM.

--disk IMG attaches the raw image IMG as a virtio-mmio disk (created, sparse, of --disk-size
bytes if it does not exist; kept afterwards). --net adds a virtio-mmio network card on
QEMU's user network with restrict=on (the guest reaches nothing outside QEMU); --forward
HOST:GUEST (implies --net) makes 127.0.0.1:HOST on this machine reach port GUEST of the VM,
HOST being the first free port from HOST to HOST+FORWARD_TRIES-1. The configuration decides
which VM gets them (its passthrough property; configs/linux.dts gives both to alpha).
"""

import argparse
import errno
import os
import socket
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keelboot  # noqa: E402

FORWARD_TRIES = 20
DISK_TRANSPORT = keelboot.virtio_transport(keelboot.VIRTIO_MMIO_COUNT - 1)[0]
DISK_NODE = f"/virtio_mmio@{DISK_TRANSPORT:x}"  # where device_args puts the disk


def parse_forward(text):
    try:
        host, guest = (int(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:GUEST (two port numbers)")
    forward = keelboot.Forward(host, guest)
    try:
        forward.check()
    except keelboot.BootError as err:
        raise argparse.ArgumentTypeError(str(err))
    return forward


def port_free(port):
    """Whether QEMU could listen on 127.0.0.1:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((keelboot.LOOPBACK, port))
        except OSError as err:
            if err.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def pick_forward(wanted):
    """wanted, or the same guest port from the next free host port (another program, or
    another make run, may hold the first)."""
    for port in range(wanted.host, min(wanted.host + FORWARD_TRIES, 65536)):
        if port_free(port):
            return keelboot.Forward(port, wanted.guest)
    raise keelboot.BootError(f"no free port on {keelboot.LOOPBACK} from {wanted.host} to "
                             f"{wanted.host + FORWARD_TRIES - 1}: give another with --forward")


def make_disk(path, size):
    """Create the image (sparse: it takes no space until written) if it does not exist."""
    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as disk:
        disk.truncate(size)
    return True


def describe_devices(args, boot, created):
    given = ", ".join(keelboot.config_vms_given(boot.config_dtb, DISK_NODE)) or \
        "the VM the configuration passes it to"
    if args.disk is not None:
        size = Path(args.disk).stat().st_size
        print(f"run.py: disk: {keelboot._rel(args.disk)} ({size >> 20} MiB raw, "
              f"{'created now' if created else 'kept from earlier runs'}) is /dev/vda in "
              f"{given}; e.g. there `echo hello | dd of=/dev/vda conv=fsync`, here after quitting "
              f"`head -c 6 {keelboot._rel(args.disk)}`", flush=True)
    if args.net:
        line = "run.py: network: a virtio-mmio card on QEMU's user network (restrict=on: " \
               "nothing outside QEMU is reached)"
        for forward in args.forwards:
            line += (f"; {keelboot.LOOPBACK}:{forward.host} here is port {forward.guest} of "
                     f"{given}: `curl http://{keelboot.LOOPBACK}:{forward.host}/`")
        print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="VM configuration (.dts)")
    parser.add_argument("--smp", type=int, default=4, help="physical CPUs (default 4)")
    parser.add_argument("--mem", default="2G", help="machine RAM, QEMU -m syntax (default 2G)")
    parser.add_argument("--icount", action="store_true",
                        help="deterministic instruction counting (-icount shift=0)")
    parser.add_argument("--kernel", default=str(keelboot.KEEL_BIN),
                        help="hypervisor image (default build/keel.bin)")
    parser.add_argument("--disk", type=Path, help="a raw image as a virtio-mmio disk")
    parser.add_argument("--disk-size", default="64M",
                        help="size of the --disk image if it is created (default 64M)")
    parser.add_argument("--net", action="store_true",
                        help="a virtio-mmio network card (user network, restrict=on)")
    parser.add_argument("--forward", type=parse_forward, action="append", default=[],
                        metavar="HOST:GUEST", help="forward 127.0.0.1:HOST to the VM's port "
                        "GUEST (implies --net; may be given more than once)")
    parser.add_argument("--print-cmd", action="store_true",
                        help="print the QEMU command and the module map, do not run")
    parser.add_argument("qemu_args", nargs="*", help="extra QEMU arguments (after --)")
    args = parser.parse_args()
    args.net = args.net or bool(args.forward)

    created = False
    try:
        args.forwards = [pick_forward(f) for f in args.forward]
        if args.disk is not None and not args.print_cmd:
            created = make_disk(args.disk, keelboot.parse_size(args.disk_size))
        boot = keelboot.build_boot(args.config, smp=args.smp, mem=args.mem, icount=args.icount,
                                   extra_args=args.qemu_args, kernel=args.kernel,
                                   require_kernel=not args.print_cmd,
                                   disk=args.disk,
                                   net=args.forwards if args.net else None)
    except (keelboot.BootError, OSError) as err:
        print(f"run.py: {err}", file=sys.stderr)
        return 2

    if args.print_cmd:
        print(boot.command())
        print(boot.module_map())
        return 0
    print(f"run.py: booting keel with {args.config} on {args.smp} CPUs; "
          "Ctrl-A three times switches input between VMs; quit with Ctrl-T X", flush=True)
    describe_devices(args, boot, created)
    os.execv(boot.argv[0], boot.argv)


if __name__ == "__main__":
    sys.exit(main())
