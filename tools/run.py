#!/usr/bin/python3
"""Boot keel in QEMU with a VM configuration, console on this terminal.

    /usr/bin/python3 tools/run.py --config configs/default.dts [--smp N] [--icount] [--print-cmd]

The boot modules the configuration names are looked up and loaded by tools/keelboot.py.
Quit QEMU with Ctrl-T X (Ctrl-T C switches to the QEMU monitor and back): Ctrl-A is keel's,
three in a row move console input to the next VM.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keelboot  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="VM configuration (.dts)")
    parser.add_argument("--smp", type=int, default=4, help="physical CPUs (default 4)")
    parser.add_argument("--mem", default="2G", help="machine RAM, QEMU -m syntax (default 2G)")
    parser.add_argument("--icount", action="store_true",
                        help="deterministic instruction counting (-icount shift=0)")
    parser.add_argument("--kernel", default=str(keelboot.KEEL_BIN),
                        help="hypervisor image (default build/keel.bin)")
    parser.add_argument("--print-cmd", action="store_true",
                        help="print the QEMU command and the module map, do not run")
    parser.add_argument("qemu_args", nargs="*", help="extra QEMU arguments (after --)")
    args = parser.parse_args()

    try:
        boot = keelboot.build_boot(args.config, smp=args.smp, mem=args.mem, icount=args.icount,
                                   extra_args=args.qemu_args, kernel=args.kernel,
                                   require_kernel=not args.print_cmd)
    except keelboot.BootError as err:
        print(f"run.py: {err}", file=sys.stderr)
        return 2

    if args.print_cmd:
        print(boot.command())
        print(boot.module_map())
        return 0
    print(f"run.py: booting keel with {args.config} on {args.smp} CPUs; "
          "Ctrl-A three times switches input between VMs; quit with Ctrl-T X", flush=True)
    os.execv(boot.argv[0], boot.argv)


if __name__ == "__main__":
    sys.exit(main())
