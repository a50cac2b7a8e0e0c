/*
 * perfcount: counts its own user-space instructions with perf_event_open over a loop of
 * known length and checks the count against the work it did. Prints the guests/README.md
 * protocol (PASS/FAIL perf-instructions, a NOTE with the numbers); exits 0 on PASS.
 *
 * Usage: perfcount [iterations]   (default 10,000,000 iterations of a 2-instruction loop)
 *
 * Needs the PMU's instruction event: under QEMU, only with -icount (INST_RETIRED). QEMU
 * counts that event from its global instruction count, so the instructions other CPUs
 * run while this one counts (another VM waking up) are in the count too: perfcount
 * measures up to RUNS times and passes if one run is exact within SLACK. keel's own work
 * (timer interrupts and exits every few milliseconds, in every run) must never be in it.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_ITERS 10000000ULL
/* The instructions between the enable ioctl's return and the disable ioctl's entry. */
#define SLACK 200
#define RUNS  3

static void spin(uint64_t n)
{
	__asm__ volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(n) :: "cc");
}

/* One measurement of the loop; false (with a FAIL printed) if perf itself fails. */
static bool measure(long fd, uint64_t iters, uint64_t *count)
{
	if (ioctl(fd, PERF_EVENT_IOC_RESET, 0) || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		printf("FAIL perf-instructions enable: %s\n", strerror(errno));
		return false;
	}
	spin(iters);
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read(fd, count, sizeof(*count)) != sizeof(*count)) {
		printf("FAIL perf-instructions read: %s\n", strerror(errno));
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_ITERS;
	uint64_t want, count = 0;
	struct perf_event_attr attr;
	long fd;

	if (iters == 0 || iters > UINT64_MAX / 4) {
		printf("FAIL perf-instructions bad iteration count %s\n", argv[1]);
		return 2;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_INSTRUCTIONS;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0) {
		printf("FAIL perf-instructions perf_event_open: %s\n", strerror(errno));
		return 1;
	}
	want = 2 * iters;
	for (unsigned run = 1; run <= RUNS; run++) {
		if (!measure(fd, iters, &count))
			return 1;
		printf("NOTE perfcount: run %u: %" PRIu64 " instructions counted for a loop of %"
		       PRIu64 "\n", run, count, want);
		if (count < want)
			break;   /* too few is never another CPU's doing */
		if (count <= want + SLACK) {
			printf("PASS perf-instructions\n");
			return 0;
		}
	}
	printf("FAIL perf-instructions counted %" PRIu64 ", want %" PRIu64 "..%" PRIu64 "\n",
	       count, want, want + SLACK);
	return 1;
}
