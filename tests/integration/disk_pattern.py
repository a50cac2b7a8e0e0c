"""The Linux guest's known data (guests/linux/tools/blkio.c, `blkio pattern BYTES`), made on
the host: record i of 16 bytes is b"keel %010u\\n" % i, so every 16 bytes say where they
belong, and data written to the wrong place, or not written, does not compare equal."""

import hashlib

RECORD = 16


def pattern(nbytes):
    if nbytes % RECORD:
        raise ValueError(f"{nbytes} is not a whole number of {RECORD}-byte records")
    return b"".join(b"keel %010u\n" % i for i in range(nbytes // RECORD))


def pattern_md5(nbytes):
    return hashlib.md5(pattern(nbytes)).hexdigest()


def first_difference(data, nbytes):
    """Where data's first nbytes stop being the pattern: (offset, what is there) of the
    first differing record, or None if they are the pattern."""
    want = pattern(nbytes)
    if data[:nbytes] == want:
        return None
    for offset in range(0, nbytes, RECORD):
        if data[offset:offset + RECORD] != want[offset:offset + RECORD]:
            return offset, data[offset:offset + RECORD]
    return nbytes, b""  # data is shorter
