/*
 * blkio: the Linux guest's disk tool (keel.test=disk-write, disk-read, disk-bench in
 * guests/linux/init).
 *
 *   blkio pattern BYTES        write the known data to stdout: BYTES / 16 records of 16
 *                              bytes, record i being "keel %010u\n" of i, so every place of
 *                              the disk holds its own offset (a block written to the wrong
 *                              place, or lost, shows). tests/integration/disk_pattern.py
 *                              makes the same bytes on the host.
 *   blkio read DEV BYTES [BLOCK [PASSES]]
 *                              read DEV's first BYTES bytes in order, BLOCK bytes at a time
 *                              (default 1 MiB) with O_DIRECT (the page cache neither serves
 *                              nor copies them: each read is a request to the device), PASSES
 *                              times (default 1), and print "blkio: read BYTES bytes in NS ns
 *                              (BLOCK-byte O_DIRECT reads); least of PASSES passes per read:
 *                              LEAST ns", NS from CLOCK_MONOTONIC around the first pass's
 *                              reads, LEAST the sum over the reads of each one's shortest
 *                              time in any pass. Under QEMU -icount shift=0 a nanosecond is
 *                              one instruction; with sleep=off QEMU also jumps the clock to
 *                              its next timer deadline when the CPU waits idle before the
 *                              I/O completes, which lands on some reads of a pass at random
 *                              (docs/performance.md): LEAST leaves those jumps out.
 *
 * Exit status 0, or 1 with a message on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_RECORD 16u             /* bytes per record of the pattern */
#define PATTERN_CHUNK (1u << 20)       /* bytes written to stdout at a time */
#define PATTERN_INDEX_START 5          /* the record's index: bytes 5-14, after "keel " */
#define PATTERN_INDEX_END 15
#define PATTERN_MAX_RECORDS UINT64_C(10000000000) /* 10 decimal digits */
#define READ_BLOCK_DEFAULT (1u << 20)
#define DIRECT_ALIGN 4096u             /* O_DIRECT: buffer, offset and size aligned */
#define NS_PER_S 1000000000ull
#define PASSES_MAX 1000

/* A decimal size, at most max; 0 on anything else (0 itself is never valid here). */
static uint64_t parse_bytes(const char *text, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value > max)
		return 0;
	return value;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t done = write(fd, buf, len);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return -1;
		buf += done;
		len -= (size_t)done;
	}
	return 0;
}

/* Add one to the record's 10-digit decimal index in place (snprintf per record is
 * several times slower, and under emulation that is seconds). */
static void pattern_next(char *record)
{
	for (int i = PATTERN_INDEX_END - 1; i >= PATTERN_INDEX_START; i--) {
		if (record[i] != '9') {
			record[i]++;
			return;
		}
		record[i] = '0';
	}
}

static int blkio_pattern(uint64_t bytes)
{
	static char chunk[PATTERN_CHUNK];
	if (bytes % PATTERN_RECORD != 0 || bytes / PATTERN_RECORD > PATTERN_MAX_RECORDS) {
		fprintf(stderr, "blkio: pattern: BYTES must be a multiple of %u, at most %" PRIu64
			" records\n", PATTERN_RECORD, PATTERN_MAX_RECORDS);
		return 1;
	}
	char record[PATTERN_RECORD + 1] = "keel 0000000000\n";
	uint64_t left = bytes / PATTERN_RECORD;
	while (left > 0) {
		size_t used = 0;
		for (; left > 0 && used < sizeof(chunk); left--, used += PATTERN_RECORD) {
			memcpy(chunk + used, record, PATTERN_RECORD);
			pattern_next(record);
		}
		if (write_all(STDOUT_FILENO, chunk, used) != 0) {
			fprintf(stderr, "blkio: pattern: write: %s\n", strerror(errno));
			return 1;
		}
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* The time of each BLOCK read of one pass, added to *first (the first pass) and kept as
 * least[i] when shorter. Returns 0, or 1 after a message. */
static int read_pass(int fd, const char *dev, void *buf, uint64_t block, uint64_t reads,
		     uint64_t *least, uint64_t *first, int pass)
{
	for (uint64_t i = 0; i < reads; i++) {
		uint64_t start = now_ns();
		ssize_t got;
		do
			got = pread(fd, buf, block, (off_t)(i * block));
		while (got < 0 && errno == EINTR);
		uint64_t took = now_ns() - start;
		if (got != (ssize_t)block) {
			fprintf(stderr, "blkio: read: %s at %" PRIu64 ": %s\n", dev, i * block,
				got < 0 ? strerror(errno) : "short read (is the disk that big?)");
			return 1;
		}
		if (pass == 0) {
			*first += took;
			least[i] = took;
		} else if (took < least[i]) {
			least[i] = took;
		}
	}
	return 0;
}

static int blkio_read(const char *dev, uint64_t bytes, uint64_t block, uint64_t passes)
{
	if (block % DIRECT_ALIGN != 0 || bytes % block != 0) {
		fprintf(stderr, "blkio: read: BLOCK must be a multiple of %u and divide BYTES\n",
			DIRECT_ALIGN);
		return 1;
	}
	uint64_t reads = bytes / block;
	int fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "blkio: read: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	void *buf = NULL;
	uint64_t *least = calloc(reads, sizeof(*least));
	if (least == NULL || posix_memalign(&buf, DIRECT_ALIGN, block) != 0) {
		fprintf(stderr, "blkio: read: no memory for a %" PRIu64 "-byte buffer\n", block);
		free(least);
		close(fd);
		return 1;
	}
	uint64_t first = 0, sum = 0;
	int status = 0;
	for (uint64_t pass = 0; pass < passes && status == 0; pass++)
		status = read_pass(fd, dev, buf, block, reads, least, &first, (int)pass);
	for (uint64_t i = 0; i < reads; i++)
		sum += least[i];
	free(buf);
	free(least);
	close(fd);
	if (status == 0)
		printf("blkio: read %" PRIu64 " bytes in %" PRIu64 " ns (%" PRIu64 "-byte O_DIRECT "
		       "reads); least of %" PRIu64 " passes per read: %" PRIu64 " ns\n", bytes, first,
		       block, passes, sum);
	return status;
}

static int usage(void)
{
	fprintf(stderr, "usage: blkio pattern BYTES | blkio read DEV BYTES [BLOCK [PASSES]]\n");
	return 1;
}

int main(int argc, char **argv)
{
	const uint64_t max = 1ull << 40;
	if (argc == 3 && strcmp(argv[1], "pattern") == 0) {
		uint64_t bytes = parse_bytes(argv[2], max);
		return bytes ? blkio_pattern(bytes) : usage();
	}
	if (argc >= 4 && argc <= 6 && strcmp(argv[1], "read") == 0) {
		uint64_t bytes = parse_bytes(argv[3], max);
		uint64_t block = argc >= 5 ? parse_bytes(argv[4], 1u << 30) : READ_BLOCK_DEFAULT;
		uint64_t passes = argc == 6 ? parse_bytes(argv[5], PASSES_MAX) : 1;
		return bytes && block && passes ? blkio_read(argv[2], bytes, block, passes) : usage();
	}
	return usage();
}
