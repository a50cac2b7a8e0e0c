# The benchmark guest, build/bench/bench.bin (bench/guest/ + the guest runtime
# in guests/lib/). Included by the top-level Makefile after guests/guests.mk,
# whose rules and flags it uses.

BENCH_OBJS := $(call guest_objs,bench/guest)

$(B)/bench/bench.elf: $(BENCH_OBJS) $(GUEST_LIB_OBJS) guests/lib/guest.ld
	$(call guest_link,$@,$(filter %.o,$^))

$(B)/bench/bench.bin: $(B)/bench/bench.elf
	$(call guest_bin,$@,$<)

guests: $(B)/bench/bench.bin

-include $(wildcard $(B)/guests/obj/bench/guest/*.d)
