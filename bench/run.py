#!/usr/bin/python3
"""Run keel's benchmark guest under QEMU -icount and print its instruction counts.

    /usr/bin/python3 bench/run.py [--record] [--json FILE] [--smp N] [--config X.dts] [--verbose]

build/bench/bench.bin runs alone in one VM with two vCPUs on physical CPUs 0 and 1 (-smp 2:
the IPI round trip needs a second CPU; the other figures run before vCPU 1 is started, while
CPU 1 idles in keel's WFI). With -icount shift=0 the guest's counter advances one nanosecond
per instruction executed on any CPU (and, with sleep=off, never with host time), so its
figures are deterministic instruction counts.
It prints "BENCH <figure> <count>" lines; we need every one of BENCH_FIGURES. The whole console
goes to build/bench/run.log. A second boot (DOORBELL_CONFIG, console in build/bench/doorbell.log)
measures the doorbell round trip between two VMs of guests/shm, one vCPU each on CPUs 0 and 1;
a third (SCHED_CONFIG) a scheduler wake-up: the WFI timer figure with a busy vCPU sharing CPU 0.

The figures are compared with the recorded ones (bench/figures.json, see bench/figures.py):
every difference is printed, and one beyond 2 % either way makes the exit status 1, as
does a missing figure. --record writes what was measured into bench/figures.json and
regenerates docs/performance.md's table instead. --json FILE also writes the measured
figures there ({name: value}). With --config or a different --smp the figures are not the
recorded set's and are only printed.
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))
import figures as figures_file  # noqa: E402
import keelboot  # noqa: E402

BENCH_FIGURES = ("hvc_roundtrip_insns", "mmio_read_insns", "gicd_read_insns",
                 "virq_inject_eoi_insns", "timer_irq_latency_insns", "timer_irq_latency_wfi_insns",
                 "vipi_roundtrip_insns", "ptirq_latency_insns")
# The second boot (DOORBELL_CONFIG): two VMs of guests/shm ringing each other.
DOORBELL_FIGURES = {"doorbell_roundtrip_insns": "doorbell_roundtrip_insns"}
# The third boot (SCHED_CONFIG): the bench guest's WFI timer figure, measured while a busy
# vCPU of lower priority shares vCPU 0's CPU, is a scheduler wake-up.
SCHED_FIGURES = {"timer_irq_latency_wfi_insns": "sched_wake_latency_insns"}
FIGURES = BENCH_FIGURES + tuple(DOORBELL_FIGURES.values()) + tuple(SCHED_FIGURES.values())
BENCH_LINE = re.compile(r"^(?:\[[^\]]+\] )?BENCH (\S+) (\d+(?:\.\d+)?)$")
FAIL_LINE = re.compile(r"^(?:\[[^\]]+\] )?(FAIL \S.*)$")  # a figure the guest gave up on
KEEL_FATAL = ("(keel) PANIC", "(keel) unhandled")
LOG = keelboot.BUILD / "bench" / "run.log"
DOORBELL_LOG = keelboot.BUILD / "bench" / "doorbell.log"

BENCH_SMP = 2  # the physical CPUs BENCH_CONFIG pins its vCPUs to
# sleep=off: with QEMU's default (sleep=on) the virtual clock follows host time whenever QEMU
# sees every CPU idle, which the IPI round trip (both CPUs in WFI in turn) hits now and then:
# about one run in ten came out several times too high. With sleep=off an idle machine jumps
# straight to the next timer deadline, so the counter stays a pure instruction count.
ICOUNT_ARGS = ("-icount", "shift=0,sleep=off")
BENCH_CONFIG = """\
/dts-v1/;
/* Written by bench/run.py: the benchmark guest alone, vCPU 0 on CPU 0, vCPU 1 on CPU 1. */
/ {
	compatible = "keel,config";
	#address-cells = <2>;
	#size-cells = <2>;
	keel,when-idle = "poweroff";

	bench {
		compatible = "keel,vm";
		memory = <0x0 0x40000000 0x0 0x04000000>;
		cpus = <2>;
		cpu-affinity = <0 1>;
		kernel = "bench.bin";
		test-device = <0x0 0x0a000000>;
		passthrough = "/pl061@9030000";	/* ptirq_latency_insns */
	};
};
"""
# The doorbell round trip: two VMs of guests/shm on CPUs 0 and 1 sharing one page; ping rings
# pong through its PL061 and waits in WFI, pong's IRQ handler rings back (docs/performance.md).
DOORBELL_CONFIG = """\
/dts-v1/;
/* Written by bench/run.py: guests/shm's ping on CPU 0, its pong on CPU 1. */
/ {
	compatible = "keel,config";
	#address-cells = <2>;
	#size-cells = <2>;
	keel,when-idle = "poweroff";

	bell: bell {
		compatible = "keel,shared-memory";
		size = <0x0 0x1000>;
	};

	ping {
		compatible = "keel,vm";
		memory = <0x0 0x40000000 0x0 0x02000000>;
		cpus = <1>;
		cpu-affinity = <0>;
		kernel = "shm.bin";
		bootargs = "ping bell pong 2000";
		shared-memory = <&bell 0x0 0x70000000>;
	};

	pong {
		compatible = "keel,vm";
		memory = <0x0 0x40000000 0x0 0x02000000>;
		cpus = <1>;
		cpu-affinity = <1>;
		kernel = "shm.bin";
		bootargs = "pong bell ping";
		shared-memory = <&bell 0x0 0x70000000>;
	};
};
"""


SCHED_CONFIG = """\
/dts-v1/;
/* Written by bench/run.py: the benchmark guest (priority 7) with a vCPU that never waits
 * (priority 1) on its CPU 0: waiting in WFI, the bench vCPU is descheduled. */
/ {
	compatible = "keel,config";
	#address-cells = <2>;
	#size-cells = <2>;

	bench {
		compatible = "keel,vm";
		memory = <0x0 0x40000000 0x0 0x04000000>;
		cpus = <2>;
		cpu-affinity = <0 1>;
		priority = <7>;
		kernel = "bench.bin";
		test-device = <0x0 0x0a000000>;
		passthrough = "/pl061@9030000";
	};

	spin {
		compatible = "keel,vm";
		memory = <0x0 0x48000000 0x0 0x04000000>;
		cpus = <1>;
		cpu-affinity = <0>;
		priority = <1>;
		kernel = "spin.bin";
	};
};
"""


def run_bench(boot, timeout, verbose, wanted=None, log_path=LOG):
    """Boot, collect the BENCH figures; return ({figure: count}, error or None, FAIL lines).
    wanted: {guest's name: recorded name} of the figures to collect (default: BENCH_FIGURES)."""
    wanted = wanted or {name: name for name in BENCH_FIGURES}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    figures, error, failures = {}, None, []
    deadline = time.monotonic() + timeout
    grace = deadline
    with open(log_path, "w", encoding="utf-8", errors="replace") as log:
        log.write(f"# {boot.command()}\n")
        child = pexpect.spawn(boot.argv[0], boot.argv[1:], encoding="utf-8",
                              codec_errors="replace", timeout=None, echo=False)
        child.logfile_read = log
        try:
            while True:
                # After the last figure, give the guest a moment to power off cleanly.
                limit = deadline if len(figures) < len(wanted) else min(deadline, grace)
                index = child.expect(["\n", pexpect.EOF, pexpect.TIMEOUT],
                                     timeout=max(0, limit - time.monotonic()))
                line = child.before.replace("\r", "").strip()
                if verbose and line:
                    print(line, flush=True)
                if any(marker in line for marker in KEEL_FATAL):
                    error = f"keel failed: {line}"
                    break
                failed = FAIL_LINE.match(line)
                if failed:
                    failures.append(failed.group(1))
                match = BENCH_LINE.match(line)
                if match and match.group(1) in wanted:
                    figures[wanted[match.group(1)]] = float(match.group(2))
                    if len(figures) == len(wanted):
                        grace = time.monotonic() + 5
                if index == 1:
                    break
                if index == 2:
                    if len(figures) < len(wanted):
                        error = f"timed out after {timeout:.0f}s"
                    break
        finally:
            child.close(force=True)
    return figures, error, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smp", type=int, default=BENCH_SMP,
                        help=f"physical CPUs (default {BENCH_SMP}: one per vCPU of the bench VM)")
    parser.add_argument("--config", help="VM configuration (default: one VM running bench.bin)")
    parser.add_argument("--timeout", type=float, help="seconds (default 120, times "
                        "$KEEL_TIMEOUT_SCALE)",
                        default=120 * float(os.environ.get("KEEL_TIMEOUT_SCALE", "1")))
    parser.add_argument("--verbose", action="store_true", help="echo the console")
    parser.add_argument("--record", action="store_true",
                        help="write the figures into bench/figures.json and docs/performance.md")
    parser.add_argument("--json", type=Path, help="write the measured figures to this file")
    args = parser.parse_args()
    standard = args.config is None and args.smp == BENCH_SMP
    if args.record and not standard:
        print("bench: --record measures the recorded set: no --config, no --smp", file=sys.stderr)
        return 2

    config = args.config
    if config is None:
        if args.smp < BENCH_SMP:
            print(f"bench: the bench VM pins its vCPUs to CPUs 0-{BENCH_SMP - 1}: "
                  f"--smp {BENCH_SMP} or more", file=sys.stderr)
            return 2
        config = keelboot.BOOT_DIR / "keel-bench.dts"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(BENCH_CONFIG)
    try:
        boot = keelboot.build_boot(config, smp=args.smp, no_reboot=True, extra_args=ICOUNT_ARGS)
    except keelboot.BootError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 2

    figures, error, failures = run_bench(boot, args.timeout, args.verbose)
    extra_commands = []
    if standard and not error:
        config = keelboot.BOOT_DIR / "keel-bench-doorbell.dts"
        config.write_text(DOORBELL_CONFIG)
        # The bench VM never powers off in the sched boot (spin never ends): stopped once its
        # figure is in.
        sched_config = keelboot.BOOT_DIR / "keel-bench-sched.dts"
        sched_config.write_text(SCHED_CONFIG)
        for cfg, wanted_more, log_path in ((config, DOORBELL_FIGURES, DOORBELL_LOG),
                                           (sched_config, SCHED_FIGURES, LOG)):
            if error:
                break
            try:
                more_boot = keelboot.build_boot(cfg, smp=BENCH_SMP, no_reboot=True,
                                                extra_args=ICOUNT_ARGS)
            except keelboot.BootError as err:
                print(f"bench: {err}", file=sys.stderr)
                return 2
            more, error, more_failures = run_bench(more_boot, args.timeout, args.verbose,
                                                   wanted_more, log_path)
            figures.update(more)
            failures += more_failures
            extra_commands.append(f"{more_boot.command()}  # {', '.join(wanted_more.values())}")
    wanted = FIGURES if standard else BENCH_FIGURES
    for name in wanted:
        print(f"{name} {figures[name]}" if name in figures else f"{name} MISSING")
    print(f"command: {boot.command()}")
    for command in extra_commands:
        print(f"command: {command}")
    print(f"log: {os.path.relpath(LOG, Path.cwd())}")
    missing = [name for name in wanted if name not in figures]
    if error or missing:
        for failure in failures:
            print(f"bench: guest: {failure}", file=sys.stderr)
        print(f"bench: {error or 'missing ' + ', '.join(missing)}; see {LOG}", file=sys.stderr)
        return 1
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if not standard:
        return 0
    return figures_file.record_or_report(figures, args.record, "bench")


if __name__ == "__main__":
    sys.exit(main())
