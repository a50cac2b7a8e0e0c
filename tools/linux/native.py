#!/usr/bin/python3
"""Boot the reference Linux guest in QEMU without keel (at EL1, QEMU's own GIC and timer).

    tools/linux/native.py [--smp 4] [--test MODE] [--icount]
        [--disk IMG] [--net] [--forward HOST:GUEST] [--append ARGS]
    tools/linux/native.py --shell [--smp 4]        # interactive; quit with Ctrl-A X

--disk IMG and --net add a virtio-mmio disk (IMG, raw) and network card (QEMU's user
network with restrict=on: the guest reaches no network at all); --forward HOST:GUEST
(implies --net) makes 127.0.0.1:HOST reach the guest's port GUEST. --test virtio runs
only the checks of those devices (run_virtio_checks in guests/linux/checks.sh) and powers
off; disk-write, disk-read, disk-bench and net-serve are guests/linux/devices.sh's
(net-serve keeps running: stop it with --timeout or Ctrl-C).

With --test, the guest runs its checks (guests/linux/checks.sh) and the console is shown
with the host time of each line; the script exits 0 only if the guest said
"GUEST linux start", printed no FAIL line and a SUMMARY with 0 failed, and (poweroff)
QEMU then exited by itself, or (reboot) the guest booted --boots times. It ends with
the boot time (to "GUEST linux start"), in host seconds and in the guest's /proc/uptime
(with --icount, QEMU runs -icount shift=0: guest time is then 1 ns per instruction while
a CPU runs, so the uptime measures the boot in instructions, plus any idle time).
"""

import argparse
import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import keelboot  # noqa: E402
LINUX_DIR = ROOT / "build" / "linux"
IMAGE = LINUX_DIR / "Image"
INITRD = LINUX_DIR / "initramfs.cpio.gz"
QEMU = "qemu-system-aarch64"
BOOTARGS = "console=ttyAMA0"

GUEST_START = re.compile(r"^GUEST linux start$")
UPTIME = re.compile(r"^NOTE uptime (\d+\.\d+) s at /init")
PASS = re.compile(r"^PASS (\S+)")
FAIL = re.compile(r"^FAIL (\S+)")
SUMMARY = re.compile(r"^SUMMARY linux (\d+) passed, (\d+) failed$")
MIN_PASS = 10  # modules, ncpus, cpu0-runs, timer-5s, sleep-5s, rcu x2, parallel-work,
#               timer-irqs, dmesg-clean
MIN_PASS_VIRTIO = 4  # modules, vda, eth0, dmesg-clean (+ vda-data when given its md5)
# The modes after which the guest powers off, and the PASS lines each prints at least.
POWEROFF_MIN_PASS = {"poweroff": MIN_PASS, "virtio": MIN_PASS_VIRTIO,
                     "disk-write": 3, "disk-read": 3, "disk-bench": 3}  # modules, vda, disk-*
MIN_PASS_NET_SERVE = 4  # modules, eth0, dhcp, httpd
TESTS = ["reboot", "heartbeat", "net-serve", *POWEROFF_MIN_PASS]


def bootargs(smp, test=None, extra=""):
    args = f"{BOOTARGS} keel.ncpus={smp}"
    if test:
        args += f" keel.test={test}"
    return f"{args} {extra}" if extra else args


def virtio_argv(disk=None, net=False, forwards=()):
    """QEMU options for a virtio-mmio disk (a raw image) and network card, the same as
    under keel (tools/keelboot.py device_args: the same transports). The network is QEMU's
    user network with restrict=on: no packet leaves QEMU; forwards listen on 127.0.0.1."""
    return keelboot.device_args(disk, list(forwards) if net or forwards else None)


def native_argv(smp=4, mem="1G", test=None, icount=False, no_reboot=True, disk=None,
                net=False, append="", forwards=(), icount_opts="shift=0"):
    """The QEMU command that boots build/linux's kernel and initramfs without keel."""
    nic = [] if net or forwards else ["-nic", "none"]
    argv = [shutil.which(QEMU) or QEMU, "-M", "virt,gic-version=3", "-cpu", "max", *nic,
            "-smp", str(smp), "-m", str(mem), "-nographic",
            "-kernel", str(IMAGE), "-initrd", str(INITRD),
            "-append", bootargs(smp, test, append)] + virtio_argv(disk, net, forwards)
    if icount:
        argv += ["-icount", icount_opts]
    if no_reboot:
        argv += ["-no-reboot"]
    return argv


def parse_forward(text):
    try:
        host, guest = (int(part) for part in text.split(":"))
        forward = keelboot.Forward(host, guest)
        forward.check()
    except (ValueError, keelboot.BootError) as err:
        raise argparse.ArgumentTypeError(f"{text!r}: want HOST:GUEST port numbers ({err})")
    return forward


def missing_files():
    return [str(p.relative_to(ROOT)) for p in (IMAGE, INITRD) if not p.is_file()]


class Report:
    """What the console said, boot by boot."""

    def __init__(self, min_pass=MIN_PASS):
        self.min_pass = min_pass
        self.boots = []  # per boot: dict(start=host s, uptime=..., passes, fails, summary)

    def feed(self, line, now):
        if GUEST_START.match(line):
            self.boots.append({"start": now, "uptime": None, "passes": [], "fails": [],
                               "summary": None})
            return
        if not self.boots:
            return
        boot = self.boots[-1]
        if m := UPTIME.match(line):
            boot["uptime"] = float(m.group(1))
        elif m := PASS.match(line):
            boot["passes"].append(m.group(1))
        elif m := FAIL.match(line):
            boot["fails"].append(line)
        elif m := SUMMARY.match(line):
            boot["summary"] = (int(m.group(1)), int(m.group(2)))

    def complete_boots(self):
        return sum(1 for b in self.boots if b["summary"] is not None)

    def problems(self, boots):
        out = []
        if len(self.boots) < boots:
            out.append(f"{len(self.boots)} 'GUEST linux start' line(s), want {boots}")
        for n, b in enumerate(self.boots[:boots], 1):
            if b["fails"]:
                out.append(f"boot {n}: {b['fails'][0]}")
            if b["summary"] is None:
                out.append(f"boot {n}: no SUMMARY line")
            elif b["summary"] != (len(b["passes"]), 0):
                out.append(f"boot {n}: SUMMARY {b['summary']} but {len(b['passes'])} PASS "
                           f"and {len(b['fails'])} FAIL lines")
            if len(b["passes"]) < self.min_pass:
                out.append(f"boot {n}: {len(b['passes'])} PASS lines, want {self.min_pass}+")
        return out


def read_console(proc, report, done, deadline, t0):
    """Show QEMU's output with host times and feed it to report, until QEMU exits
    (returns its status), done() says so or the deadline passes (returns None)."""
    pending = b""
    while not done():
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 1.0))
        if not ready:
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            return proc.wait()
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            now = time.monotonic() - t0
            print(f"{now:7.2f} | {line}", flush=True)
            report.feed(line, now)
    return None


def run_checks(args):
    boots = args.boots if args.test == "reboot" else 1
    argv = native_argv(args.smp, args.mem, args.test, args.icount,
                       no_reboot=args.test != "reboot", disk=args.disk, net=args.net,
                       append=args.append, forwards=args.forward,
                       icount_opts=args.icount_opts)
    print("native: " + " ".join(argv), flush=True)
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    report = Report(POWEROFF_MIN_PASS.get(args.test) or
                    (MIN_PASS_NET_SERVE if args.test == "net-serve" else MIN_PASS))
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        if args.test in POWEROFF_MIN_PASS:  # QEMU exits by itself
            exited = read_console(proc, report, lambda: False, deadline, t0)
        elif args.test == "net-serve":  # serves until the deadline (or Ctrl-C)
            exited = read_console(proc, report, lambda: False, deadline, t0)
            if exited is None and report.complete_boots():
                exited = 0
        else:  # the guest reboots or runs for ever: stop after enough boots
            exited = read_console(proc, report, lambda: report.complete_boots() >= boots,
                                  deadline, t0)
            if args.test == "heartbeat" and exited is None:  # show a few heartbeats
                read_console(proc, report, lambda: False, time.monotonic() + 3, t0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    total = time.monotonic() - t0

    problems = report.problems(boots)
    if args.test in POWEROFF_MIN_PASS and exited != 0:
        problems.append("QEMU did not exit by itself with status 0 after poweroff -f "
                        f"({'timed out' if exited is None else f'status {exited}'})")
    for n, b in enumerate(report.boots, 1):
        uptime = f"{b['uptime']:.2f} s" if b["uptime"] is not None else "?"
        print(f"native: boot {n}: 'GUEST linux start' after {b['start']:.1f} s (host), "
              f"guest uptime {uptime}{f' (-icount {args.icount_opts})' if args.icount else ''}; "
              f"{len(b['passes'])} PASS, {len(b['fails'])} FAIL")
    print(f"native: {args.smp} CPU(s), keel.test={args.test}: {total:.1f} s in all")
    for p in problems:
        print(f"native: FAILED: {p}")
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smp", type=int, default=4, help="CPUs (default 4)")
    parser.add_argument("--mem", default="1G", help="RAM, QEMU -m syntax (default 1G)")
    parser.add_argument("--test", choices=TESTS,
                        default="poweroff", help="what the guest does after its checks")
    parser.add_argument("--boots", type=int, default=2,
                        help="with --test reboot: boots to wait for (default 2)")
    parser.add_argument("--icount", action="store_true", help="QEMU -icount shift=0")
    parser.add_argument("--disk", type=Path, help="a raw image as a virtio-mmio disk")
    parser.add_argument("--net", action="store_true",
                        help="a virtio-mmio network card (user network, restrict=on)")
    parser.add_argument("--forward", type=parse_forward, action="append", default=[],
                        metavar="HOST:GUEST",
                        help="forward 127.0.0.1:HOST to the guest's port GUEST (implies --net)")
    parser.add_argument("--icount-opts", default="shift=0",
                        help="with --icount: QEMU's -icount options (default shift=0)")
    parser.add_argument("--append", default="", help="more kernel command line arguments")
    parser.add_argument("--timeout", type=float, default=300, help="seconds (default 300)")
    parser.add_argument("--shell", action="store_true",
                        help="interactive: no checks verdict, console on this terminal")
    parser.add_argument("--print-cmd", action="store_true", help="print the command only")
    args = parser.parse_args()

    missing = missing_files()
    if missing:
        print(f"native.py: {', '.join(missing)} not found: run make linux", file=sys.stderr)
        return 2
    if args.print_cmd or args.shell:
        argv = native_argv(args.smp, args.mem, None if args.shell else args.test,
                           args.icount, no_reboot=False, disk=args.disk, net=args.net,
                           append=args.append, forwards=args.forward)
        if args.print_cmd:
            print(" ".join(argv))
            return 0
        print("native.py: Linux in QEMU without keel; quit with Ctrl-A X", flush=True)
        os.execv(argv[0], argv)
    if shutil.which(QEMU) is None:
        print(f"native.py: {QEMU} not found: run tools/install-deps.sh", file=sys.stderr)
        return 2
    return run_checks(args)


if __name__ == "__main__":
    sys.exit(main())
