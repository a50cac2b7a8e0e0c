"""The benchmark figures: measured by bench/run.py and bench/linux_boot.py, recorded in
bench/figures.json, shown in docs/performance.md.

Instruction counts under QEMU -icount shift=0,sleep=off are deterministic, so a measured
figure that differs from the recorded one by more than figures.TOLERANCE (either way) fails:
keel got slower, or faster without anyone writing it down. Smaller differences are reported
as warnings. The Linux boot figures (three Linux boots under -icount, ~30 s) are checked too,
unless KEEL_BENCH_LINUX=0 (a quick local run).
"""

import json
import os
import subprocess
import sys
import warnings

import pytest

from keelvm import ROOT, TIMEOUT_SCALE

sys.path.insert(0, str(ROOT / "bench"))
import disk_read  # noqa: E402
import figures  # noqa: E402
import linux_boot  # noqa: E402
import run  # noqa: E402

HINT = figures.UPDATE_HINT


def measure(tool, timeout, *args):
    """Run a bench tool; return its output."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / tool), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=timeout * TIMEOUT_SCALE)
    output = result.stdout + result.stderr
    # Exit status 1 is "a figure moved" (checked below, with a better message); the rest
    # are failures to measure.
    assert result.returncode in (0, 1), f"bench/{tool} failed:\n{output}"
    return output


def check_recorded(measured, names, output, exact=True):
    """exact: the figures are deterministic (the bench guest's); the Linux boot's vary by
    about 0.01 % from run to run (docs/performance.md), so small differences are expected."""
    recorded = figures.load()
    assert set(measured) == set(names), \
        f"figures measured {sorted(measured)}, expected {sorted(names)}:\n{output}"
    failures, differences = figures.compare(measured, recorded)
    for line in differences if exact else ():
        warnings.warn(f"{line}: within the tolerance, but a bench guest figure should be "
                      f"exactly the recorded one (docs/performance.md); {HINT}")
    assert not failures, ("figures moved beyond "
                          f"{figures.TOLERANCE:.0%}:\n  " + "\n  ".join(failures) +
                          f"\n{HINT}\n\nbench output:\n{output}")


def test_bench_figures(tmp_path):
    out = tmp_path / "figures.json"
    output = measure("run.py", 180, "--json", str(out))
    assert out.exists(), f"bench/run.py wrote no figures:\n{output}"
    check_recorded(json.loads(out.read_text()), run.FIGURES, output)


@pytest.mark.linux
@pytest.mark.skipif(os.environ.get("KEEL_BENCH_LINUX") == "0",
                    reason="KEEL_BENCH_LINUX=0: the three Linux boots under -icount left out")
def test_linux_boot_figures():
    output = measure("linux_boot.py", 3 * linux_boot.TIMEOUT)
    measured = {name: float(value) for name, value in
                (line.split()[1:] for line in output.splitlines()
                 if line.startswith("BENCH "))}
    check_recorded(measured, linux_boot.FIGURES, output, exact=False)


def test_every_figure_recorded_once_and_documented():
    recorded = figures.load()
    produced = set(run.FIGURES) | set(linux_boot.FIGURES) | set(disk_read.FIGURES)
    assert not set(run.FIGURES) & set(linux_boot.FIGURES)
    assert set(recorded) == produced, (
        f"bench/figures.json has {sorted(set(recorded) - produced)} that no tool measures and "
        f"lacks {sorted(produced - set(recorded))}")
    for name, entry in recorded.items():
        tool = ("run.py" if name in run.FIGURES else
                "disk_read.py" if name in disk_read.FIGURES else "linux_boot.py")
        assert entry["command"] == f"python3 bench/{tool}", f"{name}: command {entry['command']}"
        assert entry["description"].strip() and "\n" not in entry["description"], name
    assert figures.docs_in_sync(recorded), (
        "docs/performance.md's figures table is not what bench/figures.json says: "
        "run python3 bench/figures.py --update-docs")


def test_docs_hold_no_figure_outside_the_generated_table():
    """A figure's value may appear in docs/performance.md only in the generated table."""
    before, _, after = figures.split_doc(figures.DOC_FILE.read_text())
    for name, entry in figures.load().items():
        for text in (before, after):
            for line in text.splitlines():
                if f"`{name}`" in line and figures.format_value(entry["value"]) in line \
                        and not line.startswith("|"):
                    pytest.fail(f"docs/performance.md repeats {name}'s value outside the "
                                f"generated table: {line.strip()}")


def test_compare_fails_a_move_either_way():
    """The check itself: beyond the tolerance fails in both directions, within it warns."""
    recorded = {"x": {"value": 1000.0, "command": "c", "description": "d"}}
    assert figures.compare({"x": 1000.0}, recorded) == ([], [])
    for value in (1020.1, 979.9, 64428.0, 10.0):
        failures, _ = figures.compare({"x": value}, recorded)
        assert failures, f"{value} against 1000 passed"
    for value in (1019.9, 980.1, 1000.1):
        failures, differences = figures.compare({"x": value}, recorded)
        assert not failures and differences, value
    failures, _ = figures.compare({"new_figure": 1.0}, recorded)
    assert failures, "a figure with no recorded value passed"


def test_record_then_docs_round_trip(tmp_path):
    """--record's writer keeps descriptions and order; the doc block follows the file."""
    data = json.loads(figures.FIGURES_FILE.read_text())
    path = tmp_path / "figures.json"
    path.write_text(json.dumps(data))
    first = data["figures"][0]["name"]
    figures.record({first: 12345.6}, path)
    again = figures.load(path)
    assert list(again) == [entry["name"] for entry in data["figures"]]
    assert again[first]["value"] == 12345.6
    assert again[first]["description"] == data["figures"][0]["description"]
    doc = tmp_path / "doc.md"
    doc.write_text(f"intro\n{figures.FIGURES_BEGIN}\nold\n{figures.FIGURES_END}\nhistory\n")
    assert figures.update_docs(again, doc)
    assert figures.docs_in_sync(again, doc) and "12,345.6" in doc.read_text()
    assert doc.read_text().startswith("intro\n") and doc.read_text().endswith("history\n")
    with pytest.raises(figures.FiguresError):
        figures.record({"no_such_figure": 1.0}, path)
