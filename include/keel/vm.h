/*
 * Virtual machines and their vCPUs.
 *
 * A VM owns its RAM regions (1 to CONFIG_MAX_RAM, each a contiguous, 2 MiB
 * aligned block of physical RAM mapped at its configured IPA through its own
 * stage-2 tables; a phys region's PA is its IPA), its emulated devices and its
 * vCPUs. ram[0] is the boot region: the kernel, initrd and device tree go there. Physical CPUs may be
 * shared: the scheduler (keel/sched_vcpu.h) puts a vCPU's EL1 state in memory
 * whenever it leaves a CPU and loads it where it runs next.
 *
 * Locking: vm->lock protects vm->state, every vcpu->power of the VM and the
 * emulated devices. No code holds two VMs' locks at once: a doorbell ring is
 * recorded under the ringer's lock and delivered under the peer's alone
 * (include/keel/shm.h). A vCPU's registers are touched only by the physical CPU
 * that runs it (sched_pick gave it to that CPU), except while it is powered off (then by the CPU_ON caller,
 * under vm->lock).
 */
#ifndef KEEL_VM_H
#define KEEL_VM_H

#include <keel/types.h>
#include <keel/arch/pmu.h>
#include <keel/arch/regs.h>
#include <keel/arch/vgic_hw.h>
#include <keel/config.h>
#include <keel/console_out.h>
#include <keel/pt.h>
#include <keel/shm.h>
#include <keel/spinlock.h>
#include <keel/vpl011.h>
#include <keel/vtestdev.h>
#include <keel/vgic.h>
#include <keel/vm_load.h>

#define VM_MAX_DEVICES 6   /* pl011, gicd, gicr, test device, doorbell */
#define VM_UART_INTID  33   /* SPI 1, as on QEMU virt */
#define VM_INPUT_QUEUE 1024 /* console input keel holds while the guest's UART FIFO is full */

struct platform;
struct vm_passthrough;

struct mmio_device {
	const char *name;
	uint64_t base, size;
	int (*read)(void *dev, uint64_t offset, unsigned size, uint64_t *val);
	int (*write)(void *dev, uint64_t offset, unsigned size, uint64_t val);
	void *dev;
	bool irq_state;  /* the virtual GIC: the vCPU's list registers must be synced first */
};

enum vm_state { VM_RUNNING, VM_STOPPING, VM_STOPPED };
/*
 * A vCPU's power state (PSCI, src/core/psci.c). ON_PENDING: CPU_ON or vm_start
 * reset it and handed it to its CPU, which has not loaded it yet. OFF_PENDING:
 * it called CPU_OFF and its CPU has not yet saved its state (vcpu_put). Only
 * OFF means its registers are free for CPU_ON to reset: vm_vcpu_left()
 * publishes it, with release ordering, after vcpu_put() has finished.
 */
enum vcpu_power { VCPU_OFF, VCPU_ON_PENDING, VCPU_ON, VCPU_OFF_PENDING };

struct vcpu_stats {
	uint64_t exits, hypercalls, mmio, sysreg, wfx, aborts_injected, irqs;
};

struct vcpu {
	struct vcpu_regs regs;
	struct vcpu_sysregs sys;
	struct fpsimd_state fp;
	struct vm *vm;
	unsigned index;
	unsigned pcpu;          /* the physical CPU it is loaded on, or was last */
	uint64_t vmpidr;
	enum vcpu_power power;
	bool loaded;
	bool sw_flushed;        /* set/way batch already handled by a full flush */
	bool irq_dirty;         /* something may have become pending: refill the list registers */
	struct vgic_hw_cpu gic; /* virtual CPU interface state while not loaded */
	struct vcpu_stats stats;
};

/*
 * A stage-2 mapping beside RAM: a passed-through device's MMIO (Device-nGnRE) or a shared
 * memory region (Normal, read-write or read-only). vm_create fills vm->maps before
 * stage2_init maps them; page aligned, validated by their owners (passthrough.c, shm).
 */
enum vm_map_kind { VM_MAP_DEVICE, VM_MAP_SHARED_RW, VM_MAP_SHARED_RO };
#define VM_MAX_MAPS 24
struct vm_map {
	uint64_t ipa, pa, size;
	enum vm_map_kind kind;
};

/* One region of a VM's RAM: [ipa, ipa + size) is the physical [pa, pa + size). */
struct vm_ram {
	uint64_t ipa, size, pa;
};

struct vm {
	const struct vm_config *cfg;
	const char *name;
	unsigned id;
	unsigned ipa_bits;
	unsigned vmid;
	struct pt s2;
	uint64_t vttbr, vtcr;
	uint64_t cntvoff;        /* the VM's virtual counter reads 0 when it (re)starts */
	unsigned nr_vcpus;
	struct vcpu vcpus[KEEL_MAX_VCPUS];
	struct spinlock lock;
	enum vm_state state;
	unsigned nr_loaded;
	struct vgic vgic;
	struct vpl011 uart;
	bool uart_irq_line;      /* the level last given to the vGIC */
	unsigned uart_shown;     /* bytes of the UART's current line already on the console */
	struct console_out out;  /* the UART's output, waiting for the console (vm_console.c) */
	uint8_t input[VM_INPUT_QUEUE];  /* typed bytes waiting for room in the UART's FIFO */
	unsigned input_head, input_count;
	struct vtestdev testdev;
	unsigned nr_devices;
	struct mmio_device devices[VM_MAX_DEVICES];
	struct vm_load_plan load;          /* where its images go in ram[0], validated once at creation */
	const struct boot_module *kernel_mod, *initrd_mod, *dtb_mod;   /* NULL: none */
	const struct platform *platform;   /* where its boot modules are, for restarts */
	bool restart_pending;              /* SYSTEM_RESET: rebuild and start once every vCPU left */
	unsigned restarts;
	/* Last: the hot fields above keep offsets that fit the trap path's load immediates. */
	unsigned nr_ram;
	struct vm_ram ram[CONFIG_MAX_RAM];	/* ram[0]: the boot region */
	unsigned nr_maps;
	struct vm_map maps[VM_MAX_MAPS];	/* mapped by stage2_init after RAM */
	struct vm_doorbell doorbell;		/* when cfg->nr_peers (include/keel/shm.h) */
	const struct vm_passthrough *passthrough;	/* its passed-through devices, NULL: none */
	/* Run-time lifecycle (src/core/vm_lifecycle.c, docs/architecture.md), under vm->lock. */
	bool created;            /* holds its resources (set by vm_lifecycle_create) */
	bool active;             /* started and not yet finished: from vm_start to vm_finished's end */
	bool destroy_pending;    /* release everything once it has stopped */
	struct pmu_state pmu[KEEL_MAX_VCPUS];	/* each vCPU's PMUv3 (arch/pmu.h); here, not in
						 * struct vcpu, so vcpus[] and what follows keep their size */
};

extern struct vm vms[KEEL_MAX_VMS];
extern unsigned nr_vms;
extern bool keel_poweroff_when_idle;

/* Build a VM from its configuration: memory, stage 2, devices, images, device tree. */
/*
 * Claim, before any VM is created, the physical memory of every phys region of cfg, so
 * that no VM's other RAM can take it first. vm_create claims what is still unclaimed.
 * On failure *vm_name is the VM whose region it is, and err says which region and why
 * (KE_RANGE: not all in keel's RAM; KE_EXIST: some of it is used).
 */
must_check int vm_claim_phys(const struct keel_config *cfg, char *err, size_t errlen,
			     const char **vm_name);
must_check int vm_create(struct vm *vm, const struct vm_config *cfg, const struct platform *p,
			 char *err, size_t errlen);
/*
 * Passthrough (src/core/vm_passthrough.c): main hands over the resolved table, [vm id],
 * before any vm_create; vm_create attaches the VM's entry and adds its device mappings.
 */
void vm_passthrough_set(const struct vm_passthrough *all);
must_check int vm_passthrough_attach(struct vm *vm, char *err, size_t errlen);
/* Power on vCPU 0 at the kernel entry point. */
void vm_start(struct vm *vm);
/* End the VM (idempotent). The caller may be one of its vCPUs or another CPU. */
void vm_stop(struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Stop the VM, then start it again from its original images with its RAM cleared. */
void vm_reset(struct vm *vm, const char *why);
/*
 * Lifecycle hooks (src/core/vm_lifecycle.c uses them). vm_reload_and_start: a created VM
 * that is not active starts again from its images, its devices reset and RAM cleared
 * (false, with a message, if it cannot). vm_release_ram gives its RAM back to palloc and
 * its phys regions' claims.
 */
bool vm_reload_and_start(struct vm *vm);
void vm_release_ram(struct vm *vm);
/* Translate a guest RAM range to physical: false unless [ipa, ipa+size) is wholly inside
 * one RAM region (two regions adjacent in IPA need not be in PA). */
bool vm_ipa_to_pa(const struct vm *vm, uint64_t ipa, uint64_t size, uint64_t *pa);
/* Access to device d (from vm_find_device) at ipa: KE_INVAL if the device refuses it
 * (offset, size, read-only register) or it does not fit in d's window. */
must_check int vm_mmio_access(struct vm *vm, const struct mmio_device *d, uint64_t ipa,
			      unsigned size, bool write, uint64_t *val);
const struct mmio_device *vm_find_device(const struct vm *vm, uint64_t ipa);
struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, uint64_t mpidr);
/*
 * Called by a CPU once the vCPU it ran has left it (vm_stop or CPU_OFF) and
 * vcpu_put() has saved its state: a vCPU that called CPU_OFF becomes OFF here,
 * and when that was the VM's last vCPU the VM has powered off.
 */
void vm_vcpu_left(struct vcpu *v);

/* Interrupts (src/core/vm_irq.c). Callers marked "locked" hold vm->lock. */
void vm_irq_kick(struct vm *vm, uint32_t vcpus);                       /* locked or not */
void vm_irq_set_level(struct vm *vm, unsigned vcpu, unsigned intid, bool level);
void vm_uart_irq_update(struct vm *vm);                                /* locked */
/* The VM's console (src/core/vm_console.c). */
void vm_console_emit(void *vm, const char *line, unsigned len);       /* vpl011 line callback */
void vm_console_input(struct vm *vm, const uint8_t *bytes, unsigned n);
void vm_console_input_refill(struct vm *vm);                          /* locked */
void vm_console_idle(struct vm *vm);
void vm_console_attach(struct vm *vm);                                /* at creation */
void vm_console_drain(struct vm *vm);                                 /* not locked */

/* Once the current exit is handled, wait until the vCPU has an interrupt to take or must
 * stop (WFI, CPU_SUSPEND): on its CPU if nothing else wants it, else descheduled. */
void vcpu_block(struct vcpu *v);

/* Architecture side of a vCPU (src/arch/aarch64/vcpu_arch.c). */
void vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t x0);
/* SMCCC_ARCH_FEATURES answer for SMCCC_ARCH_WORKAROUND_1/2/3. */
int64_t arch_smccc_workaround_feature(uint32_t fid);
/* The physical counter now (CNTPCT_EL0). */
uint64_t arch_counter_now(void);
/* Its frequency (CNTFRQ_EL0, as firmware set it). */
uint64_t arch_counter_freq(void);
/* vgic hw_deactivate callback: the physical side of a linked interrupt must go inactive. */
void vcpu_hw_irq_deactivate(void *vm, unsigned vcpu, uint32_t pintid);
void vcpu_load(struct vcpu *v);
void vcpu_put(struct vcpu *v);
must_check int stage2_init(struct vm *vm, unsigned pa_bits, char *err, size_t errlen);
void stage2_flush_vm(struct vm *vm);

#endif
