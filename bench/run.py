#!/usr/bin/python3
"""Run keel's benchmark guest under QEMU -icount and print its instruction counts.

    /usr/bin/python3 bench/run.py [--smp N] [--config X.dts] [--verbose]

build/bench/bench.bin runs alone in one VM; with -icount shift=0 the guest's counter
advances one tick per instruction, so its figures are deterministic instruction counts.
It prints "BENCH <figure> <count>" lines; we need every one of FIGURES. Exit status 1 if
one is missing. The whole console goes to build/bench/run.log.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import keelboot  # noqa: E402

FIGURES = ("hvc_roundtrip_insns", "mmio_read_insns")
BENCH_LINE = re.compile(r"^(?:\[[^\]]+\] )?BENCH (\S+) (\d+(?:\.\d+)?)$")
KEEL_FATAL = ("(keel) PANIC", "(keel) unhandled")
LOG = keelboot.BUILD / "bench" / "run.log"

BENCH_CONFIG = """\
/dts-v1/;
/* Written by bench/run.py: the benchmark guest alone on CPU 0. */
/ {
	compatible = "keel,config";
	#address-cells = <2>;
	#size-cells = <2>;
	keel,when-idle = "poweroff";

	bench {
		compatible = "keel,vm";
		memory = <0x0 0x40000000 0x0 0x04000000>;
		cpus = <1>;
		cpu-affinity = <0>;
		kernel = "bench.bin";
		test-device = <0x0 0x0a000000>;
	};
};
"""


def run_bench(boot, timeout, verbose):
    """Boot, collect the BENCH figures; return ({figure: count}, error or None)."""
    LOG.parent.mkdir(parents=True, exist_ok=True)
    figures, error = {}, None
    deadline = time.monotonic() + timeout
    grace = deadline
    with open(LOG, "w", encoding="utf-8", errors="replace") as log:
        log.write(f"# {boot.command()}\n")
        child = pexpect.spawn(boot.argv[0], boot.argv[1:], encoding="utf-8",
                              codec_errors="replace", timeout=None, echo=False)
        child.logfile_read = log
        try:
            while True:
                # After the last figure, give the guest a moment to power off cleanly.
                limit = deadline if len(figures) < len(FIGURES) else min(deadline, grace)
                index = child.expect(["\n", pexpect.EOF, pexpect.TIMEOUT],
                                     timeout=max(0, limit - time.monotonic()))
                line = child.before.replace("\r", "").strip()
                if verbose and line:
                    print(line, flush=True)
                if any(marker in line for marker in KEEL_FATAL):
                    error = f"keel failed: {line}"
                    break
                match = BENCH_LINE.match(line)
                if match and match.group(1) in FIGURES:
                    figures[match.group(1)] = float(match.group(2))
                    if len(figures) == len(FIGURES):
                        grace = time.monotonic() + 5
                if index == 1:
                    break
                if index == 2:
                    if len(figures) < len(FIGURES):
                        error = f"timed out after {timeout:.0f}s"
                    break
        finally:
            child.close(force=True)
    return figures, error


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smp", type=int, default=1,
                        help="physical CPUs (default 1: nothing else runs under -icount)")
    parser.add_argument("--config", help="VM configuration (default: one VM running bench.bin)")
    parser.add_argument("--timeout", type=float, help="seconds (default 120, times "
                        "$KEEL_TIMEOUT_SCALE)",
                        default=120 * float(os.environ.get("KEEL_TIMEOUT_SCALE", "1")))
    parser.add_argument("--verbose", action="store_true", help="echo the console")
    args = parser.parse_args()

    config = args.config
    if config is None:
        config = keelboot.BOOT_DIR / "keel-bench.dts"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(BENCH_CONFIG)
    try:
        boot = keelboot.build_boot(config, smp=args.smp, icount=True, no_reboot=True)
    except keelboot.BootError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 2

    figures, error = run_bench(boot, args.timeout, args.verbose)
    for name in FIGURES:
        print(f"{name} {figures[name]}" if name in figures else f"{name} MISSING")
    print(f"command: {boot.command()}")
    print(f"log: {os.path.relpath(LOG, Path.cwd())}")
    missing = [name for name in FIGURES if name not in figures]
    if error or missing:
        print(f"bench: {error or 'missing ' + ', '.join(missing)}; see {LOG}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
