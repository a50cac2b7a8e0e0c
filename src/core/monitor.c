/*
 * keel's monitor (include/keel/monitor.h, docs/monitor.md): the commands typed at the
 * "keel> " prompt, run against keel's VMs. Called from the console's receive interrupt
 * (console_mux_rx) under its lock: one command at a time, on the CPU that takes the
 * console's interrupt; a command that starts or stops a VM only asks (its vCPUs come or
 * go on their own CPUs), so none waits for a guest.
 *
 * Output: a command's report is printed as whole lines under the console lock, so no VM
 * line comes between them; the snapshot it prints is taken first, as the console lock
 * is taken after vm->lock elsewhere and never before it. The prompt and what is typed at
 * it are keel's own partial line (console_keel_partial): a VM that prints meanwhile gets
 * a line of its own, and the next key typed shows the prompt and the line again.
 */
#include <keel/console.h>
#include <keel/console_mux.h>
#include <keel/cpu.h>
#include <keel/mem.h>
#include <keel/monitor.h>
#include <keel/vm.h>
#include <keel/vm_lifecycle.h>
#include <stdio.h>
#include <string.h>

static const char monitor_owner[] = "keel's monitor";   /* console_keel_partial's owner */
static struct monitor_line line;
static bool running_command;   /* a command is running: its end shows the prompt */

static const char *const power_names[] = {
	[VCPU_OFF] = "off", [VCPU_ON_PENDING] = "starting", [VCPU_ON] = "on",
	[VCPU_OFF_PENDING] = "stopping",
};

/* more if the screen still ends with the prompt line, else the prompt and the line again. */
static void monitor_show(const char *more)
{
	char redraw[sizeof(MONITOR_PROMPT) + MONITOR_LINE_MAX + 1];

	snprintf(redraw, sizeof(redraw), "%s%.*s", MONITOR_PROMPT, MONITOR_LINE_MAX, line.buf);
	console_keel_partial(monitor_owner, redraw, more);
}

/* fresh: a new prompt even if the screen still ends with the old one */
static void monitor_show_prompt(bool fresh)
{
	monitor_show(fresh ? "\n" MONITOR_PROMPT : "");
}

void monitor_prompt(void)
{
	if (!running_command)
		monitor_show_prompt(true);
}

static struct vm *monitor_find_vm(const char *name)
{
	for (unsigned i = 0; i < nr_vms; i++)
		if (!strcmp(vms[i].cfg->name, name))
			return &vms[i];
	return NULL;
}

static uint64_t vm_ram_bytes(const struct vm *vm)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < vm->cfg->nr_ram; i++)
		sum += vm->cfg->ram[i].size;
	return sum;
}

/* "12.345 s" of the physical counter since the VM (re)started, "-" unless it runs. */
static void vm_uptime(const struct vm *vm, enum vm_life life, char *buf, size_t len)
{
	uint64_t freq = arch_counter_freq(), t;

	if (life != VM_LIFE_RUNNING || !freq) {
		snprintf(buf, len, "-");
		return;
	}
	t = arch_counter_now() - __atomic_load_n(&vm->cntvoff, __ATOMIC_RELAXED);
	snprintf(buf, len, "%llu.%03llu s", (unsigned long long)(t / freq),
		 (unsigned long long)(t % freq * 1000 / freq));
}

/* "0,1": the CPU of each vCPU (pinned in this version: vcpu->pcpu, from the configuration). */
static void vm_cpu_list(const struct vm *vm, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < vm->cfg->nr_vcpus && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%u", i ? "," : "", vm->cfg->vcpu_pcpu[i]);
}

static void monitor_list(void)
{
	enum vm_life life[KEEL_MAX_VMS];
	char up[32], cpus[64];

	for (unsigned i = 0; i < nr_vms; i++)
		life[i] = vm_lifecycle_state(&vms[i]);
	console_lock();
	console_printf_locked("%-16s %-9s %5s %-8s %9s %s\n", "VM", "STATE", "VCPUS", "CPUS",
			      "MEMORY", "UPTIME");
	for (unsigned i = 0; i < nr_vms; i++) {
		vm_uptime(&vms[i], life[i], up, sizeof(up));
		vm_cpu_list(&vms[i], cpus, sizeof(cpus));
		console_printf_locked("%-16s %-9s %5u %-8s %5llu MiB %s\n", vms[i].cfg->name,
				      vm_life_name(life[i]), vms[i].cfg->nr_vcpus, cpus,
				      (unsigned long long)(vm_ram_bytes(&vms[i]) >> 20), up);
	}
	console_unlock();
}

static void monitor_info(struct vm *vm)
{
	enum vm_life life = vm_lifecycle_state(vm);
	const struct vm_config *cfg = vm->cfg;
	bool created = life != VM_LIFE_ABSENT;
	char up[32];

	vm_uptime(vm, life, up, sizeof(up));
	console_lock();
	console_printf_locked("vm %s: id %u, %s, autostart %s, kernel %s, uptime %s, restarts %u\n",
			      cfg->name, cfg->id, vm_life_name(life), cfg->autostart ? "yes" : "no",
			      cfg->kernel, up, created ? vm->restarts : 0);
	for (unsigned i = 0; i < cfg->nr_ram; i++)
		console_printf_locked("vm %s: RAM region %u: %llu MiB at IPA 0x%llx, %s%s\n", cfg->name,
				      i, (unsigned long long)(cfg->ram[i].size >> 20),
				      (unsigned long long)cfg->ram[i].ipa,
				      cfg->ram[i].phys ? "phys" : "allocated",
				      created ? "" : " (not held: the VM is not created)");
	if (created)
		console_printf_locked("vm %s: VMID %u, %u-bit IPA, %u stage-2 table pages, %u "
				      "devices, %u extra mappings, %u passthrough devices\n",
				      cfg->name, vm->vmid, vm->ipa_bits, vm->s2.nr_tables,
				      vm->nr_devices, vm->nr_maps, cfg->nr_passthrough);
	for (unsigned i = 0; i < cfg->nr_vcpus; i++) {
		/* A stopped VM's vCPUs keep the power state they stopped in: off for the monitor. */
		bool live = life == VM_LIFE_RUNNING || life == VM_LIFE_STOPPING;
		unsigned p = live ? __atomic_load_n(&vm->vcpus[i].power, __ATOMIC_RELAXED) : VCPU_OFF;

		console_printf_locked("vm %s: vcpu %u: cpu %u (pinned), %s\n", cfg->name, i,
				      cfg->vcpu_pcpu[i], p < ARRAY_SIZE(power_names) ? power_names[p] : "?");
	}
	console_unlock();
}

static void monitor_stats(struct vm *vm)
{
	enum vm_life life = vm_lifecycle_state(vm);

	console_lock();
	if (life == VM_LIFE_ABSENT) {
		console_printf_locked("vm %s: not created: no counts\n", vm->cfg->name);
		console_unlock();
		return;
	}
	/* Live counters each vCPU's CPU bumps without a lock: a snapshot, not a total. */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_stats *st = &vm->vcpus[i].stats;

		console_printf_locked("vm %s: vcpu %u on cpu %u: %llu exits: %llu hypercalls, "
				      "%llu mmio, %llu sysreg, %llu wfi/wfe, %llu irq, %llu injected "
				      "aborts/undefs\n", vm->cfg->name, i, vm->vcpus[i].pcpu,
				      (unsigned long long)__atomic_load_n(&st->exits, __ATOMIC_RELAXED),
				      (unsigned long long)__atomic_load_n(&st->hypercalls, __ATOMIC_RELAXED),
				      (unsigned long long)__atomic_load_n(&st->mmio, __ATOMIC_RELAXED),
				      (unsigned long long)__atomic_load_n(&st->sysreg, __ATOMIC_RELAXED),
				      (unsigned long long)__atomic_load_n(&st->wfx, __ATOMIC_RELAXED),
				      (unsigned long long)__atomic_load_n(&st->irqs, __ATOMIC_RELAXED),
				      (unsigned long long)__atomic_load_n(&st->aborts_injected,
									  __ATOMIC_RELAXED));
	}
	console_printf_locked("vm %s: scheduling: every vCPU is pinned to its own CPU (no time "
			      "sharing in this version); counts since it was last created\n",
			      vm->cfg->name);
	console_unlock();
}

static void monitor_mem(void)
{
	struct palloc_stats st;

	palloc_get_stats(&keel_palloc, &st);
	console_lock();
	console_printf_locked("memory: %llu pages (%llu MiB) managed, %llu pages free (%llu MiB), "
			      "%llu used; %llu allocations, %llu frees\n",
			      (unsigned long long)st.total_pages,
			      (unsigned long long)(st.total_pages * PAGE_SIZE >> 20),
			      (unsigned long long)st.free_pages,
			      (unsigned long long)(st.free_pages * PAGE_SIZE >> 20),
			      (unsigned long long)(st.total_pages - st.free_pages),
			      (unsigned long long)st.allocs, (unsigned long long)st.frees);
	console_unlock();
}

static void monitor_help_show(void)
{
	console_lock();
	for (unsigned i = 0; monitor_help[i]; i++)
		console_printf_locked("%s\n", monitor_help[i]);
	console_unlock();
}

static void monitor_error(const char *msg)
{
	console_lock();
	console_printf_locked("error: %s\n", msg);
	console_unlock();
}

static const enum vm_life_request lifecycle_req[] = {
	[MONITOR_START] = VM_REQ_START, [MONITOR_STOP] = VM_REQ_STOP,
	[MONITOR_RESTART] = VM_REQ_RESTART, [MONITOR_DESTROY] = VM_REQ_DESTROY,
};

static void monitor_cycle(struct vm *vm, unsigned n)
{
	char err[256];
	uint64_t before = palloc_free_pages(&keel_palloc), created_free, after;

	if (vm_lifecycle_cycle(vm, n, &created_free, err, sizeof(err))) {
		monitor_error(err);
		return;
	}
	after = palloc_free_pages(&keel_palloc);
	console_lock();
	console_printf_locked("cycle %s: %u creations and destructions; free pages before %llu, "
			      "while it existed %llu, after %llu\n", vm->cfg->name, n,
			      (unsigned long long)before, (unsigned long long)created_free,
			      (unsigned long long)after);
	console_unlock();
}

static void monitor_run(const char *text)
{
	struct monitor_request req;
	char err[256];
	struct vm *vm = NULL;

	if (monitor_parse(text, &req, err, sizeof(err))) {
		monitor_error(err);
		return;
	}
	if (req.vm[0] && !(vm = monitor_find_vm(req.vm))) {
		snprintf(err, sizeof(err), "no VM is named \"%s\"; list shows the VMs", req.vm);
		monitor_error(err);
		return;
	}
	switch (req.cmd) {
	case MONITOR_EMPTY:
		break;
	case MONITOR_HELP:
		monitor_help_show();
		break;
	case MONITOR_LIST:
		monitor_list();
		break;
	case MONITOR_INFO:
		monitor_info(vm);
		break;
	case MONITOR_STATS:
		monitor_stats(vm);
		break;
	case MONITOR_MEM:
		monitor_mem();
		break;
	case MONITOR_CYCLE:
		monitor_cycle(vm, req.count);
		break;
	case MONITOR_START:
	case MONITOR_STOP:
	case MONITOR_RESTART:
	case MONITOR_DESTROY:
		if (vm_lifecycle_request(vm, lifecycle_req[req.cmd], err, sizeof(err)))
			monitor_error(err);
		break;
	}
}

void monitor_input(const uint8_t *bytes, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const char *echo;

		switch (monitor_line_feed(&line, bytes[i], &echo)) {
		case MONITOR_KEY_NONE:
			break;
		case MONITOR_KEY_ECHO:
			monitor_show(echo);
			break;
		case MONITOR_KEY_ENTER:
			monitor_show("");   /* the command stays on screen, whole */
			console_lock();     /* ends keel's partial line: the report starts below it */
			console_unlock();
			running_command = true;
			if (line.overflow) {
				monitor_error("the line is too long; commands are at most 80 characters");
			} else {
				char text[MONITOR_LINE_MAX + 1];

				memcpy(text, line.buf, sizeof(text));
				monitor_line_init(&line);
				monitor_run(text);
			}
			monitor_line_init(&line);
			running_command = false;
			monitor_show_prompt(true);
			break;
		}
	}
}
