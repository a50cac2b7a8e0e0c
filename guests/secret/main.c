/*
 * Runs next to the isolation guest: fills 32 MiB of its RAM with a marker
 * and checks for a few seconds that nobody changed it. The marker is left in
 * RAM at the end, for a later VM to (not) find.
 */
#include "guest/guest.h"
#include "guest/marker.h"

const char guest_name[] = "secret";

#define FILL_SIZE	(32ULL << 20)
#define WATCH_SECONDS	3

void guest_main(void)
{
	uint8_t m[MARKER_LEN];
	uint64_t base, size, w0, w1, deadline, bad = 0, first_bad = 0;
	volatile uint64_t *p;
	unsigned passes = 0;

	marker_build(m);
	__builtin_memcpy(&w0, m, 8);
	__builtin_memcpy(&w1, m + 8, 8);
	ram_free_region(&base, &size);
	base = (base + 15) & ~15ULL;
	size = (size > FILL_SIZE ? FILL_SIZE : size) & ~15ULL;
	p = (volatile uint64_t *)(uintptr_t)base;
	for (uint64_t i = 0; i < size / 8; i += 2) {
		p[i] = w0;
		p[i + 1] = w1;
	}
	printf("NOTE secret: %lu MiB of marker at 0x%lx, watching for %u s\n",
	       (unsigned long)(size >> 20), (unsigned long)base, WATCH_SECONDS);
	check("secret-filled", size >= (16ULL << 20));

	deadline = timer_count() + WATCH_SECONDS * timer_freq();
	do {
		for (uint64_t i = 0; i < size / 8; i += 2) {
			if (p[i] != w0 || p[i + 1] != w1) {
				if (!bad++)
					first_bad = base + 8 * i;
			}
		}
		passes++;
	} while (timer_count() < deadline);
	checkf("secret-intact", bad == 0 && passes > 0, "%lu changed 16-byte chunks, first at 0x%lx",
	       (unsigned long)bad, (unsigned long)first_bad);
	printf("NOTE secret: %u verification passes\n", passes);
}
