/*
 * Console input: bytes typed on keel's console go to the VM that has the
 * input focus; Ctrl-A three times moves the focus to the next running VM
 * (include/keel/console_input.h). Runs in the console's receive interrupt.
 */
#include <keel/console.h>
#include <keel/console_input.h>
#include <keel/drivers/pl011.h>
#include <keel/console_mux.h>
#include <keel/spinlock.h>
#include <keel/vm.h>

static struct console_input input;
static unsigned focus;
static bool input_on;
static struct spinlock mux_lock = SPINLOCK_INIT;

static void console_mux_announce(void)
{
	klog("console input goes to vm %s (press Ctrl-A three times to switch)", vms[focus].name);
}

void console_mux_start(void)
{
	console_input_init(&input);
	focus = 0;
	input_on = true;
	if (nr_vms)
		console_mux_announce();
}

static void console_mux_switch(void)
{
	for (unsigned i = 1; i <= nr_vms; i++) {
		unsigned next = (focus + i) % nr_vms;

		if (__atomic_load_n(&vms[next].state, __ATOMIC_ACQUIRE) == VM_RUNNING) {
			focus = next;
			break;
		}
	}
	console_mux_announce();
}

void console_mux_rx(void)
{
	int c;

	spin_lock(&mux_lock);
	while ((c = pl011_getc()) >= 0) {
		uint8_t out[CONSOLE_SWITCH_COUNT];
		unsigned n;

		if (!nr_vms)
			continue;
		if (console_input_feed(&input, (uint8_t)c, out, &n) == CONSOLE_INPUT_SWITCH)
			console_mux_switch();
		else if (n)
			vm_console_input(&vms[focus], out, n);
	}
	spin_unlock(&mux_lock);
}

bool console_mux_has_focus(const struct vm *vm)
{
	return input_on && &vms[__atomic_load_n(&focus, __ATOMIC_RELAXED)] == vm;
}
