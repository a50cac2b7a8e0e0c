/*
 * A VM's console: its UART's output lines onto keel's console (prefixed with its name,
 * partial lines shown when it waits for input), and typed input queued into its UART.
 *
 * Output goes through the VM's ring (include/keel/console_out.h): the UART model fills it
 * under vm->lock, which is cheap, and the vCPU that wrote drains it onto the physical UART
 * afterwards, without vm->lock, holding keel's console lock for one line at a time.
 *
 * Lock order (a lock may be taken while holding the ones before it, never after):
 *   console_mux's mux_lock -> vm->lock
 *   vm->out.drain_lock -> console lock (src/core/console.c)
 * and vm->lock is never held while taking drain_lock or the console lock, so no VM's
 * output, however slow the UART, delays anyone waiting for that VM's lock (its other
 * vCPUs, the console's receive interrupt on CPU 0 delivering typed input).
 *
 * Back-pressure: a vCPU that wrote does not return to its guest until its VM's ring is
 * empty, so a VM that prints flat out is slowed to the console's speed, and it alone. A
 * VM that prints waits for at most one line of each other VM's per line it prints (the
 * console lock is a ticket lock, held for one line); a VM that does not print never
 * waits. The ring can only overflow when several vCPUs of one VM write at once: lines
 * that do not fit are dropped, counted, and the count is reported on the console.
 */
#include <keel/console.h>
#include <keel/console_mux.h>
#include <keel/vm.h>

_Static_assert(VPL011_LINE_MAX <= CONSOLE_OUT_TEXT_MAX, "a UART line must fit one record");

void vm_console_attach(struct vm *vm)
{
	console_out_init(&vm->out);
}

/* Under vm->lock: a whole line from the VM's UART; the part already shown is skipped. */
void vm_console_emit(void *ctx, const char *line, unsigned len)
{
	struct vm *vm = ctx;
	unsigned shown = MIN(vm->uart_shown, len);

	(void)console_out_push(&vm->out, line + shown, len - shown, true, arch_counter_now());
	vm->uart_shown = 0;
}

/*
 * Print what the VM's ring holds. Called by the VM's own vCPUs, without vm->lock, after
 * anything that may have filled it; cheap when it is empty.
 */
void vm_console_drain(struct vm *vm)
{
	char text[CONSOLE_OUT_TEXT_MAX];
	unsigned len;
	bool eol;
	uint64_t dropped, stamp;

	if (console_out_empty(&vm->out))
		return;
	spin_lock(&vm->out.drain_lock);
	while (console_out_pop(&vm->out, text, &len, &eol, &stamp))
		console_vm_text(vm->name, text, len, eol, stamp);
	dropped = __atomic_load_n(&vm->out.dropped, __ATOMIC_RELAXED);
	if (dropped != vm->out.dropped_told) {
		klog("vm %s: %llu console lines dropped so far (several vCPUs wrote faster than the "
		     "console prints)", vm->name, (unsigned long long)dropped);
		vm->out.dropped_told = dropped;
	}
	spin_unlock(&vm->out.drain_lock);
}

/*
 * A vCPU of the VM went idle (WFI). If the VM has input focus and left a partial line
 * (a shell prompt, the echo of what was typed), show it now: it is waiting for input.
 * Partial lines are never shown while the VM is busy writing, so lines from different
 * VMs do not break each other up. The UART model keeps only filtered text in its line.
 */
void vm_console_idle(struct vm *vm)
{
	const char *text;
	unsigned len;

	if (console_mux_has_focus(vm)) {
		spin_lock(&vm->lock);
		len = vpl011_partial(&vm->uart, &text);
		if (len > vm->uart_shown &&
		    console_out_push(&vm->out, text + vm->uart_shown, len - vm->uart_shown, false,
				     arch_counter_now()))
			vm->uart_shown = len;
		spin_unlock(&vm->lock);
	}
	vm_console_drain(vm);
}

/* Move queued input into the UART's receive FIFO as far as it has room. */
void vm_console_input_refill(struct vm *vm)
{
	while (vm->input_count && vpl011_rx_push(&vm->uart, vm->input[vm->input_head])) {
		vm->input_head = (vm->input_head + 1) % VM_INPUT_QUEUE;
		vm->input_count--;
	}
	vm_uart_irq_update(vm);
}

/*
 * Typed bytes wait in keel's queue until the guest's UART has room (its FIFO holds one byte
 * until the guest enables it): a whole line typed at once is not lost to an overrun. Bytes
 * beyond the queue are dropped.
 */
void vm_console_input(struct vm *vm, const uint8_t *bytes, unsigned n)
{
	spin_lock(&vm->lock);
	if (vm->state == VM_RUNNING) {
		for (unsigned i = 0; i < n && vm->input_count < VM_INPUT_QUEUE; i++)
			vm->input[(vm->input_head + vm->input_count++) % VM_INPUT_QUEUE] = bytes[i];
		vm_console_input_refill(vm);
	}
	spin_unlock(&vm->lock);
}
