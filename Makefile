# keel - a type-1 hypervisor for Armv8-A.
#   make            build keel (build/keel.bin), the test guests and the default boot image
#   make run        boot keel in QEMU with two Linux VMs (configs/linux.dts); Ctrl-A x3 switches
#                   input; alpha has a disk (build/run/disk.img) and a network card
#                   (127.0.0.1:8080, or the next free port, reaches its port 80)
#   make test       host unit tests, then QEMU integration tests
#   make bench      benchmark guests under QEMU -icount, compares with bench/figures.json
#   make bench-record  the same, recording the figures in bench/figures.json and docs
#   make deps       install the Debian packages keel needs (run by the targets above)

CROSS    ?= aarch64-linux-gnu-
CC        = $(CROSS)gcc
OBJCOPY   = $(CROSS)objcopy
OBJDUMP   = $(CROSS)objdump
HOSTCC   ?= gcc
PYTHON   ?= /usr/bin/python3
B        := build

PICOLIBC_SPECS := /usr/lib/picolibc/aarch64-linux-gnu/picolibc.specs
LIBFDT_A       := /usr/lib/aarch64-linux-gnu/libfdt.a

# ---------------------------------------------------------------- keel (EL2)
KEEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -mgeneral-regs-only -mstrict-align -fno-omit-frame-pointer \
	-fpie -fstack-protector-strong -mbranch-protection=none -mno-outline-atomics \
	--specs=$(PICOLIBC_SPECS) -Iinclude -MMD -MP
KEEL_LDFLAGS := -nostartfiles -static-pie -Wl,--no-dynamic-linker \
	-Wl,-z,norelro -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Tsrc/arch/aarch64/keel.ld \
	-Wl,--defsym=vfprintf=__i_vfprintf -Wl,-Map=$(B)/keel.map

KEEL_SRCS := $(wildcard src/core/*.c src/arch/aarch64/*.c src/arch/aarch64/*.S \
	src/platform/*.c src/drivers/*.c src/devices/*.c)
KEEL_OBJS := $(patsubst %,$(B)/keel/%.o,$(KEEL_SRCS))

all: $(B)/keel.bin guests

$(B)/keel/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KEEL_CFLAGS) -c $< -o $@

$(B)/keel/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(KEEL_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(B)/keel.elf: $(KEEL_OBJS) src/arch/aarch64/keel.ld
	$(CC) $(KEEL_CFLAGS) $(KEEL_LDFLAGS) $(KEEL_OBJS) $(LIBFDT_A) -lc -lgcc -o $@
	@# keel never touches FP/SIMD registers outside fpsimd.S: they belong to the guests.
	$(PYTHON) tools/check_no_fpsimd.py $(OBJDUMP) $@

# The Image header's image_size (offset 16) must include BSS, which objcopy does not emit.
$(B)/keel.bin: $(B)/keel.elf
	$(OBJCOPY) -O binary $< $@
	$(PYTHON) tools/image_size.py $< $@

-include $(KEEL_OBJS:.o=.d)

# ---------------------------------------------------------------- guests, configs
-include guests/guests.mk
-include bench/bench.mk
-include linux.mk

CONFIG_DTS := $(wildcard configs/*.dts tests/integration/configs/*.dts)
CONFIG_DTB := $(patsubst %.dts,$(B)/%.dtb,$(CONFIG_DTS))
$(B)/%.dtb: %.dts
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<
configs: $(CONFIG_DTB)

# ---------------------------------------------------------------- host unit tests
# Each tests/unit/test_<name>.c names the sources it links on a line
#   // deps: src/core/pt.c src/core/palloc.c
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude \
	-DKEEL_HOST -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_TESTS := $(patsubst tests/unit/test_%.c,$(B)/unit/test_%,$(wildcard tests/unit/test_*.c))

$(B)/unit/test_%: tests/unit/test_%.c $(wildcard include/keel/*.h include/keel/*/*.h tests/unit/*.h tests/unit/dt_fixture.c) $(KEEL_SRCS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) $< $(shell sed -n 's|^// deps:||p' $<) -lcmocka -lfdt -o $@

unit: deps $(UNIT_TESTS) configs $(B)/qemu-virt.dtb
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; ASAN_OPTIONS=detect_leaks=1 $$t; done
	$(PYTHON) tests/unit/decoder_objdump.py --cc $(HOSTCC) --objdump $(OBJDUMP) --build $(B)/unit

# The boot device tree QEMU gives keel, as a fixture for the platform tests.
$(B)/qemu-virt.dtb:
	@mkdir -p $(B)
	qemu-system-aarch64 -M virt,virtualization=on,gic-version=3,dumpdtb=$@ -cpu max -smp 4 -m 2G -nic none -nographic >/dev/null

# ---------------------------------------------------------------- top-level targets
deps:
	@tools/install-deps.sh

test: deps all unit integration

integration: deps all linux
	$(PYTHON) -m pytest -v tests/integration

run: deps all linux
	$(PYTHON) tools/run.py --config configs/linux.dts --disk $(B)/run/disk.img --forward 8080:80

# bench: measure and compare with bench/figures.json (fails if a figure moved by > 2 %);
# bench-record: measure and write them there and into docs/performance.md.
bench: deps all linux
	$(PYTHON) bench/run.py
	$(PYTHON) bench/linux_boot.py
	$(PYTHON) bench/disk_read.py

bench-record: deps all linux
	$(PYTHON) bench/run.py --record
	$(PYTHON) bench/linux_boot.py --record
	$(PYTHON) bench/disk_read.py --record

clean:
	rm -rf $(B)

.PHONY: all deps test unit integration run bench bench-record clean configs guests
