"""pytest fixtures for the QEMU integration tests.

`keel(config, timeout=..., **boot_options)` boots keel with a configuration and returns a
keelvm.KeelSession; QEMU is killed when the test ends, whatever happened. The console of
every boot is kept in tests/integration/logs/<test>.log; a failing test's report ends with
the log's path and last lines.
"""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.register_assert_rewrite("keelvm")
import keelvm  # noqa: E402


def _log_path(node_name, count):
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", node_name).strip("_")
    return keelvm.LOG_DIR / (f"{stem}.log" if count == 0 else f"{stem}-{count + 1}.log")


@pytest.fixture
def keel(request):
    sessions = []
    request.node.keel_sessions = sessions

    def boot(config, timeout=keelvm.RUN_TIMEOUT, **boot_options):
        log = _log_path(request.node.name, len(sessions))
        try:
            session = keelvm.boot(config, log, timeout, **boot_options)
        except keelvm.keelboot.BootError as err:
            error = str(err)
        else:
            sessions.append(session)
            return session
        pytest.fail(f"cannot boot keel: {error}", pytrace=False)

    yield boot
    for session in sessions:
        session.kill()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    sessions = getattr(item, "keel_sessions", [])
    if report.failed and sessions:
        report.sections.append(
            ("keel console logs", "\n".join(str(s.log_path) for s in sessions)))
