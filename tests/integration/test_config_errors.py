"""Bad configurations: keel names the offending node in a "config error" line and starts
no VM. keel may then idle or power off; the test kills QEMU either way."""

import pytest

from keelvm import CONFIG_ERROR, CONFIG_ERROR_TIMEOUT, GUEST_LINE, check_keel_healthy


BAD_CONFIGS = [
    ("bad-overlap.dts", "overlap", {}),                 # test device inside guest memory
    ("bad-missing-kernel.dts", "nokernel", {"allow_missing": True}),  # module not loaded
    ("bad-too-many-vcpus.dts", "toomany", {}),          # 5 vCPUs on 4 CPUs
    ("bad-typo.dts", "typo", {}),                       # cpu-afinity
]


@pytest.mark.parametrize("config, node, options", BAD_CONFIGS,
                         ids=[c[0].removesuffix(".dts") for c in BAD_CONFIGS])
def test_config_error(keel, config, node, options):
    run = keel(config, timeout=CONFIG_ERROR_TIMEOUT, **options)
    error = run.wait_for(CONFIG_ERROR, "keel's '(keel) config error' line")
    if node not in error.group(0):
        run.fail(f"the config error does not name node {node!r}: {error.group(0)!r}")
    run.drain(1.0)  # anything keel does next is in the log and checked below
    check_keel_healthy(run.lines, run)
    started = [line for line in run.lines if GUEST_LINE.match(line)]
    if started:
        run.fail(f"a VM ran despite the config error: {started[0]!r}")
