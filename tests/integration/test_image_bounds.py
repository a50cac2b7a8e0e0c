"""Boot images that do not fit in their VM's RAM (issue 7, "the isolation escape").

keel once copied a kernel whose offset lay in the last 2 MiB of RAM past the end of the
VM's RAM: into the VM allocated after it, or past the end of physical memory (an EL2 panic
in memcpy), from a raw load-offset or from an arm64 Image header's text_offset alone, and
again on every restart. Now every placement is checked before any VM starts, and refused
with a config error naming the configuration file and the VM node.

Each bad configuration has a bystander VM (the secret guest, which checks its memory for
seconds) or RAM at the very end of physical memory; keel must refuse before either runs.
Companion good cases put the same images just inside the bounds and see them run.
"""

import struct

import pytest

import keelvm
from keelvm import (CONFIG_ERROR_TIMEOUT, ROOT, VM_ID, check_config_refused,
                    check_vm_passed)

GUESTS = ROOT / "build" / "guests"
VM_RAM = 64 << 20                  # the VMs below
DTB_REGION = 2 << 20               # the top 2 MiB of a VM's RAM hold its device tree
PAGE = 4096
IMAGE_TEXT_OFFSET, IMAGE_IMAGE_SIZE, IMAGE_FLAGS = 8, 16, 24   # arm64 Image header fields


def expect_refused(run, node, words):
    """keel printed a config error naming the configuration file and /node (and words),
    did not panic, and started no VM."""
    config_file = run.boot.config_dtb.name
    return check_config_refused(run, [f"config error: {config_file}: /{node}: ", *words])


# ---------------------------------------------------------------- raw kernels (load-offset)

def test_raw_load_offset_in_last_page_is_refused(keel):
    """(b) a raw kernel at the last page of its RAM, a bystander allocated right after it:
    refused at configuration time, so not even a restart can copy it."""
    run = keel("bad-load-offset-top.dts", timeout=CONFIG_ERROR_TIMEOUT)
    expect_refused(run, "escape", ["load-offset 0x3fff000", "top 2 MiB"])


def test_raw_kernel_at_end_of_physical_memory_is_refused(keel):
    """(a) the VM's RAM ends where physical memory ends; its kernel would be copied past it."""
    run = keel("bad-load-offset-ram-end.dts", timeout=CONFIG_ERROR_TIMEOUT)
    expect_refused(run, "top", ["load-offset 0x3ffff000"])


def test_ram_end_layout_really_ends_physical_memory(keel):
    """The premise of the test above: this layout puts the VM's RAM at the end of physical
    memory (-m 2G: 0x40000000-0xbfffffff), and a kernel inside it runs."""
    run = keel("ram-end.dts")
    lines = run.finish()
    created = [line for line in lines if VM_ID.match(line)]
    if not created or "(PA 0x80000000)" not in created[0] or "1024 MiB" not in created[0]:
        run.fail(f"VM top should get 1024 MiB at PA 0x80000000 (ending at 0xc0000000): {created}")
    check_vm_passed(lines, "top", "hypercall", session=run)


# ---------------------------------------------------------------- arm64 Images (text_offset)

def write_config(tmp_path, kernel):
    """A plain Linux-format config (no load-offset) with a bystander after the VM."""
    config = tmp_path / "image-bounds.dts"
    config.write_text(f"""/dts-v1/;
/ {{
	compatible = "keel,config";
	#address-cells = <2>;
	#size-cells = <2>;
	keel,when-idle = "poweroff";

	escape {{
		compatible = "keel,vm";
		memory = <0x0 0x40000000 0x0 {VM_RAM:#x}>;
		cpus = <1>;
		cpu-affinity = <0>;
		kernel = "{kernel}";
	}};

	bystander {{
		compatible = "keel,vm";
		memory = <0x0 0x40000000 0x0 {VM_RAM:#x}>;
		cpus = <1>;
		cpu-affinity = <1>;
		kernel = "secret.bin";
		test-device = <0x0 0x0a000000>;
	}};
}};
""")
    return config


def patched_image(tmp_path, name, text_offset=None, image_size=None, flags=None):
    """The hello guest's Image with header fields replaced, as tmp_path/name."""
    image = bytearray((GUESTS / "hello.bin").read_bytes())
    for offset, value in ((IMAGE_TEXT_OFFSET, text_offset), (IMAGE_IMAGE_SIZE, image_size),
                          (IMAGE_FLAGS, flags)):
        if value is not None:
            struct.pack_into("<Q", image, offset, value)
    (tmp_path / name).write_bytes(bytes(image))


def hello_image_size():
    return struct.unpack_from("<Q", (GUESTS / "hello.bin").read_bytes(), IMAGE_IMAGE_SIZE)[0]


# (id, header fields, words the error must contain)
BAD_HEADERS = [
    # text_offset in the last 2 MiB: the wrapping check let these through
    ("text-offset-last-page", {"text_offset": VM_RAM - PAGE}, ["text_offset 0x3fff000"]),
    ("text-offset-dtb-region", {"text_offset": VM_RAM - DTB_REGION}, ["text_offset 0x3e00000"]),
    # image_size (BSS included) one page into the device tree region
    ("bss-into-dtb", {"text_offset": "room-image+page"}, ["does not fit below the device tree"]),
    ("text-offset-huge", {"text_offset": 2**64 - PAGE}, ["text_offset 0xfffffffffffff000"]),
    ("image-size-wraps", {"text_offset": PAGE, "image_size": 2**64 - PAGE}, ["does not fit"]),
    ("image-size-below-file", {"image_size": 0x1000}, ["smaller than the file"]),
    ("big-endian", {"flags": 0xb}, ["big endian"]),
]


def resolve(fields):
    room = VM_RAM - DTB_REGION
    out = dict(fields)
    if out.get("text_offset") == "room-image+page":
        out["text_offset"] = room - hello_image_size() + PAGE
    return out


@pytest.mark.parametrize("fields, words", [c[1:] for c in BAD_HEADERS],
                         ids=[c[0] for c in BAD_HEADERS])
def test_bad_image_header_is_refused(keel, tmp_path, fields, words):
    """(c) a Linux-format config whose Image header alone is bad: refused when the VM is
    created, before any VM runs, naming the configuration file and the node."""
    patched_image(tmp_path, "evil.bin", **resolve(fields))
    run = keel(write_config(tmp_path, "evil.bin"), timeout=CONFIG_ERROR_TIMEOUT)
    expect_refused(run, "escape", ['kernel "evil.bin"', *words])


def test_image_filling_ram_below_dtb_runs(keel, tmp_path):
    """The largest text_offset that fits: the image and its BSS end exactly where the device
    tree region starts. It runs, and the bystander's memory stays intact."""
    offset = VM_RAM - DTB_REGION - hello_image_size()
    assert offset % PAGE == 0
    patched_image(tmp_path, "edge.bin", text_offset=offset)
    run = keel(write_config(tmp_path, "edge.bin"))
    lines = run.finish()
    check_vm_passed(lines, "escape", "hello", session=run)
    check_vm_passed(lines, "bystander", "secret", session=run)


# ---------------------------------------------------------------- errors while creating a VM

def test_vm_create_error_names_config_file(keel):
    """Not enough memory is found by vm_create, after the config was parsed: the message
    still names the file and the node, as docs/config.md promises."""
    run = keel("bad-nomem.dts", timeout=CONFIG_ERROR_TIMEOUT)
    expect_refused(run, "big", ["not enough free memory for its 4096 MiB of RAM"])


def test_duplicate_vm_names_are_refused(tmp_path):
    """Two VM nodes of one name (dtc refuses to write that, so the blob is patched)."""
    config = tmp_path / "dup-names.dts"
    vm = """	{name} {{
		compatible = "keel,vm";
		memory = <0x0 0x40000000 0x0 0x04000000>;
		cpus = <1>;
		kernel = "hello.bin";
	}};
"""
    config.write_text("/dts-v1/;\n/ {\n\tcompatible = \"keel,config\";\n"
                      "\t#address-cells = <2>;\n\t#size-cells = <2>;\n"
                      "\tkeel,when-idle = \"poweroff\";\n"
                      + vm.format(name="twin") + vm.format(name="twix") + "};\n")
    # Build the command, then patch the compiled config in place (same size) before QEMU
    # starts and reads it; the keel fixture would recompile it, so the session is our own.
    boot = keelvm.keelboot.build_boot(config, no_reboot=True)
    blob = boot.config_dtb.read_bytes()
    assert blob.count(b"twix\0") == 1
    boot.config_dtb.write_bytes(blob.replace(b"twix\0", b"twin\0"))
    run = keelvm.KeelSession(boot, keelvm.LOG_DIR / "test_duplicate_vm_names_are_refused.log",
                             CONFIG_ERROR_TIMEOUT)
    try:
        error = expect_refused(run, "twin", ["VM node 2 has the same name as VM node 1"])
        assert "give each VM its own name" in error, error
    finally:
        run.kill()
