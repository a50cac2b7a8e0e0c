/*
 * A VM's console: its UART's output lines onto keel's console (prefixed with its name,
 * partial lines shown when it waits for input), and typed input queued into its UART.
 */
#include <keel/console.h>
#include <keel/console_mux.h>
#include <keel/vm.h>

/* A whole line from the VM's UART; the part already shown as a partial line is skipped. */
void vm_console_emit(void *ctx, const char *line, unsigned len)
{
	struct vm *vm = ctx;
	unsigned shown = MIN(vm->uart_shown, len);

	console_vm_text(vm->name, line + shown, len - shown, true);
	vm->uart_shown = 0;
}

/*
 * A vCPU of the VM went idle (WFI). If the VM has input focus and left a partial line
 * (a shell prompt, the echo of what was typed), show it now: it is waiting for input.
 * Partial lines are never shown while the VM is busy writing, so lines from different
 * VMs do not break each other up.
 */
void vm_console_idle(struct vm *vm)
{
	const char *text;
	unsigned len;

	if (!console_mux_has_focus(vm))
		return;
	spin_lock(&vm->lock);
	len = vpl011_partial(&vm->uart, &text);
	if (len > vm->uart_shown) {
		console_vm_text(vm->name, text + vm->uart_shown, len - vm->uart_shown, false);
		vm->uart_shown = len;
	}
	spin_unlock(&vm->lock);
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
