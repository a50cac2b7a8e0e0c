/*
 * The first 18 instructions of a bench IRQ vector (timer_irq.S, ptirq_irq.S): x17 holds
 * the virtual counter at the vector's first instruction (the figure's end), x0-x15 the
 * same counter 16 more times (so the figure can be checked to advance one per
 * instruction), x16 the acknowledged INTID (ICC_IAR1_EL1).
 */
#ifndef BENCH_IRQ_STAMP_H
#define BENCH_IRQ_STAMP_H

	.macro	bench_irq_stamp
	mrs	x17, cntvct_el0			/* instruction 0: the figure's end */
	.irp	r, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	mrs	x\r, cntvct_el0			/* instructions 1..16 */
	.endr
	mrs	x16, s3_0_c12_c12_0		/* ICC_IAR1_EL1 */
	.endm

#endif
