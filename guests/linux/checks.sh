# The reference Linux guest's checks (busybox sh), sourced by /init.
# run_checks [NCPUS] prints one PASS/FAIL (or SKIP) line per check, as keel's bare-metal
# test guests do, and leaves the counts in $checks_passed and $checks_failed.
#
# What each check proves about the (virtual) machine:
#   ncpus           every CPU of the device tree came up (PSCI CPU_ON) and is online
#   cpuN-runs       a process pinned to CPU N runs there (/proc/self/stat field 39)
#   timer-5s        a 5 s wait in the shell takes 5 s of the guest's own clock, within
#                   2 %: this CPU's timer interrupt arrives when it is due
#   sleep-5s        sleep 5, a process whose end wakes the shell (maybe with an IPI
#                   from another CPU): not early, at most 1 s late (the integration test
#                   compares the guest's measure with the host's, within 2 %)
#   parallel-work   work pinned to every CPU at once all finishes: CPUs wake each other
#   rcu-expedited   RCU grace periods complete while every CPU is busy (expedited
#                   grace periods interrupt busy CPUs with IPIs)
#   rcu-normal      ... and normal ones, which rely on every CPU's timer tick
#   timer-irqs      every CPU took timer interrupts during the busy work
#   ipis            every CPU received IPIs during it (more than one CPU only)
#   dmesg-clean     the kernel log has no warning, bug, oops or stall report, and no
#                   complaint that the CPUs' ID registers differ
#   modules         /init loaded every module of keel.load the kernel does not build in
#
# run_virtio_checks [BYTES MD5] (keel.test=virtio) checks the virtio-mmio devices instead:
#   modules         as above
#   vda             /dev/vda is a block device that virtio_blk drives, through virtio_mmio
#   vda-data        md5sum of its first BYTES bytes is MD5 (SKIP without them)
#   eth0            the network card eth0 exists (ip link) and virtio_net drives it
# Console input is not checked here: the interactive shell exercises it.

checks_passed=0
checks_failed=0

pass() {
	echo "PASS $1"
	checks_passed=$((checks_passed + 1))
}

fail() {
	name=$1
	shift
	echo "FAIL $name $*"
	checks_failed=$((checks_failed + 1))
}

skip() {
	echo "SKIP $1 $2"
}

note() {
	echo "NOTE $*"
}

# $now = centiseconds of /proc/uptime (the guest's CLOCK_BOOTTIME). No process is
# started (not even a subshell), so nothing else runs or wakes up.
read_uptime() {
	read -r up _ </proc/uptime
	now=$((${up%.*} * 100 + 1${up#*.} - 100))
}

# note_time NAME WHAT: "NOTE NAME: WHAT at <a>", then "NOTE NAME: WHAT printed by <b>": the
# guest's uptime (centiseconds) read just before and just after writing the first line, so
# the moment keel stamps that line (keel,console-timestamps) lies within [a, b] of guest
# time however long the shell was held up. No process is started. Leaves $now = b.
note_time() {
	read_uptime
	note "$1: $2 at $now"
	read_uptime
	note "$1: $2 printed by $now"
}

# "S.CC" for a number of centiseconds.
cs_str() {
	printf '%d.%02d' $(($1 / 100)) $(($1 % 100))
}

# One line per CPU, "<arch_timer interrupts> <IPIs of every kind>", from /proc/interrupts.
irq_counts() {
	awk 'NR == 1 { n = NF; next }
	     $NF == "arch_timer" { for (c = 1; c <= n; c++) timer[c] += $(c + 1) }
	     $1 ~ /^IPI[0-9]+:$/ { for (c = 1; c <= n; c++) ipi[c] += $(c + 1) }
	     END { for (c = 1; c <= n; c++) print timer[c] + 0, ipi[c] + 0 }' /proc/interrupts
}

# awk -v secs=S "$BUSY_AWK": busy work for S seconds of guest time, on whatever CPU the
# caller allows; then print the CPU it last ran on (/proc/self/stat field 39, "processor").
BUSY_AWK='BEGIN {
	getline u < "/proc/uptime"; close("/proc/uptime"); split(u, t, " "); end = t[1] + secs
	do {
		for (i = 0; i < 20000; i++) s += i
		getline u < "/proc/uptime"; close("/proc/uptime"); split(u, t, " ")
	} while (t[1] < end)
	getline st < "/proc/self/stat"; split(st, f, " "); print f[39]
}'

# busy_on CPU SECONDS
busy_on() {
	taskset -c "$1" awk -v secs="$2" "$BUSY_AWK"
}

# mount + umount a tmpfs $1 times: every umount waits for an RCU grace period
# (synchronize_rcu_expedited() in namespace_unlock()). Runs in its own shell under timeout.
# shellcheck disable=SC2016 # expanded by that shell
RCU_LOOP='i=0
while [ $i -lt "$1" ]; do
	mount -t tmpfs rcu /mnt && umount /mnt || exit 1
	i=$((i + 1))
done'

# check_rcu NAME COUNT: COUNT grace periods within 30 s; prints the time they took.
check_rcu() {
	read_uptime
	t0=$now
	if timeout 30 sh -c "$RCU_LOOP" rcu "$2"; then
		read_uptime
		t=$((now - t0))
		note "$1: $2 grace periods in $(cs_str "$t") s"
		pass "$1"
	else
		fail "$1" "$2 grace periods (mount + umount) did not complete within 30 s"
	fi
}

check_ncpus() {
	want=$1
	from="keel.ncpus"
	if [ -z "$want" ]; then
		set -- /proc/device-tree/cpus/cpu@*
		[ -e "$1" ] && want=$#
		from="the device tree's /cpus"
	fi
	case $want in
	'' | *[!0-9]* | 0)
		fail ncpus "cannot tell how many CPUs to expect (from $from)"
		return
		;;
	esac
	got=$(nproc)
	online=$(cat /sys/devices/system/cpu/online)
	expect_online=0
	[ "$want" -gt 1 ] && expect_online="0-$((want - 1))"
	if [ "$got" = "$want" ] && [ "$online" = "$expect_online" ]; then
		pass ncpus
	else
		fail ncpus "nproc says $got and CPUs $online are online; want $want ($from)"
	fi
	ncpus=$want
}

check_each_cpu_runs() {
	cpu=0
	while [ $cpu -lt "$ncpus" ]; do
		ran=$(busy_on $cpu 0.2 2>&1)
		if [ "$ran" = "$cpu" ]; then
			pass "cpu$cpu-runs"
		else
			fail "cpu$cpu-runs" "work pinned to CPU $cpu ran on: $ran"
		fi
		cpu=$((cpu + 1))
	done
}

# A 5 s wait in this shell itself (read -t on a FIFO nobody writes): only this CPU's timer
# interrupt ends it. Within 2 %: 4.90 s to 5.10 s.
check_timer() {
	mkfifo /tmp/never
	note_time timer-5s begin
	t0=$now
	# shellcheck disable=SC3045 # busybox ash has read -t
	read -r -t 5 _ <>/tmp/never
	read_uptime
	t=$((now - t0))
	note_time timer-5s end
	note "timer-5s: took $(cs_str "$t") s (guest clock)"
	if [ "$t" -ge 490 ] && [ "$t" -le 510 ]; then
		pass timer-5s
	else
		fail timer-5s "a 5 s wait took $(cs_str "$t") s of guest time, not 5 s within 2 %"
	fi
}

# sleep 5, a process of its own: its end also wakes this shell, maybe on another CPU, so
# it includes wake-up latency, which under emulation on a loaded host can reach a few
# hundred ms. Here: never early (2 %), at most 1 s late. Whether the guest's clock agrees
# with the machine's within 2 % is checked by the integration test, from the note_time
# lines and keel's timestamps of them.
check_sleep() {
	# Starting and reaping a process is not the timer's error: take the least of three
	# sleep 0 as that cost. The sleep may be late by that much, never early.
	cost=
	for _ in 1 2 3; do
		read_uptime
		t0=$now
		sleep 0
		read_uptime
		if [ -z "$cost" ] || [ $((now - t0)) -lt "$cost" ]; then
			cost=$((now - t0))
		fi
	done
	note_time sleep-5s begin
	t0=$now
	sleep 5
	read_uptime
	t=$((now - t0))
	note_time sleep-5s end
	note "sleep-5s: took $(cs_str "$t") s (guest clock; sleep 0 takes $(cs_str "$cost") s)"
	if [ "$t" -ge 490 ] && [ $((t - cost)) -le 600 ]; then
		pass sleep-5s
	else
		fail sleep-5s "sleep 5 took $(cs_str "$t") s of guest time, not 4.90 s to 6 s" \
			"(plus $(cs_str "$cost") s to start a process)"
	fi
}

# Busy work on every CPU at once; RCU grace periods meanwhile; then the interrupt counts.
check_parallel() {
	irq_counts >/tmp/irq.before
	pids=
	cpu=0
	while [ $cpu -lt "$ncpus" ]; do
		# timeout: work that never finishes fails the check instead of hanging it
		timeout 60 taskset -c $cpu awk -v secs=3 "$BUSY_AWK" >/tmp/ran.$cpu 2>&1 &
		pids="$pids $!"
		cpu=$((cpu + 1))
	done
	check_rcu rcu-expedited 20
	if [ -w /sys/kernel/rcu_normal ]; then
		echo 1 >/sys/kernel/rcu_normal
		check_rcu rcu-normal 10
		echo 0 >/sys/kernel/rcu_normal
	else
		skip rcu-normal "no /sys/kernel/rcu_normal to make grace periods normal"
	fi

	# shellcheck disable=SC2086 # a list of PIDs
	wait $pids
	irq_counts >/tmp/irq.after

	bad=
	cpu=0
	while [ $cpu -lt "$ncpus" ]; do
		ran=$(cat /tmp/ran.$cpu)
		[ "$ran" = "$cpu" ] || bad="$bad CPU $cpu: '$ran';"
		cpu=$((cpu + 1))
	done
	if [ -z "$bad" ]; then
		pass parallel-work
	else
		fail parallel-work "work pinned to each CPU did not finish there (killed after 60 s?):$bad"
	fi

	# Per CPU: "<timer before> <ipi before> <timer after> <ipi after>"
	awk 'NR == FNR { b[FNR] = $0; next } { print b[FNR], $0 }' /tmp/irq.before /tmp/irq.after \
		>/tmp/irq.both
	no_timer=
	no_ipi=
	cpu=0
	while read -r t0 i0 t1 i1; do
		[ "$cpu" -lt "$ncpus" ] || break
		[ "$t1" -gt "$t0" ] || no_timer="$no_timer $cpu"
		[ "$i1" -gt "$i0" ] || no_ipi="$no_ipi $cpu"
		cpu=$((cpu + 1))
	done </tmp/irq.both
	note "interrupts per CPU (timer, IPI) before / after: $(tr '\n' ';' </tmp/irq.both)"
	if [ "$cpu" -ne "$ncpus" ]; then
		fail timer-irqs "/proc/interrupts has $cpu CPU columns, want $ncpus"
	elif [ -n "$no_timer" ]; then
		fail timer-irqs "no arch_timer interrupt on CPU(s)$no_timer during 3 s of work"
	else
		pass timer-irqs
	fi
	if [ "$ncpus" -lt 2 ]; then
		skip ipis "one CPU: nothing to send IPIs to"
	elif [ -n "$no_ipi" ]; then
		fail ipis "no IPI received by CPU(s)$no_ipi during 3 s of work on every CPU"
	else
		pass ipis
	fi
}

# Warnings, BUG()s (soft lockups too), oopses, panics, RCU stalls, hung tasks, and CPUs
# whose ID registers differ (arm64's cpufeature "SANITY CHECK").
DMESG_BAD='WARNING:|BUG:|Oops|Unable to handle|Kernel panic|Call trace:'
DMESG_BAD="$DMESG_BAD|INFO: .*stall|blocked for more than|SANITY CHECK|feature variation"

check_dmesg() {
	bad=$(dmesg | grep -E "$DMESG_BAD" | head -n 1)
	if [ -z "$bad" ]; then
		pass dmesg-clean
	else
		fail dmesg-clean "$bad"
	fi
}

# $modules_failed is set by /init's load_modules.
check_modules() {
	if [ ! -f "/lib/modules/$(uname -r)/keel.load" ]; then
		skip modules "the initramfs has no /lib/modules/$(uname -r)/keel.load"
	elif [ -n "$modules_failed" ]; then
		fail modules "modprobe failed:$modules_failed"
	else
		pass modules
	fi
}

# The driver bound to a sysfs device directory, e.g. "virtio_blk".
driver_of() {
	link=$(readlink "$1/driver" 2>/dev/null) || return 0
	echo "${link##*/}"
}

# A probe may finish after modprobe returns (the disk's partition scan, the network
# card's registration): wait up to 10 s for a path to appear.
wait_for() {
	tries=0
	while [ ! -e "$1" ] && [ $tries -lt 100 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	[ -e "$1" ]
}

check_vda() {
	if ! wait_for /sys/block/vda || [ ! -b /dev/vda ]; then
		fail vda "no block device vda (/sys/block: $(echo /sys/block/*))"
		return 1
	fi
	drv=$(driver_of /sys/block/vda/device)
	bus=$(driver_of /sys/block/vda/device/..)
	note "vda: $(cat /sys/block/vda/size) sectors, driver $drv on $bus"
	if [ "$drv" = virtio_blk ] && [ "$bus" = virtio-mmio ]; then
		pass vda
	else
		fail vda "vda is driven by '$drv' on '$bus', not virtio_blk on virtio-mmio"
	fi
}

# check_vda_data BYTES MD5
check_vda_data() {
	if [ -z "$1" ] || [ -z "$2" ]; then
		skip vda-data "no keel.vda.bytes= and keel.vda.md5= on the command line"
		return
	fi
	got=$(head -c "$1" /dev/vda | md5sum)
	got=${got%% *}
	note "vda: md5 of the first $1 bytes $got"
	if [ "$got" = "$2" ]; then
		pass vda-data
	else
		fail vda-data "md5 of /dev/vda's first $1 bytes is $got, want $2"
	fi
}

check_eth0() {
	if ! wait_for /sys/class/net/eth0 || ! ip link show eth0 >/tmp/eth0 2>&1; then
		fail eth0 "no network card eth0 (ip link: $(ip -o link 2>&1 | cut -d: -f2 | tr '\n' ' '))"
		return
	fi
	drv=$(driver_of /sys/class/net/eth0/device)
	note "eth0: $(head -n 1 /tmp/eth0 | cut -d' ' -f3-5), driver $drv"
	if [ "$drv" = virtio_net ]; then
		pass eth0
	else
		fail eth0 "eth0 is driven by '$drv', not virtio_net"
	fi
}

run_virtio_checks() {
	check_modules
	check_vda && check_vda_data "$1" "$2"
	check_eth0
	check_dmesg
}

run_checks() {
	check_modules
	check_ncpus "$1"
	[ "$ncpus" -ge 1 ] 2>/dev/null || ncpus=1
	check_each_cpu_runs
	check_timer
	check_sleep
	check_parallel
	check_dmesg
}
