"""Bad configurations: keel names the offending node in a "config error" line and starts
no VM. keel may then idle or power off; the test kills QEMU either way."""

import pytest

from keelvm import CONFIG_ERROR, CONFIG_ERROR_TIMEOUT, GUEST_LINE, check_keel_healthy


# (config, VM node, a word the error must contain, boot options)
BAD_CONFIGS = [
    ("bad-overlap.dts", "overlap", "test-device", {}),  # test device inside guest memory
    ("bad-missing-kernel.dts", "nokernel", "no-such-guest.bin",
     {"allow_missing": True}),                           # module not in the boot dtb
    ("bad-too-many-vcpus.dts", "toomany", "CPU", {}),   # 5 vCPUs on 4 CPUs
    ("bad-typo.dts", "typo", "cpu-afinity", {}),        # misspelt property
]


@pytest.mark.parametrize("config, node, word, options", BAD_CONFIGS,
                         ids=[c[0].removesuffix(".dts") for c in BAD_CONFIGS])
def test_config_error(keel, config, node, word, options):
    run = keel(config, timeout=CONFIG_ERROR_TIMEOUT, **options)
    error = run.wait_for(CONFIG_ERROR, "keel's '(keel) config error' line").group(0)
    if f"/{node}" not in error or word not in error:
        run.fail(f"the config error should name /{node} and {word!r}: {error!r}")
    run.drain(1.0)  # anything keel does next is in the log and checked below
    check_keel_healthy(run.lines, run)
    started = [line for line in run.lines if GUEST_LINE.match(line)]
    if started:
        run.fail(f"a VM ran despite the config error: {started[0]!r}")
