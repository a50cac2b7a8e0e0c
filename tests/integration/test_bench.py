"""bench/run.py boots the benchmark guest under -icount and reports instruction counts."""

import re
import subprocess
import sys

from keelvm import ROOT, TIMEOUT_SCALE

# Every figure bench/run.py must report (docs/performance.md), in instructions.
FIGURES = ("hvc_roundtrip_insns", "mmio_read_insns", "virq_inject_eoi_insns",
           "vipi_roundtrip_insns")
PLAUSIBLE_MAX = 1e6


def test_bench_figures():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py")], cwd=ROOT,
                            capture_output=True, text=True, timeout=180 * TIMEOUT_SCALE)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"bench/run.py failed:\n{output}"
    for figure in FIGURES:
        match = re.search(rf"^{figure} (\d+(?:\.\d+)?)$", result.stdout, re.M)
        assert match, f"no {figure} figure in:\n{output}"
        value = float(match.group(1))
        assert 0 < value < PLAUSIBLE_MAX, f"{figure} = {value} is not plausible"
