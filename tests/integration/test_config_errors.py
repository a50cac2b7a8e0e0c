"""Bad configurations: keel names the offending node in a "config error" line and starts
no VM. keel may then idle or power off; the test kills QEMU either way."""

import pytest

from keelvm import CONFIG_ERROR_TIMEOUT, check_config_refused


# (config, VM node, a word the error must contain, boot options)
BAD_CONFIGS = [
    ("bad-overlap.dts", "overlap", "test-device", {}),  # test device inside guest memory
    ("bad-missing-kernel.dts", "nokernel", "no-such-guest.bin",
     {"allow_missing": True}),                           # module not in the boot dtb
    ("bad-exclusive-cpu.dts", "other", "keel,exclusive", {}),  # pinned onto an exclusive CPU
    ("bad-typo.dts", "typo", "cpu-afinity", {}),        # misspelt property
]


@pytest.mark.parametrize("config, node, word, options", BAD_CONFIGS,
                         ids=[c[0].removesuffix(".dts") for c in BAD_CONFIGS])
def test_config_error(keel, config, node, word, options):
    run = keel(config, timeout=CONFIG_ERROR_TIMEOUT, **options)
    check_config_refused(run, [f"/{node}", word])
