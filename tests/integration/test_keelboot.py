"""tools/keelboot.py on its own (no keel needed): the boot device tree it writes."""

import subprocess

import pytest

from keelvm import keelboot

CONFIG = """/dts-v1/;
/ {
	compatible = "keel,config";
	#address-cells = <2>;
	#size-cells = <2>;
	a { compatible = "keel,vm"; kernel = "fake-kernel.bin"; initrd = "fake-initrd.img"; };
	b { compatible = "keel,vm"; kernel = "fake-kernel.bin"; dtb = "fake-guest.dtb"; };
	c { compatible = "something,else"; kernel = "ignored.bin"; };
};
"""
SIZES = {"fake-kernel.bin": 3 << 20, "fake-initrd.img": 1000, "fake-guest.dtb": 64}


def make_config(tmp_path, text=CONFIG):
    for name, size in SIZES.items():
        (tmp_path / name).write_bytes(b"\xa5" * size)
    config = tmp_path / "fake.dts"
    config.write_text(text)
    return config


def chosen_modules(boot_dtb):
    root = keelboot.fdt_parse(boot_dtb.read_bytes())
    chosen = next(n for n in root.walk() if n.path == "/chosen")
    modules = {}
    for node in chosen.children:
        cells = [int.from_bytes(node.props["reg"][i:i + 4], "big") for i in range(0, 16, 4)]
        modules[node.string("keel,name")] = (node.name, node.strings("compatible"),
                                             cells[0] << 32 | cells[1], cells[2] << 32 | cells[3])
    return modules


def test_boot_dtb_lists_modules(tmp_path):
    boot = keelboot.build_boot(make_config(tmp_path), smp=2, mem="1G", require_kernel=False)
    modules = chosen_modules(boot.boot_dtb)
    config_name = boot.config_dtb.name
    assert set(modules) == {*SIZES, config_name}   # fake-kernel.bin once, ignored.bin not
    addrs = sorted(addr for _, _, addr, _ in modules.values())
    base = keelboot.module_base("1G")
    assert addrs[0] == base
    for name, (node, compatible, addr, size) in modules.items():
        assert node == f"module@{addr:x}"
        assert addr % (2 << 20) == 0
        kind = "keel,config" if name == config_name else "keel,module"
        assert compatible == [kind, "multiboot,module"]
        if name != config_name:
            assert size == SIZES[name]
    assert modules[config_name][2] == addrs[-1]         # the configuration comes last
    spans = sorted((addr, addr + size) for _, _, addr, size in modules.values())
    assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:]))

    # QEMU's own nodes are still there, for these machine options.
    text = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(boot.boot_dtb)],
                          capture_output=True, text=True, check=True).stdout
    assert "cpu@1 {" in text and "cpu@2 {" not in text
    assert "arm,gic-v3" in text and 'stdout-path = "/pl011@9000000"' in text

    argv = boot.argv
    assert argv[argv.index("-smp") + 1] == "2" and argv[argv.index("-m") + 1] == "1G"
    assert argv[argv.index("-dtb") + 1] == str(boot.boot_dtb)
    loaders = [a for a in argv if a.startswith("loader,")]
    assert len(loaders) == len(modules)
    assert f"loader,file={tmp_path / 'fake-kernel.bin'},addr={base:#x},force-raw=on" in loaders
    assert "-icount" not in argv


def test_icount_and_extra_args(tmp_path):
    boot = keelboot.build_boot(make_config(tmp_path), icount=True, extra_args=["-s"],
                               require_kernel=False)
    assert boot.argv[boot.argv.index("-icount") + 1] == "shift=0"
    assert boot.argv[-1] == "-s"


def test_missing_module_names_node_and_file(tmp_path):
    config = make_config(tmp_path, CONFIG.replace("fake-guest.dtb", "absent.dtb"))
    with pytest.raises(keelboot.BootError, match=r"node /b: dtb = \"absent.dtb\": file not found"):
        keelboot.build_boot(config, require_kernel=False)
    boot = keelboot.build_boot(config, allow_missing=True, require_kernel=False)
    assert boot.missing == [("/b", "dtb", "absent.dtb")]
    assert "absent.dtb" not in chosen_modules(boot.boot_dtb)


def test_bad_dts_is_a_clear_error(tmp_path):
    config = make_config(tmp_path, CONFIG.replace("};\n};", "}\n};"))
    with pytest.raises(keelboot.BootError, match="dtc failed"):
        keelboot.build_boot(config, require_kernel=False)
