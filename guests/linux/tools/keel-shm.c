/*
 * keel-shm: messages between this Linux VM and another VM over keel's shared memory, woken
 * by keel's doorbells (docs/architecture.md, "Shared memory and doorbells").
 *
 *   keel-shm info                              the regions and doorbell lines keel gave
 *   keel-shm send     <region> <peer> <count>  send <count> messages to <peer>
 *   keel-shm recv     <region> <peer> <count>  receive <count> messages from <peer>
 *   keel-shm exchange <region> <peer> <count>  both at once
 *
 * With Debian's unmodified kernel: the region is a /reserved-memory child with no-map that
 * a "keel,shared-memory" node names (keel,name), so it is no System RAM and no driver
 * claims it, and STRICT_DEVMEM lets /dev/mem map it (as Device memory: the ring in
 * guest/shm_ring.h makes only aligned 64-bit accesses). The doorbells are the lines
 * "ring-<peer>" (an output: low to high rings) and "from-<peer>" (an input whose rising
 * edges are rings) of the emulated PL061, through the GPIO character device (v2 uAPI).
 * Every message received is checked (sequence and content); exit status 0 only if all
 * were right. Prints NOTE lines in the test guests' style.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../lib/include/guest/shm_ring.h"

#define DT            "/proc/device-tree"
#define MODEL_PREFIX  "keel VM "
#define MAX_USERS     8
#define MAX_CHIPS     16
#define WAIT_MS       20000	/* a peer silent for 20 s has stalled */

struct region {
	char name[64];
	uint64_t base, size;
	bool ro;
	unsigned nr_users;
	char users[MAX_USERS][32];
	int side;
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "keel-shm: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "%s%s\n", errno ? ": " : "", errno ? strerror(errno) : "");
	exit(2);
}

/* A device tree property into buf; its length, or -1. */
static int dt_read(const char *path, void *buf, size_t max)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, max);
	close(fd);
	return (int)n;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *vm_name(void)
{
	static char model[64];
	int n = dt_read(DT "/model", model, sizeof(model) - 1);

	if (n <= 0)
		return "";
	model[n] = '\0';
	return strncmp(model, MODEL_PREFIX, strlen(MODEL_PREFIX)) ? model : model + strlen(MODEL_PREFIX);
}

/* The /reserved-memory child of phandle ph: its reg (2 + 2 cells). */
static bool reserved_reg(uint32_t ph, uint64_t *base, uint64_t *size)
{
	DIR *d = opendir(DT "/reserved-memory");
	struct dirent *e;
	char path[512];
	uint8_t buf[16];
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		snprintf(path, sizeof(path), DT "/reserved-memory/%s/phandle", e->d_name);
		if (dt_read(path, buf, 4) != 4 || be32(buf) != ph)
			continue;
		snprintf(path, sizeof(path), DT "/reserved-memory/%s/reg", e->d_name);
		if (dt_read(path, buf, 16) == 16) {
			*base = be64(buf);
			*size = be64(buf + 8);
			found = true;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* The region a node of the root describes, if it is a keel,shared-memory node. */
static bool region_load(const char *node, struct region *r)
{
	char path[512], buf[512];
	uint8_t ph[4];
	int n;

	snprintf(path, sizeof(path), DT "/%s/compatible", node);
	n = dt_read(path, buf, sizeof(buf));
	if (n <= 0 || strcmp(buf, "keel,shared-memory"))
		return false;
	snprintf(path, sizeof(path), DT "/%s/keel,name", node);
	n = dt_read(path, r->name, sizeof(r->name) - 1);
	if (n <= 0)
		return false;
	r->name[n] = '\0';
	snprintf(path, sizeof(path), DT "/%s/memory-region", node);
	if (dt_read(path, ph, 4) != 4 || !reserved_reg(be32(ph), &r->base, &r->size))
		return false;
	snprintf(path, sizeof(path), DT "/%s/read-only", node);
	r->ro = access(path, F_OK) == 0;
	snprintf(path, sizeof(path), DT "/%s/keel,users", node);
	n = dt_read(path, buf, sizeof(buf) - 1);
	r->nr_users = 0;
	r->side = -1;
	for (int at = 0; n > 0 && at < n && r->nr_users < MAX_USERS; r->nr_users++) {
		snprintf(r->users[r->nr_users], sizeof(r->users[0]), "%s", buf + at);
		if (!strcmp(r->users[r->nr_users], vm_name()))
			r->side = (int)r->nr_users;
		at += (int)strlen(buf + at) + 1;
	}
	return true;
}

/* Calls fn for every region; stops at the first for which it returns true. */
static bool regions_each(bool (*fn)(struct region *, const void *), const void *arg,
			 struct region *r)
{
	DIR *d = opendir(DT);
	struct dirent *e;
	bool done = false;

	while (d && !done && (e = readdir(d)))
		if (e->d_name[0] != '.' && region_load(e->d_name, r))
			done = fn(r, arg);
	if (d)
		closedir(d);
	return done;
}

static bool region_is(struct region *r, const void *name)
{
	return !strcmp(r->name, name);
}

static bool region_print(struct region *r, const void *arg)
{
	(void)arg;
	printf("NOTE region %s: IPA 0x%llx, %llu bytes%s, users", r->name,
	       (unsigned long long)r->base, (unsigned long long)r->size, r->ro ? ", read-only" : "");
	for (unsigned i = 0; i < r->nr_users; i++)
		printf(" %s", r->users[i]);
	printf("\n");
	return false;
}

/* ---------------------------------------------------------------- doorbells */

struct doorbell {
	int chip, ring_fd, from_fd;
	unsigned ring_line, from_line;
};

/* Line `name` of an open chip, or -1. */
static int chip_line(int chip, const char *name)
{
	struct gpiochip_info info;

	if (ioctl(chip, GPIO_GET_CHIPINFO_IOCTL, &info))
		return -1;
	for (unsigned i = 0; i < info.lines; i++) {
		struct gpio_v2_line_info li;

		memset(&li, 0, sizeof(li));
		li.offset = i;
		if (!ioctl(chip, GPIO_V2_GET_LINEINFO_IOCTL, &li) && !strcmp(li.name, name))
			return (int)i;
	}
	return -1;
}

static int line_request(int chip, unsigned line, uint64_t flags)
{
	struct gpio_v2_line_request req;

	memset(&req, 0, sizeof(req));
	req.offsets[0] = line;
	req.num_lines = 1;
	req.config.flags = flags;
	snprintf(req.consumer, sizeof(req.consumer), "keel-shm");
	if (ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req))
		return -1;
	return req.fd;
}

static void doorbell_open(struct doorbell *db, const char *peer)
{
	char ring[64], from[64], path[32];

	snprintf(ring, sizeof(ring), "ring-%s", peer);
	snprintf(from, sizeof(from), "from-%s", peer);
	for (int i = 0; i < MAX_CHIPS; i++) {
		int chip, r, f;

		snprintf(path, sizeof(path), "/dev/gpiochip%d", i);
		chip = open(path, O_RDWR);
		if (chip < 0)
			continue;
		r = chip_line(chip, ring);
		f = chip_line(chip, from);
		if (r >= 0 && f >= 0) {
			db->chip = chip;
			db->ring_line = (unsigned)r;
			db->from_line = (unsigned)f;
			db->ring_fd = line_request(chip, db->ring_line, GPIO_V2_LINE_FLAG_OUTPUT);
			db->from_fd = line_request(chip, db->from_line,
						   GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING);
			if (db->ring_fd < 0 || db->from_fd < 0)
				die("cannot request the doorbell lines of %s", peer);
			return;
		}
		close(chip);
	}
	errno = 0;
	die("no GPIO lines ring-%s and from-%s: is it a peer of this VM?", peer);
}

static void doorbell_ring(struct doorbell *db)
{
	struct gpio_v2_line_values v = { .bits = 1, .mask = 1 };

	if (ioctl(db->ring_fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v))
		die("cannot raise %s", "ring line");
	v.bits = 0;
	if (ioctl(db->ring_fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v))
		die("cannot lower %s", "ring line");
}

/* Wait up to ms for rings; the number of edges read (0: none came). */
static unsigned doorbell_wait(struct doorbell *db, int ms)
{
	struct gpio_v2_line_event ev[16];
	struct pollfd p = { .fd = db->from_fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = read(db->from_fd, ev, sizeof(ev));
	return n > 0 ? (unsigned)(n / (ssize_t)sizeof(ev[0])) : 0;
}

/* ---------------------------------------------------------------- messages */

static int transfer(const char *name, const char *peer, uint64_t to_send, uint64_t to_take)
{
	struct region r;
	struct doorbell db;
	struct shm_ring tx, rx;
	uint64_t sent = 0, got = 0, seq = 0, waits = 0, heard = 0, rings = 0;
	unsigned n;
	void *va;
	int fd;

	errno = 0;
	if (!regions_each(region_is, name, &r))
		die("no shared memory region %s in " DT, name);
	if (r.side < 0 || r.nr_users != 2)
		die("region %s is not shared by this VM and exactly one other", name);
	if (to_send && r.ro)
		die("region %s is read-only in this VM", name);
	fd = open("/dev/mem", (r.ro ? O_RDONLY : O_RDWR) | O_SYNC);
	if (fd < 0)
		die("cannot open %s", "/dev/mem");
	va = mmap(NULL, r.size, r.ro ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		  (off_t)r.base);
	if (va == MAP_FAILED)
		die("cannot map region %s through /dev/mem", name);
	doorbell_open(&db, peer);
	shm_ring_open(&tx, (uintptr_t)va, r.size, (unsigned)r.side);
	shm_ring_open(&rx, (uintptr_t)va, r.size, 1u - (unsigned)r.side);
	printf("NOTE keel-shm: region %s at IPA 0x%llx (%llu bytes, side %d), peer %s on lines "
	       "%u/%u\n", name, (unsigned long long)r.base, (unsigned long long)r.size, r.side,
	       peer, db.ring_line, db.from_line);
	fflush(stdout);
	while (sent < to_send || got < to_take || (to_send && shm_ring_tail(&tx) < to_send)) {
		bool news = false;
		int res = 0;

		while (sent < to_send && shm_ring_send(&tx)) {
			sent++;
			news = true;
		}
		while (got < to_take && (res = shm_ring_recv(&rx, got + 1, &seq)) == 1) {
			got++;
			news = true;
		}
		if (res < 0) {
			printf("NOTE keel-shm: message %llu is wrong (seq %llu)\n",
			       (unsigned long long)(got + 1), (unsigned long long)seq);
			return 1;
		}
		if (news) {
			doorbell_ring(&db);	/* news for the peer, or room */
			rings++;
			continue;
		}
		n = doorbell_wait(&db, WAIT_MS);
		if (!n && shm_ring_head(&rx) == got) {
			printf("NOTE keel-shm: stalled: %llu of %llu sent (%llu taken by %s), %llu of "
			       "%llu received\n", (unsigned long long)sent, (unsigned long long)to_send,
			       (unsigned long long)shm_ring_tail(&tx), peer, (unsigned long long)got,
			       (unsigned long long)to_take);
			return 1;
		}
		heard += n;
		waits++;
	}
	printf("NOTE keel-shm: %llu sent and taken, %llu received in order, %llu waits, %llu "
	       "doorbells heard, %llu rung\n", (unsigned long long)sent, (unsigned long long)got,
	       (unsigned long long)waits, (unsigned long long)heard, (unsigned long long)rings);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: keel-shm info\n"
			"       keel-shm send|recv|exchange <region> <peer> <count>\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct region r;
	uint64_t n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "info")) {
		regions_each(region_print, NULL, &r);
		return 0;
	}
	if (argc != 5)
		return usage();
	n = strtoull(argv[4], NULL, 0);
	if (!strcmp(argv[1], "send"))
		return transfer(argv[2], argv[3], n, 0);
	if (!strcmp(argv[1], "recv"))
		return transfer(argv[2], argv[3], 0, n);
	if (!strcmp(argv[1], "exchange"))
		return transfer(argv[2], argv[3], n, n);
	return usage();
}
