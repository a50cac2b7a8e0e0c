/*
 * Console input: bytes typed on keel's console go to the VM that has the
 * input focus, or to keel's monitor; Ctrl-A three times moves the focus to the next
 * running VM, and after the last VM to the monitor (include/keel/console_input.h).
 * Runs in the console's receive interrupt, under mux_lock; the monitor's commands run
 * there too, so they are serialised with each other and with the routing.
 *
 * focus is a VM's index, or nr_vms for the monitor. A destroyed VM loses the focus to
 * the monitor (console_mux_forget, any CPU, without mux_lock: a compare-and-swap).
 */
#include <keel/console.h>
#include <keel/console_input.h>
#include <keel/drivers/pl011.h>
#include <keel/console_mux.h>
#include <keel/monitor.h>
#include <keel/spinlock.h>
#include <keel/vm.h>
#include <keel/vm_lifecycle.h>

static struct console_input input;
static unsigned focus;
static bool input_on;
static struct spinlock mux_lock = SPINLOCK_INIT;

static void console_mux_announce(unsigned f)
{
	if (f >= nr_vms) {
		klog("console input goes to keel's monitor (type help; press Ctrl-A three times to "
		     "switch)");
		monitor_prompt();
		return;
	}
	klog("console input goes to vm %s (press Ctrl-A three times to switch)", vms[f].name);
}

void console_mux_start(void)
{
	console_input_init(&input);
	/* The first VM that starts at boot, else (none is autostarted) the monitor. */
	focus = nr_vms;
	for (unsigned i = 0; i < nr_vms && focus == nr_vms; i++)
		if (vms[i].cfg->autostart)
			focus = i;
	input_on = true;
	console_mux_announce(focus);
}

/* Positions 0..nr_vms-1 are the VMs, nr_vms the monitor, which is always a stop. */
static void console_mux_switch(void)
{
	unsigned f = __atomic_load_n(&focus, __ATOMIC_RELAXED);

	for (unsigned i = 1; i <= nr_vms + 1; i++) {
		unsigned next = (f + i) % (nr_vms + 1);

		if (next == nr_vms || vm_lifecycle_state(&vms[next]) == VM_LIFE_RUNNING) {
			f = next;
			break;
		}
	}
	__atomic_store_n(&focus, f, __ATOMIC_RELAXED);
	console_mux_announce(f);
}

void console_mux_rx(void)
{
	int c;

	spin_lock(&mux_lock);
	while ((c = pl011_getc()) >= 0) {
		uint8_t out[CONSOLE_SWITCH_COUNT];
		unsigned n, f;

		if (console_input_feed(&input, (uint8_t)c, out, &n) == CONSOLE_INPUT_SWITCH) {
			console_mux_switch();
			continue;
		}
		f = __atomic_load_n(&focus, __ATOMIC_RELAXED);
		if (!n)
			continue;
		if (f >= nr_vms)
			monitor_input(out, n);
		else
			vm_console_input(&vms[f], out, n);
	}
	spin_unlock(&mux_lock);
}

void console_mux_forget(const struct vm *vm)
{
	unsigned f = (unsigned)(vm - vms);

	if (f < nr_vms && __atomic_compare_exchange_n(&focus, &f, nr_vms, false, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		console_mux_announce(nr_vms);
}

bool console_mux_has_focus(const struct vm *vm)
{
	return input_on && &vms[__atomic_load_n(&focus, __ATOMIC_RELAXED)] == vm;
}
