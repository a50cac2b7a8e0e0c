/*
 * snprintf/vsnprintf for keel. picolibc's own string printf functions are
 * compiled with FP/SIMD enabled and touch vector registers, which belong to
 * the guests; these route picolibc's integer vfprintf into a buffer instead.
 */
#include <stdarg.h>
#include <stdio.h>

struct buf_file {
	FILE file;          /* must be first: picolibc hands us back the FILE pointer */
	char *buf;
	size_t size, len;
};

static int buf_put(char c, FILE *f)
{
	struct buf_file *b = (struct buf_file *)f;

	if (b->len + 1 < b->size)
		b->buf[b->len] = c;
	b->len++;
	return (unsigned char)c;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_file b = {
		.file = FDEV_SETUP_STREAM(buf_put, NULL, NULL, _FDEV_SETUP_WRITE),
		.buf = buf,
		.size = size,
		.len = 0,
	};
	int ret = vfprintf(&b.file, fmt, ap);

	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return ret;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return ret;
}
