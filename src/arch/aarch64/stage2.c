/*
 * A VM's stage-2 translation: IPA size, VMID, tables, and the VTCR_EL2 /
 * VTTBR_EL2 values loaded with its vCPUs.
 */
#include <keel/arch/cache.h>
#include <keel/arch/mmu.h>
#include <keel/arch/stage2.h>
#include <keel/arch/sysreg.h>
#include <keel/console.h>
#include <keel/mem.h>
#include <keel/spinlock.h>
#include <keel/vm.h>
#include <keel/vmid.h>
#include <stdio.h>

#define S2_RAM_ATTRS (PT_AF | PT_SH_INNER | PT_S2_MEMATTR(PT_S2_MEMATTR_NORMAL_WB) | \
		      PT_S2_AP_R | PT_S2_AP_W)
/* Shared memory holds data, never code another VM could plant: not executable. */
#define S2_SHARED_RO (PT_AF | PT_SH_INNER | PT_S2_MEMATTR(PT_S2_MEMATTR_NORMAL_WB) | \
		      PT_S2_AP_R | PT_S2_XN)
#define S2_SHARED_RW (S2_SHARED_RO | PT_S2_AP_W)
/* A device's registers: Device-nGnRE (the guest's stage 1 can only make it stricter). */
#define S2_DEVICE    (PT_AF | PT_S2_MEMATTR(PT_S2_MEMATTR_DEVICE_nGnRE) | PT_S2_AP_R | \
		      PT_S2_AP_W | PT_S2_XN)

static uint64_t stage2_map_attrs(enum vm_map_kind kind)
{
	switch (kind) {
	case VM_MAP_DEVICE:
		return S2_DEVICE;
	case VM_MAP_SHARED_RO:
		return S2_SHARED_RO;
	case VM_MAP_SHARED_RW:
		break;
	}
	return S2_SHARED_RW;
}

/* The VMIDs in use (src/core/vmid.c); vmid_lock guards it and its first-use init. */
static struct vmid_pool vmid_pool;
static bool vmid_pool_ready;
static struct spinlock vmid_lock = SPINLOCK_INIT;

static unsigned vmid_bits(void)
{
	return ID_AA64MMFR1_VMIDBITS(read_sysreg(id_aa64mmfr1_el1)) == 2 ? 16 : 8;
}

static unsigned stage2_vmid_alloc(void)
{
	unsigned id;

	spin_lock(&vmid_lock);
	if (!vmid_pool_ready) {
		vmid_pool_init(&vmid_pool, vmid_bits());
		vmid_pool_ready = true;
	}
	id = vmid_alloc(&vmid_pool);
	spin_unlock(&vmid_lock);
	return id;
}

static const unsigned ipa_sizes[] = { 32, 36, 40, 42, 44, 48 };

/* Smallest architected IPA size covering every address the VM uses. */
static unsigned ipa_bits_for(uint64_t top)
{
	for (unsigned i = 0; i < ARRAY_SIZE(ipa_sizes); i++)
		if (top <= (1ULL << ipa_sizes[i]))
			return ipa_sizes[i];
	return 0;
}

static uint64_t vm_ipa_top(const struct vm *vm)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < vm->nr_ram; i++)
		top = MAX(top, vm->ram[i].ipa + vm->ram[i].size);
	for (unsigned i = 0; i < vm->nr_devices; i++)
		top = MAX(top, vm->devices[i].base + vm->devices[i].size);
	for (unsigned i = 0; i < vm->nr_maps; i++)
		top = MAX(top, vm->maps[i].ipa + vm->maps[i].size);
	return top;
}

int stage2_init(struct vm *vm, unsigned pa_bits, char *err, size_t errlen)
{
	uint64_t top = vm_ipa_top(vm);
	unsigned level;
	int ret;

	vm->ipa_bits = ipa_bits_for(top);
	if (!vm->ipa_bits || vm->ipa_bits > pa_bits) {
		snprintf(err, errlen, "its layout reaches IPA 0x%llx but this CPU supports %u-bit IPAs",
			 (unsigned long long)top, pa_bits);
		return KE_RANGE;
	}
	vm->vmid = stage2_vmid_alloc();
	if (!vm->vmid) {
		snprintf(err, errlen, "no VMID left");
		return KE_NOMEM;
	}
	ret = pt_init(&vm->s2, vm->ipa_bits, mem_table_alloc, mem_table_free, NULL);
	for (unsigned i = 0; i < vm->nr_ram && !ret; i++)
		ret = pt_map(&vm->s2, vm->ram[i].ipa, vm->ram[i].pa, vm->ram[i].size, S2_RAM_ATTRS);
	for (unsigned i = 0; i < vm->nr_maps && !ret; i++)
		ret = pt_map(&vm->s2, vm->maps[i].ipa, vm->maps[i].pa, vm->maps[i].size,
			     stage2_map_attrs(vm->maps[i].kind));
	if (ret) {
		snprintf(err, errlen, "cannot build its stage-2 tables (error %d)", ret);
		return ret;
	}
	level = vm->s2.start_level;
	/* VTCR_EL2.SL0 for a 4 KiB granule: 0 = level 2, 1 = level 1, 2 = level 0. */
	vm->vtcr = VTCR_RES1 | VTCR_T0SZ(64 - vm->ipa_bits) | (uint64_t)(2 - level) << VTCR_SL0_SHIFT |
		   VTCR_IRGN0_WBWA | VTCR_ORGN0_WBWA | VTCR_SH0_INNER | VTCR_TG0_4K |
		   (uint64_t)mmu_pa_bits_to_ps(pa_bits) << VTCR_PS_SHIFT |
		   (vmid_bits() == 16 ? VTCR_VS : 0);
	vm->vttbr = (uint64_t)(uintptr_t)vm->s2.root | (uint64_t)vm->vmid << 48;
	dsb(ishst);
	/* The VMID is new, but flush anything a previous owner of it left. */
	__asm__ volatile("tlbi alle1is" ::: "memory");
	dsb(ish);
	isb();
	return KE_OK;
}

/*
 * TLBI VMALLS12E1IS acts on the VMID in VTTBR_EL2, so this CPU loads the VM's VTTBR for the
 * operation and puts back what it had. EL2's own translation does not use VTTBR_EL2, keel
 * runs at EL2 with interrupts masked, and none of the VM's vCPUs runs, so nothing is
 * translated with the borrowed value in between.
 */
void stage2_tlb_inval_vm(const struct vm *vm)
{
	uint64_t saved = read_sysreg(vttbr_el2);

	write_sysreg(vttbr_el2, vm->vttbr);
	isb();
	dsb(ishst);
	__asm__ volatile("tlbi vmalls12e1is" ::: "memory");
	dsb(ish);
	write_sysreg(vttbr_el2, saved);
	isb();
}

void stage2_destroy(struct vm *vm)
{
	if (vm->vmid) {
		if (vm->vttbr)  /* set once the tables were complete: only then could it be used */
			stage2_tlb_inval_vm(vm);
		spin_lock(&vmid_lock);
		if (!vmid_free(&vmid_pool, vm->vmid))
			klog("vm %s: VMID %u was not allocated", vm->name, vm->vmid);
		spin_unlock(&vmid_lock);
		vm->vmid = 0;
	}
	if (vm->s2.root)
		pt_destroy(&vm->s2);
	vm->vttbr = 0;
}

/* Clean and invalidate all of a VM's RAM, every region, to the point of coherency. */
void stage2_flush_vm(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_ram; i++)
		dcache_clean_inval_poc(vm->ram[i].pa, vm->ram[i].size);
}
