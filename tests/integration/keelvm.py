"""Boot keel in QEMU for a test, read its console line by line, and check what it says.

Everything the tests expect keel and the guests to print is defined in the first section
below, so aligning the wording with keel is a change in one place.
"""

import os
import re
import shlex
import sys
import time
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import keelboot  # noqa: E402

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
LOG_DIR = Path(__file__).resolve().parent / "logs"

# ---------------------------------------------------------------- console conventions
# keel's own lines start with "(keel) "; a guest's line is "[<vm name>] <text>".
KEEL_PREFIX = "(keel) "
CPU_ONLINE = re.compile(r"^\(keel\) cpu (\d+) online\b")        # one per physical CPU, 0 too
VM_ID = re.compile(r"^\(keel\) vm (\S+): id (\d+)\b")            # when a VM is created
VM_POWERED_OFF = re.compile(r"^\(keel\) vm (\S+): powered off\b")  # guest called SYSTEM_OFF
VM_STOPPED = re.compile(r"^\(keel\) vm (\S+): stopped: (.+)")    # keel ended a misbehaving VM
CONFIG_ERROR = re.compile(r"^\(keel\) config error\b.*")        # names the node as /<name>
KEEL_FATAL = ("(keel) PANIC", "(keel) unhandled")               # never, in any test

# keel,console-timestamps: "@<s>.<us> " before a line, keel's physical counter when the line
# was written. KeelSession strips it from lines and keeps it in stamps.
CONSOLE_STAMP = re.compile(r"^@(\d+\.\d{6}) ")
GUEST_LINE = re.compile(r"^\[([^\]\s]+)\] (.*)$")
GUEST_START = re.compile(r"^GUEST (\S+) start$")
GUEST_PASS = re.compile(r"^PASS (\S.*)$")
GUEST_FAIL = re.compile(r"^FAIL (\S.*)$")
GUEST_SUMMARY = re.compile(r"^SUMMARY (\S+) (\d+) passed, (\d+) failed$")
GUEST_VMID = re.compile(r"^VMID (\d+)$")
GUEST_BENCH = re.compile(r"^BENCH (\S+) (\d+)$")
# Guests may print other lines too (SKIP <check> <why>, NOTE ..., text a check writes); a
# guest that crashes prints a FAIL line (guests/lib/fault.c).

# The fewest PASS lines each test guest must print: a guest that silently skips its
# checks must not pass. Raise these as the guests grow.
GUEST_MIN_PASS = {
    "hypercall": 40, "mmio": 93, "traps": 36, "debug": 14, "smp": 2, "isolation": 2, "secret": 1,
    "hostile": 8, "hello": 0, "bench": 0,
    "psci": 85,
}

# ---------------------------------------------------------------- timeouts (seconds)
TIMEOUT_SCALE = float(os.environ.get("KEEL_TIMEOUT_SCALE", "1"))
RUN_TIMEOUT = 40 * TIMEOUT_SCALE          # a boot that runs guests to the end (~2 s now)
CONFIG_ERROR_TIMEOUT = 20 * TIMEOUT_SCALE  # a boot that must stop at a config error
FATAL_GRACE = 3                            # after a PANIC line, to log the register dump


class _Deadline(Exception):
    pass


class KeelSession:
    """One QEMU running keel, its console logged to log_path.

    Every wait shares one deadline, set when the session starts: a test never takes
    longer than its timeout, whatever it waits for."""

    def __init__(self, boot, log_path, timeout):
        self.boot = boot
        self.log_path = Path(log_path)
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.lines = []
        self.stamps = []   # per line: keel's timestamp in seconds, None without one
        self.exitstatus = None
        self.fatal = None  # the first PANIC / unhandled line seen
        self._held = ""    # the start of a line read by wait_for_partial
        self.eof = False
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self._log.write(f"# {shlex.join(boot.argv)}\n# modules:\n{boot.module_map()}\n")
        self._log.flush()
        self.child = pexpect.spawn(boot.argv[0], boot.argv[1:], encoding="utf-8",
                                   codec_errors="replace", timeout=None, echo=False,
                                   dimensions=(50, 250))
        self.child.logfile_read = self._log

    # -------------------------------------------------------- reading
    def _next_line(self, what):
        """The next console line (without CR/LF); None at EOF. Fails at the deadline."""
        if self.eof:
            return None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self._fail_deadline(what)
        index = self.child.expect(["\n", pexpect.EOF, pexpect.TIMEOUT], timeout=remaining)
        if index == 2:
            self._fail_deadline(what)
        line = self._held + self.child.before.replace("\r", "")
        self._held = ""
        if index == 1:
            self.eof = True
            self._reap()
            if not line:
                return None
        return self._add_line(line)

    def _add_line(self, line):
        stamp = CONSOLE_STAMP.match(line)
        if stamp:
            line = line[stamp.end():]
        self.lines.append(line)
        self.stamps.append(float(stamp.group(1)) if stamp else None)
        if self.fatal is None and any(m in line for m in KEEL_FATAL):
            self.fatal = line
            self.deadline = min(self.deadline, time.monotonic() + FATAL_GRACE)
        return line

    def _fail_deadline(self, what):
        if self.fatal is not None:
            self.fail(f"keel failed: {self.fatal!r}")
        raise _Deadline(f"timed out after {self.timeout:.0f}s waiting for {what}")

    def wait_for(self, pattern, what=None):
        """Read lines until one matches pattern (a regex); return the match."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        what = what or repr(regex.pattern)
        while True:
            try:
                line = self._next_line(what)
            except _Deadline as err:
                self.fail(str(err))
            if line is None:
                self.fail(f"QEMU exited (status {self.exitstatus}) before {what}")
            match = regex.search(line)
            if match:
                return match

    _ANY = re.compile(r"[\s\S]+")

    def _read_raw(self, seconds):
        """What arrives within seconds (or until EOF), as it comes, into self.lines (complete
        lines) and self._held (the line still being printed)."""
        end = time.monotonic() + max(0.0, seconds)
        while not self.eof:
            index = self.child.expect([self._ANY, pexpect.TIMEOUT, pexpect.EOF],
                                      timeout=max(0.0, end - time.monotonic()))
            if index == 1:
                break
            text = self._held + (self.child.before + (self.child.after if index == 0 else "")
                                 ).replace("\r", "")
            if index == 2:
                self.eof = True
                self._reap()
            *complete, self._held = text.split("\n")
            for line in complete:
                self._add_line(line)
            if time.monotonic() >= end:
                break

    def wait_for_partial(self, pattern, what=None):
        """Read until pattern (a regex) matches the line being printed, before its newline
        (a prompt); return the match. Complete lines read meanwhile go to self.lines; the
        partial line is kept and completed by the next read."""
        regex = re.compile(pattern)
        while not (match := regex.search(CONSOLE_STAMP.sub("", self._held, count=1))):
            remaining = self.deadline - time.monotonic()
            if self.eof or remaining <= 0:
                self.fail(f"QEMU exited or timed out before {what or repr(pattern)}")
            self._read_raw(min(remaining, 0.2))
        return match

    def read_fast(self, seconds):
        """Read whatever comes in the next few seconds in large chunks, for floods of output
        (line by line, the test would be slower than QEMU, whose serial port then blocks
        the whole emulator while the pty is full)."""
        if not self.eof:
            self._read_raw(min(seconds, self.deadline - time.monotonic()))

    def drain(self, seconds):
        """Read whatever comes in the next few seconds (or until QEMU exits)."""
        saved = self.deadline
        self.deadline = min(saved, time.monotonic() + seconds)
        try:
            while self._next_line("more output") is not None:
                pass
        except _Deadline:
            pass
        finally:
            self.deadline = saved

    def wait_exit(self):
        """Read to the end: QEMU must exit (keel,when-idle = "poweroff") before the deadline."""
        try:
            while self._next_line("QEMU to exit") is not None:
                pass
        except _Deadline as err:
            self.fail(str(err))
        return self.exitstatus

    def finish(self):
        """Wait for QEMU to exit by itself with status 0; check keel never failed."""
        status = self.wait_exit()
        check_keel_healthy(self.lines, self)
        if status != 0:
            self.fail(f"QEMU exited with status {status}")
        return self.lines

    # -------------------------------------------------------- ending
    def _reap(self):
        self.child.close(force=True)
        self.exitstatus = self.child.exitstatus
        if self.exitstatus is None and self.child.signalstatus is not None:
            self.exitstatus = -self.child.signalstatus

    def kill(self):
        if self.child.isalive():
            self.child.terminate(force=True)
        if not self.eof:
            self.eof = True
            self._reap()
        if not self._log.closed:
            self._log.flush()
            self._log.close()

    def tail(self, count=40):
        if not self._log.closed:
            self._log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace", newline="") as log:
            text = log.read().replace("\r", "")
        return "\n".join(text.splitlines()[-count:])

    def fail(self, message):
        raise AssertionError(f"{message}\nconsole log: {self.log_path}\n"
                             f"--- last lines ---\n{self.tail()}") from None


def boot(config, log_path, timeout=RUN_TIMEOUT, **boot_options):
    """Start keel with a configuration (a path, or a file name in configs/)."""
    config = Path(config)
    if not config.is_absolute() and not config.exists():
        config = CONFIG_DIR / config
    options = {"no_reboot": True, **boot_options}
    return KeelSession(keelboot.build_boot(config, **options), log_path, timeout)


# ---------------------------------------------------------------- reading the console

def check_config_refused(run, must_contain):
    """keel printed a '(keel) config error' line holding each text of must_contain, did not
    panic, and started no VM. Return the error line."""
    error = run.wait_for(CONFIG_ERROR, "keel's '(keel) config error' line").group(0)
    for text in must_contain:
        if text not in error:
            run.fail(f"the config error should say {text!r}: {error!r}")
    run.drain(1.0)  # anything keel does next is in the log and checked below
    check_keel_healthy(run.lines, run)
    started = [line for line in run.lines if GUEST_LINE.match(line)]
    if started:
        run.fail(f"a VM ran despite the config error: {started[0]!r}")
    return error


def restart_once(run, vm, prompt):
    """Drive a guest that offers a restart: at its prompt type 'r', wait for keel's
    '(keel) vm VM: restarting' and the second run's prompt, then type 'q'. Return the
    console lines, and those from each 'GUEST ... start' of VM: (all, first run, second run)."""
    run.wait_for(prompt, "the first run's prompt")
    run.child.send("r")
    run.wait_for(re.compile(rf"^\(keel\) vm {re.escape(vm)}: restarting\b"),
                 f"'(keel) vm {vm}: restarting'")
    run.wait_for(prompt, "the second run's prompt")
    run.child.send("q")
    lines = run.finish()
    starts = [i for i, line in enumerate(lines)
              if (m := GUEST_LINE.match(line)) and m.group(1) == vm and
              GUEST_START.match(m.group(2))]
    if len(starts) != 2:
        run.fail(f"VM {vm}: {len(starts)} 'GUEST ... start' lines, want 2")
    return lines, lines[starts[0]:starts[1]], lines[starts[1]:]


def keel_lines(lines):
    return [line for line in lines if line.startswith(KEEL_PREFIX)]


def guest_lines(lines, vm):
    """The text of every line VM vm printed, without the "[vm] " prefix."""
    out = []
    for line in lines:
        match = GUEST_LINE.match(line)
        if match and match.group(1) == vm:
            out.append(match.group(2))
    return out


def find_all(lines, regex):
    return [m for m in map(regex.search, lines) if m]


def first_index(lines, predicate):
    return next((i for i, line in enumerate(lines) if predicate(line)), None)


def cpus_online(lines):
    return sorted({int(m.group(1)) for m in find_all(lines, CPU_ONLINE)})


def vm_ids(lines):
    """{vm name: id} from keel's "vm <name>: id <n>" lines."""
    return {m.group(1): int(m.group(2)) for m in find_all(lines, VM_ID)}


# ---------------------------------------------------------------- checks

def _fail(session, message):
    if session is not None:
        session.fail(message)
    raise AssertionError(message)


def check_keel_healthy(lines, session=None):
    """No PANIC / unhandled exception line from keel."""
    bad = [line for line in lines if any(m in line for m in KEEL_FATAL)]
    if bad:
        _fail(session, f"keel failed: {bad[0]!r}")


def check_vm_passed(lines, vm, guest, min_pass=None, session=None, powered_off=True):
    """VM vm ran test guest `guest` to the end: it started, printed only PASS checks (at
    least min_pass), a SUMMARY that agrees and says 0 failed, and keel saw it power off."""
    texts = guest_lines(lines, vm)
    if min_pass is None:
        min_pass = GUEST_MIN_PASS.get(guest, 1)
    if not texts:
        _fail(session, f"VM {vm} printed nothing")
    if not any(GUEST_START.match(t) and GUEST_START.match(t).group(1) == guest for t in texts):
        _fail(session, f"VM {vm}: no 'GUEST {guest} start' line")
    fails = [t for t in texts if GUEST_FAIL.match(t)]
    if fails:
        _fail(session, f"VM {vm}: {len(fails)} failed checks, first: {fails[0]!r}")
    passes = [t for t in texts if GUEST_PASS.match(t)]
    summaries = [GUEST_SUMMARY.match(t) for t in texts if GUEST_SUMMARY.match(t)]
    if len(summaries) != 1:
        _fail(session, f"VM {vm}: expected one SUMMARY line, got {len(summaries)}")
    name, passed, failed = summaries[0].group(1), int(summaries[0].group(2)), \
        int(summaries[0].group(3))
    if name != guest or failed != 0 or passed != len(passes):
        _fail(session, f"VM {vm}: SUMMARY {name} {passed} passed, {failed} failed "
                       f"(expected {guest}, {len(passes)} passed, 0 failed)")
    if len(passes) < min_pass:
        _fail(session, f"VM {vm}: only {len(passes)} PASS lines, expected at least {min_pass}")
    if powered_off and not any(m.group(1) == vm for m in find_all(lines, VM_POWERED_OFF)):
        _fail(session, f"no '(keel) vm {vm}: powered off' line")
    return len(passes)
