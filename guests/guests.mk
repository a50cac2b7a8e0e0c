# Test guests: guests/lib/ (the runtime) + one directory per guest, each
# linked into build/guests/<name>.bin, an arm64 Linux Image that is also
# position independent (a raw image at any 4 KiB-aligned address). See
# guests/README.md. Included by the top-level Makefile.

GUEST_READELF := $(CROSS)readelf
GUEST_NM      := $(CROSS)nm

GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fpie \
	-mgeneral-regs-only -mstrict-align -mbranch-protection=none -mno-outline-atomics \
	-fno-stack-protector -fno-omit-frame-pointer \
	--specs=$(PICOLIBC_SPECS) -Iinclude -Iguests/lib/include -MMD -MP
GUEST_LDFLAGS := -nostartfiles -static-pie \
	-Wl,--no-dynamic-linker -Wl,-z,norelro -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments -Wl,--gc-sections -T guests/lib/guest.ld \
	-Wl,--defsym=vfprintf=__i_vfprintf

# These run with the MMU off, where memory is Device: no libc calls (which
# may do unaligned accesses or DC ZVA), not even ones the compiler makes up.
GUEST_EARLY_SRCS   := guests/lib/dt.c guests/lib/mmu.c guests/lib/early.c
GUEST_EARLY_CFLAGS := -fno-builtin -fno-tree-loop-distribute-patterns

guest_objs = $(patsubst %,$(B)/guests/obj/%.o,$(wildcard $(1)/*.c $(1)/*.S))

GUEST_LIB_OBJS := $(call guest_objs,guests/lib)
GUEST_NAMES    := $(sort $(patsubst guests/%/,%,$(filter-out guests/lib/,\
	$(dir $(wildcard guests/*/*.c guests/*/*.S)))))
GUEST_BINS     := $(patsubst %,$(B)/guests/%.bin,$(GUEST_NAMES))

$(B)/guests/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) $(if $(filter $<,$(GUEST_EARLY_SRCS)),$(GUEST_EARLY_CFLAGS)) -c $< -o $@
	@if [ -n "$(filter $<,$(GUEST_EARLY_SRCS))" ] && \
	    $(GUEST_NM) -u $@ | grep -E ' (mem|str|bcmp|bzero)'; then \
		echo "error: $< runs with the MMU off and must not call libc"; rm -f $@; exit 1; fi

$(B)/guests/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

# $(call guest_link,elf,objects): link, then check the image can relocate
# itself (head.S applies R_AARCH64_RELATIVE and nothing else).
define guest_link
	@mkdir -p $(dir $(1))
	$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -Wl,-Map=$(1:.elf=.map) $(2) -o $(1)
	@if $(GUEST_READELF) -rW $(1) | grep 'R_AARCH64_' | grep -v 'R_AARCH64_RELATIVE'; then \
		echo "error: $(1) has relocations other than R_AARCH64_RELATIVE"; rm -f $(1); exit 1; fi
endef

# $(call guest_bin,bin,elf): the flat image; check the Image magic and that
# the isolation markers (built at run time, guests/lib/marker.c) are not in it.
define guest_bin
	$(OBJCOPY) -O binary $(2) $(1)
	@if [ "$$(dd if=$(1) bs=1 skip=56 count=4 2>/dev/null)" != "$$(printf 'ARM\144')" ]; then \
		echo "error: $(1) has no arm64 Image magic"; rm -f $(1); exit 1; fi
	@if grep -qF -e 'keel hypervisor' -e 's3cr3t-m4rk3r-42' $(1); then \
		echo "error: $(1) contains an isolation marker in plain text"; rm -f $(1); exit 1; fi
endef

define guest_rules
$(B)/guests/$(1).elf: $(call guest_objs,guests/$(1)) $(GUEST_LIB_OBJS) guests/lib/guest.ld
	$$(call guest_link,$$@,$$(filter %.o,$$^))
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call guest_rules,$(g))))

$(B)/guests/%.bin: $(B)/guests/%.elf
	$(call guest_bin,$@,$<)

guests: $(GUEST_BINS)

-include $(wildcard $(B)/guests/obj/guests/*/*.d)
