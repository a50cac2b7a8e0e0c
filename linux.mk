# The reference Linux guest: Debian 12's own arm64 kernel, unmodified, and an initramfs of
# Debian's static busybox with the checks in guests/linux/ (guests/linux/README.md).
# Included by the top-level Makefile.
#
#   make linux          build/linux/Image and build/linux/initramfs.cpio.gz
#   make linux-check    boot them in QEMU without keel (1 and 4 CPUs): every check passes;
#                       then with a virtio-mmio disk and network card (its own modules)
#   make linux-native   the same kernel in QEMU without keel, a shell on the console
#   make run-hello      keel with configs/default.dts: two bare-metal "hello" VMs
#   make linux-test     the integration tests that boot Linux under keel (pytest -m linux)
#   make linux-clean    remove what `make linux` made, but keep the downloaded .debs
#
# The .debs are downloaded once (apt-get download, Debian's archive only) and kept in
# build/linux/debs/; tools/linux/fetch.sh says more.

LINUX_DIR    := $(B)/linux
LINUX_IMAGE  := $(LINUX_DIR)/Image
LINUX_INITRD := $(LINUX_DIR)/initramfs.cpio.gz
LINUX_GUEST  := $(wildcard guests/linux/init guests/linux/*.sh)
LINUX_MODS   := $(LINUX_DIR)/modules/keel.load
# Static arm64 programs for the Linux guest's /bin, one per guests/linux/tools/*.c, built
# against Debian's glibc for arm64 (libc6-dev-arm64-cross).
LINUX_TOOLS  := $(patsubst guests/linux/tools/%.c,$(LINUX_DIR)/tools/%,$(wildcard guests/linux/tools/*.c))
LINUX_TOOL_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -static

# The kernel modules the initramfs carries and /init loads, in this order (their
# dependencies, from the same kernel package, come along; a name the kernel has built
# in is skipped). Add vsock, virtio_rng, virtio_console ... here.
LINUX_MODULES := virtio_mmio virtio_blk virtio_net

linux: $(LINUX_IMAGE) $(LINUX_INITRD)

# Order-only on deps: `make -j` must not run apt-get next to tools/install-deps.sh.
$(LINUX_IMAGE): tools/linux/fetch.sh | deps
	tools/linux/fetch.sh kernel $(LINUX_DIR)

# After the kernel, not beside it: both may run apt-get.
$(LINUX_DIR)/busybox: tools/linux/fetch.sh | deps $(LINUX_IMAGE)
	tools/linux/fetch.sh busybox $(LINUX_DIR)

# From the package the Image came from; linux.mk holds the list, so it is a prerequisite.
$(LINUX_MODS): tools/linux/fetch.sh linux.mk $(LINUX_IMAGE)
	tools/linux/fetch.sh modules $(LINUX_DIR) $(LINUX_MODULES)

$(LINUX_DIR)/tools/%: guests/linux/tools/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(LINUX_TOOL_CFLAGS) $< -o $@

$(LINUX_INITRD): tools/linux/mkinitramfs.py $(LINUX_DIR)/busybox $(LINUX_GUEST) $(LINUX_MODS) \
		$(LINUX_TOOLS)
	$(PYTHON) tools/linux/mkinitramfs.py --busybox $(LINUX_DIR)/busybox --guest guests/linux \
		--modules $(LINUX_DIR)/modules $(addprefix --tool ,$(LINUX_TOOLS)) -o $@

linux-check: linux
	$(PYTHON) tools/linux/native.py --smp 1 --test poweroff
	$(PYTHON) tools/linux/native.py --smp 4 --test poweroff
	$(PYTHON) -m pytest -v tests/integration/test_linux_native_virtio.py

linux-native: linux
	$(PYTHON) tools/linux/native.py --shell --smp 4

# One physical CPU per vCPU: 4 for linux and 1 for hello.
run-hello: deps all
	$(PYTHON) tools/run.py --config configs/default.dts

linux-test: deps all linux
	$(PYTHON) -m pytest -v -m linux tests/integration/test_linux.py

linux-clean:
	rm -f $(LINUX_IMAGE) $(LINUX_INITRD) $(LINUX_DIR)/busybox $(LINUX_DIR)/kernel.config \
		$(LINUX_DIR)/kernel.version
	rm -rf $(LINUX_DIR)/modules $(LINUX_DIR)/tools

.PHONY: linux linux-check linux-native run-hello linux-test linux-clean
