#!/usr/bin/python3
"""Where an exit's instructions go: a per-function breakdown of keel's side of the bench exits.

    python3 bench/exit_trace.py [--top N] [--sequence SCENARIO] [--log FILE --image ADDR]

Boots the bench guest (bench/run.py's VM) with bootargs "bench-trace": every loop then runs
BENCH_TRACE_ITERATIONS times and the guest waits for a key before its first loop. At that
point this tool switches QEMU's trace on through the monitor (`singlestep on`, one instruction
per translation block, and `log int,exec,nochain`, one line per instruction executed and one
per exception taken or returned from), presses the key, and lets the guest run to its end.
Every instruction executed at EL2 between a guest's exception to EL2 and keel's ERET back to
that guest belongs to one exit; it is symbolised against build/keel.elf (keel's runtime base
from its vector address) and counted per function. The guest's instructions are symbolised
against build/bench/bench.elf (its runtime base is printed by the guest), which tells which
bench loop an exit came from.

Printed, per scenario, the instructions of one exit (the mean of the traced ones) by keel
function, and the whole (keel and guest, both CPUs) where the figure counts more than keel:
  hvc       HVC from bench_hvc_loop                       (hvc_roundtrip_insns)
  uart      data abort from bench_mmio_loop on UARTFR      (mmio_read_insns)
  gicd      data abort from bench_mmio_loop on GICD_CTLR   (gicd_read_insns)
  virq      one self-SGI round, exit and guest handler    (virq_inject_eoi_insns)
  timer     IRQ exit from the spin in bench_timer_take    (timer_irq_latency_insns)
  timerwfi  WFI exit of bench_timer_take, keel idle, wake (timer_irq_latency_wfi_insns)
  vipi      one SGI round trip, both CPUs                  (vipi_roundtrip_insns)
"""

import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))
import keelboot  # noqa: E402
import run as bench_run  # noqa: E402

KEEL_ELF = keelboot.BUILD / "keel.elf"
GUEST_ELF = keelboot.BUILD / "bench" / "bench.elf"
LOG = keelboot.BUILD / "bench" / "exit_trace.log"
NM = "aarch64-linux-gnu-nm"
TRACE_CONFIG = bench_run.BENCH_CONFIG.replace(
    'kernel = "bench.bin";', 'kernel = "bench.bin";\n\t\tbootargs = "bench-trace";')
MONITOR_TOGGLE = "\x14c"  # keelboot's -echr 20: Ctrl-T c switches serial <-> monitor
VECTOR_TABLE_ALIGN = 0x800
UART_FR, GICD_CTLR = 0x018, 0x000
EC_SYS64 = 0x18
TRACE_STARTED_BYTES = 1 << 20

TRACE_RE = re.compile(r"^Trace (\d+): \S+ \[[0-9a-f]+/([0-9a-f]+)/")
TAKE_RE = re.compile(r"^Taking exception \d+ \[([^\]]+)\] on CPU (\d+)")
FROM_RE = re.compile(r"^\.\.\.from EL(\d) to EL(\d)")
ESR_RE = re.compile(r"^\.\.\.with ESR 0x([0-9a-f]+)/0x([0-9a-f]+)")
FAR_RE = re.compile(r"^\.\.\.with FAR 0x([0-9a-f]+)")
TO_RE = re.compile(r"^\.\.\.to EL2 PC 0x([0-9a-f]+)")
ERET_RE = re.compile(r"^Exception return from AArch64 EL(\d) to AArch64 EL(\d)")
IMAGE_RE = re.compile(r"trace: image at 0x([0-9a-f]+),")  # the comma: pexpect may match a prefix of the number


class Symbols:
    """Function symbols of an ELF, looked up at a runtime offset."""

    def __init__(self, elf):
        out = subprocess.run([NM, "-n", "--defined-only", str(elf)], check=True,
                             capture_output=True, text=True).stdout
        pairs = []
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                pairs.append((int(parts[0], 16), parts[2]))
        self.addrs = [a for a, _ in pairs]
        self.names = [n for _, n in pairs]
        self.offset = 0

    def addr(self, name):
        return self.addrs[self.names.index(name)]

    def name(self, pc):
        i = bisect.bisect_right(self.addrs, pc - self.offset) - 1
        return self.names[i] if i >= 0 else f"0x{pc:x}"


class Exit:
    """One guest exception to EL2 up to keel's ERET back: its cause and keel's instructions."""

    def __init__(self, cpu, kind, guest_pc, start):
        self.cpu, self.kind, self.guest_pc, self.start = cpu, kind, guest_pc, start
        self.ec = self.far = None
        self.pcs = []


def run_trace(timeout):
    config = keelboot.BOOT_DIR / "keel-bench-trace.dts"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(TRACE_CONFIG)
    LOG.unlink(missing_ok=True)
    boot = keelboot.build_boot(config, smp=bench_run.BENCH_SMP, no_reboot=True,
                               extra_args=bench_run.ICOUNT_ARGS + ("-D", str(LOG)))
    child = pexpect.spawn(boot.argv[0], boot.argv[1:], encoding="utf-8",
                          codec_errors="replace", timeout=timeout, echo=False)
    child.logfile_read = open(LOG.with_suffix(".console"), "w", encoding="utf-8")
    try:
        child.expect(IMAGE_RE)
        image = int(child.match.group(1), 16)
        child.send(MONITOR_TOGGLE)
        child.expect(r"\(qemu\)")
        child.send("singlestep on\r")
        child.expect(r"\(qemu\)")
        child.send("log int,exec,nochain\r")
        child.expect(r"\(qemu\)")
        child.send(MONITOR_TOGGLE)
        # The guest's key poll is traced once the trace is on: press the key only then.
        deadline = time.monotonic() + timeout
        while (not LOG.exists() or LOG.stat().st_size < TRACE_STARTED_BYTES) and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        child.send("k")
        child.expect(r"BENCH vipi_roundtrip_insns")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    return image


def parse(log, keel):
    """Exits in log order, and every line's CPU and EL for the whole-interval counts."""
    exits, open_exit, el, last_pc = [], {}, {}, {}
    stream = []  # (cpu, el, pc) per instruction, in execution order
    cur_cpu, pending = None, None
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = TRACE_RE.match(line)
            if m:
                cur_cpu, pc = int(m.group(1)), int(m.group(2), 16)
                level = el.get(cur_cpu)
                stream.append((cur_cpu, level, pc))
                if level == 2 and cur_cpu in open_exit:
                    open_exit[cur_cpu].pcs.append(pc)
                elif level is not None and level < 2:
                    last_pc[cur_cpu] = pc
                continue
            m = TAKE_RE.match(line)
            if m:
                pending = [m.group(1), int(m.group(2))]
                continue
            m = FROM_RE.match(line)
            if m and pending:
                src, dst = int(m.group(1)), int(m.group(2))
                cpu = pending[1]
                el[cpu] = dst
                if dst == 2 and src < 2:
                    e = Exit(cpu, pending[0], last_pc.get(cpu), len(stream))
                    open_exit[cpu] = e
                    exits.append(e)
                continue
            m = ESR_RE.match(line)
            if m and pending and pending[1] in open_exit:
                open_exit[pending[1]].ec = int(m.group(1), 16)
                continue
            m = FAR_RE.match(line)
            if m and pending and pending[1] in open_exit:
                open_exit[pending[1]].far = int(m.group(1), 16)
                continue
            m = TO_RE.match(line)
            if m and not keel.offset:
                keel.offset = (int(m.group(1), 16) & ~(VECTOR_TABLE_ALIGN - 1)) - \
                    keel.addr("el2_vectors")
                continue
            m = ERET_RE.match(line)
            if m and cur_cpu is not None:
                el[cur_cpu] = int(m.group(2))
                if int(m.group(1)) == 2 and int(m.group(2)) < 2:
                    open_exit.pop(cur_cpu, None)
    return exits, stream


def count_functions(pcs, keel):
    return collections.Counter(keel.name(pc) for pc in pcs)


def print_sequence(pcs, keel):
    """Consecutive instructions in one function as one line: the call/return structure."""
    runs = []
    for pc in pcs:
        name = keel.name(pc)
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    print("   sequence: " + ", ".join(f"{n} {c}" for n, c in runs))


def report(title, figure, counts, n, whole=None, top=12):
    total = sum(c for name, c in counts.items() if name != "(guest)")
    print(f"== {title} ({figure}): {n} traced, keel {total / n:.0f} instructions each"
          + (f", everything {whole / n:.0f}" if whole is not None else ""))
    for name, c in counts.most_common(top):
        print(f"   {c / n:7.1f}  {name}")
    rest = sum(c for _, c in counts.most_common()[top:])
    if rest:
        print(f"   {rest / n:7.1f}  (the rest)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=12, help="functions listed per scenario")
    parser.add_argument("--log", type=Path, help="parse this trace instead of running QEMU "
                        "(needs --image)")
    parser.add_argument("--image", type=lambda s: int(s, 0), help="the guest's runtime base")
    parser.add_argument("--sequence", metavar="SCENARIO",
                        help="also print one exit of SCENARIO as its sequence of function runs")
    parser.add_argument("--timeout", type=float,
                        default=300 * float(os.environ.get("KEEL_TIMEOUT_SCALE", "1")))
    args = parser.parse_args()

    keel, guest = Symbols(KEEL_ELF), Symbols(GUEST_ELF)
    if args.log:
        if args.image is None:
            parser.error("--log needs --image (the guest's base, printed as 'image at 0x...')")
        log, guest.offset = args.log, args.image - guest.addr("__image_start")
    else:
        guest.offset = run_trace(args.timeout) - guest.addr("__image_start")
        log = LOG
    exits, stream = parse(log, keel)
    if not any(e.kind == "Hypervisor Call" for e in exits):
        print(f"exit_trace: {log} holds no HVC exit: the trace began after the first loop",
              file=sys.stderr)
        return 1
    print(f"trace: {log} ({len(stream)} instructions, {len(exits)} exits); keel at "
          f"0x{keel.offset:x}, guest at 0x{guest.offset:x}")

    def where(e):
        return guest.name(e.guest_pc) if e.guest_pc is not None else "?"

    def pick(pred):
        return [e for e in exits if pred(e)]

    scenarios = [
        ("hvc", "hvc_roundtrip_insns",
         pick(lambda e: e.kind == "Hypervisor Call" and where(e) == "bench_hvc_loop")),
        ("uart", "mmio_read_insns",
         pick(lambda e: e.kind == "Data Abort" and where(e) == "bench_mmio_loop"
              and e.far is not None and e.far & 0xfff == UART_FR)),
        ("gicd", "gicd_read_insns",
         pick(lambda e: e.kind == "Data Abort" and where(e) == "bench_mmio_loop"
              and e.far is not None and e.far & 0xfff == GICD_CTLR)),
        ("timer", "timer_irq_latency_insns",
         pick(lambda e: e.kind == "IRQ" and where(e) == "bench_timer_take")),
        ("timerwfi", "timer_irq_latency_wfi_insns",
         pick(lambda e: e.ec == 0x01 and where(e) == "bench_timer_take")),
    ]
    for title, figure, chosen in scenarios:
        if not chosen:
            print(f"== {title} ({figure}): no exit found in the trace")
            continue
        counts = collections.Counter()
        for e in chosen:
            counts.update(count_functions(e.pcs, keel))
        report(title, figure, counts, len(chosen), top=args.top)
        if args.sequence == title:
            print_sequence(chosen[len(chosen) // 2].pcs, keel)

    # Rounds measured as intervals between consecutive trapped SGI writes of one loop: every
    # instruction in between, keel's by function, on both CPUs.
    self_sgis = pick(lambda e: e.ec == EC_SYS64 and where(e) == "bench_sgi_loop")
    cpu1_start = next((i for i, (cpu, lvl, _) in enumerate(stream) if cpu == 1 and lvl == 1), None)
    pings = pick(lambda e: e.ec == EC_SYS64 and e.cpu == 0 and cpu1_start is not None
                 and e.start > cpu1_start)
    for title, figure, marks in (("virq", "virq_inject_eoi_insns", self_sgis),
                                 ("vipi", "vipi_roundtrip_insns", pings)):
        if len(marks) < 2:
            print(f"== {title} ({figure}): fewer than two rounds in the trace")
            continue
        # Not the gaps between two loops (or between warm-up and measured rounds).
        spans = [stream[a.start - 1:b.start - 1] for a, b in zip(marks, marks[1:])]
        typical = sorted(len(s) for s in spans)[len(spans) // 2]
        spans = [s for s in spans if len(s) <= typical * 3 // 2]
        counts, whole = collections.Counter(), 0
        for span in spans:
            whole += len(span)
            counts.update(keel.name(pc) for _, lvl, pc in span if lvl == 2)
            counts["(guest)"] += sum(1 for _, lvl, _ in span if lvl is not None and lvl < 2)
        report(title, figure, counts, len(spans), whole=whole, top=args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
