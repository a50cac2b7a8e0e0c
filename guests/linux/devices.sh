# The Linux guest's real-device modes (busybox sh), sourced by /init after checks.sh: a
# disk and a network card, passed through by keel or given by QEMU natively. Each function
# prints PASS/FAIL lines as checks.sh's do (the counts go into /init's SUMMARY line).
#
#   run_disk_write   writes DISK_BYTES of blkio's known pattern (guests/linux/tools/blkio.c:
#                    every 16-byte record holds its own index) to /dev/vda through the page
#                    cache, in 1 MiB writes (whole pages: none is read first), syncs (sync()
#                    writes back every block device and flushes the disk's cache), prints
#                    "NOTE disk-write: wrote N bytes, md5 HEX" (the pattern's md5)
#   run_disk_read    prints "NOTE disk-read: md5 of the first N bytes HEX" of /dev/vda
#   run_disk_bench   reads BENCH_BYTES of /dev/vda with O_DIRECT in 1 MiB reads, timed,
#                    BENCH_PASSES times (blkio read), and prints blkio's "blkio: read N
#                    bytes in NS ns (...); least of P passes per read: LEAST ns" line
#   run_net_serve    brings eth0 up with udhcpc (QEMU's user network answers DHCP), writes
#                    SERVE_BYTES of the pattern to $SERVE_DIR/data.bin and serves it with
#                    busybox httpd on SERVE_PORT; /init then prints net_ready_line
#   net_up_serve     the same without the checks (keel.net=serve in the `make run` demo):
#                    a small page on SERVE_PORT

DISK_BYTES=$((32 << 20))
BENCH_BYTES=$((64 << 20))
BENCH_BLOCK=$((1 << 20))
BENCH_PASSES=10
SERVE_BYTES=$((16 << 20))
SERVE_PORT=80
SERVE_DIR=/tmp/www

# check_disk_write BYTES
check_disk_write() {
	if ! blkio pattern "$1" >/dev/vda || ! sync; then
		fail disk-write "writing $1 bytes to /dev/vda failed"
		return
	fi
	sum=$(blkio pattern "$1" | md5sum)
	note "disk-write: wrote $1 bytes, md5 ${sum%% *}"
	pass disk-write
}

# check_disk_read BYTES (a whole number of MiB): dd in 1 MiB reads, several times faster
# than head's small ones under emulation.
check_disk_read() {
	# pipefail: a failed read must fail the check, not only a failed md5sum
	# shellcheck disable=SC3040 # busybox ash has pipefail
	if sum=$(set -o pipefail; dd if=/dev/vda bs=1048576 count=$(($1 >> 20)) 2>/dev/null |
		md5sum); then
		note "disk-read: md5 of the first $1 bytes ${sum%% *}"
		pass disk-read
	else
		fail disk-read "reading $1 bytes of /dev/vda failed"
	fi
}

check_disk_bench() {
	if out=$(blkio read /dev/vda "$1" "$BENCH_BLOCK" "$BENCH_PASSES" 2>&1); then
		note "$out"
		pass disk-bench
	else
		fail disk-bench "$out"
	fi
}

run_disk_write() {
	check_modules
	check_vda && check_disk_write "$DISK_BYTES"
}

run_disk_read() {
	check_modules
	check_vda && check_disk_read "$DISK_BYTES"
}

run_disk_bench() {
	check_modules
	check_vda && check_disk_bench "$BENCH_BYTES"
}

# eth0 up with a DHCP lease (-n: give up without one, -q: exit once bound, after at most
# 10 discovers 2 s apart); sets $eth0_addr. Returns 1 without a lease.
net_up() {
	udhcpc -i eth0 -s /lib/keel/udhcpc.sh -n -q -t 10 -T 2 >/tmp/udhcpc.log 2>&1 || return 1
	eth0_addr=$(ip -o -4 addr show dev eth0 | awk '{ print $4; exit }')
	[ -n "$eth0_addr" ]
}

check_dhcp() {
	if net_up; then
		note "dhcp: eth0 $eth0_addr; route: $(ip route show default | head -n 1)"
		pass dhcp
	else
		fail dhcp "no DHCP lease on eth0: $(tr '\n' ' ' </tmp/udhcpc.log)"
	fi
}

check_httpd() {
	mkdir -p "$SERVE_DIR"
	blkio pattern "$SERVE_BYTES" >"$SERVE_DIR/data.bin" ||
		{ fail httpd "cannot write $SERVE_DIR/data.bin"; return; }
	serve_md5=$(md5sum "$SERVE_DIR/data.bin")
	serve_md5=${serve_md5%% *}
	if httpd -p "$SERVE_PORT" -h "$SERVE_DIR"; then
		pass httpd
	else
		fail httpd "busybox httpd did not start on port $SERVE_PORT"
	fi
}

run_net_serve() {
	check_modules
	check_eth0 && check_dhcp && check_httpd
}

# After the SUMMARY line: what a test waits for before it fetches the file.
net_ready_line() {
	echo "NOTE net-serve: ready: http://${eth0_addr%/*}:$SERVE_PORT/data.bin" \
		"$SERVE_BYTES bytes md5 $serve_md5"
}

net_up_serve() {
	if ! wait_for /sys/class/net/eth0 || ! net_up; then
		echo "NOTE net: no network card or no DHCP lease; no web page"
		return
	fi
	mkdir -p "$SERVE_DIR"
	echo "hello from keel VM $(hostname): $(uname -sr), eth0 $eth0_addr" >"$SERVE_DIR/index.html"
	httpd -p "$SERVE_PORT" -h "$SERVE_DIR" &&
		echo "NOTE net: eth0 $eth0_addr; httpd serves $SERVE_DIR on port $SERVE_PORT"
}
