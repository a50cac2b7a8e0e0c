#!/usr/bin/python3
"""keel's recorded benchmark figures (bench/figures.json): load, compare, record, document.

    /usr/bin/python3 bench/figures.py --update-docs   rewrite the table in docs/performance.md
    /usr/bin/python3 bench/figures.py --check-docs    exit 1 if that table differs from the file

bench/figures.json is the one place a figure's value lives. Each entry has its name, value,
the command that measures it, and a one-line description; bench/run.py and
bench/linux_boot.py compare what they measure with it (and write it with --record),
tests/integration/test_bench.py fails when a figure moved, and docs/performance.md's table
between FIGURES_BEGIN and FIGURES_END is generated from it.

Instruction counts under QEMU -icount shift=0,sleep=off are deterministic, so any difference
is reported; one beyond TOLERANCE (either way: a figure that got much better without being
recorded is as stale as one that got worse) is a failure.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES_FILE = ROOT / "bench" / "figures.json"
DOC_FILE = ROOT / "docs" / "performance.md"
FIGURES_BEGIN = "<!-- figures:begin (generated from bench/figures.json by " \
                "`python3 bench/figures.py --update-docs`; do not edit) -->"
FIGURES_END = "<!-- figures:end -->"
TOLERANCE = 0.02
UPDATE_HINT = ("if the change is intended, record the new figures with `make bench-record` "
               "(all of them), or `python3 bench/run.py --record` (the bench guest's) or "
               "`python3 bench/linux_boot.py --record` (the Linux boot's), and commit "
               "bench/figures.json and docs/performance.md with the change")
ENTRY_KEYS = ("name", "value", "command", "description")


class FiguresError(Exception):
    """bench/figures.json is unreadable or malformed."""


def load(path=FIGURES_FILE):
    """The recorded figures: {name: {"value", "command", "description"}}, in file order."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise FiguresError(f"{path}: {err}") from err
    entries = data.get("figures") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise FiguresError(f'{path}: no "figures" list at the top level')
    figures = {}
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or sorted(entry) != sorted(ENTRY_KEYS):
            raise FiguresError(f"{path}: figures[{n}] needs exactly the keys "
                               f"{', '.join(ENTRY_KEYS)}")
        value = entry["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise FiguresError(f"{path}: {entry['name']}: value {value!r} is not a "
                               "positive number")
        if entry["name"] in figures:
            raise FiguresError(f"{path}: {entry['name']} is recorded twice")
        figures[entry["name"]] = {key: entry[key] for key in ENTRY_KEYS[1:]}
    return figures


def compare(measured, recorded, tolerance=TOLERANCE):
    """(failures, differences): lines for figures beyond tolerance / any other difference.

    measured: {name: value}; every name must be recorded (a new figure needs an entry).
    """
    failures, differences = [], []
    for name, value in measured.items():
        if name not in recorded:
            failures.append(f"{name}: measured {value:g} but not in bench/figures.json")
            continue
        old = recorded[name]["value"]
        if value == old:
            continue
        change = (value - old) / old
        line = f"{name}: measured {value:g}, recorded {old:g} ({change:+.2%})"
        (failures if abs(change) > tolerance else differences).append(line)
    return failures, differences


def report(measured, recorded, tolerance=TOLERANCE, out=sys.stdout):
    """Print the comparison; True if no figure moved beyond tolerance."""
    failures, differences = compare(measured, recorded, tolerance)
    for line in differences:
        print(f"figures: differs within {tolerance:.0%}: {line}", file=out)
    for line in failures:
        print(f"figures: MOVED beyond {tolerance:.0%}: {line}", file=out)
    if failures:
        print(f"figures: {UPDATE_HINT}", file=out)
    elif not differences:
        print(f"figures: all {len(measured)} equal to bench/figures.json", file=out)
    return not failures


def record(measured, path=FIGURES_FILE):
    """Write measured values into the file (each must already have an entry)."""
    load(path)  # refuse to rewrite a malformed file
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    names = {entry["name"]: entry for entry in data["figures"]}
    unknown = sorted(set(measured) - set(names))
    if unknown:
        raise FiguresError(f"{path}: no entry for {', '.join(unknown)}: add one (name, value, "
                           "command, description) first")
    for name, value in measured.items():
        names[name]["value"] = value
    Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def record_or_report(measured, record_them, prog):
    """A benchmark script's last step: with record_them write measured into bench/figures.json
    and docs/performance.md, else compare it with the recorded figures. Returns the exit
    status: 0, 1 if a figure moved beyond the tolerance, 2 on a FiguresError (printed as
    "<prog>: ..." on stderr)."""
    try:
        if record_them:
            record(measured)
            update_docs(load())
            print(f"{prog}: recorded in bench/figures.json and docs/performance.md")
            return 0
        return 0 if report(measured, load()) else 1
    except FiguresError as err:
        print(f"{prog}: {err}", file=sys.stderr)
        return 2


def format_value(value):
    """As recorded (the precision the tool measures to), with thousands separators."""
    return f"{value:,}"


def table(recorded):
    """The Markdown table docs/performance.md shows between the markers."""
    lines = ["| figure | value | measured by | what |", "|--------|------:|-------------|------|"]
    for name, entry in recorded.items():
        lines.append(f"| `{name}` | {format_value(entry['value'])} | `{entry['command']}` | "
                     f"{entry['description']} |")
    return "\n".join(lines)


def doc_block(recorded):
    return f"{FIGURES_BEGIN}\n{table(recorded)}\n{FIGURES_END}"


def split_doc(text, doc=DOC_FILE):
    """(before, block, after) around the generated block."""
    start, end = text.find(FIGURES_BEGIN), text.find(FIGURES_END)
    if start < 0 or end < start or text.count(FIGURES_BEGIN) != 1:
        raise FiguresError(f"{doc}: needs exactly one block from '{FIGURES_BEGIN}' to "
                           f"'{FIGURES_END}'")
    end += len(FIGURES_END)
    return text[:start], text[start:end], text[end:]


def update_docs(recorded, doc=DOC_FILE):
    """Rewrite the block; True if the file changed."""
    text = Path(doc).read_text(encoding="utf-8")
    before, block, after = split_doc(text, doc)
    new = doc_block(recorded)
    if block == new:
        return False
    Path(doc).write_text(before + new + after, encoding="utf-8")
    return True


def docs_in_sync(recorded, doc=DOC_FILE):
    return split_doc(Path(doc).read_text(encoding="utf-8"), doc)[1] == doc_block(recorded)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--update-docs", action="store_true",
                        help="rewrite the figures table in docs/performance.md")
    action.add_argument("--check-docs", action="store_true",
                        help="exit 1 if docs/performance.md's table differs from the file")
    args = parser.parse_args()
    try:
        recorded = load()
        if args.update_docs:
            changed = update_docs(recorded)
            print(f"{DOC_FILE.relative_to(ROOT)}: {'updated' if changed else 'already in sync'}")
            return 0
        if docs_in_sync(recorded):
            return 0
        print(f"{DOC_FILE.relative_to(ROOT)}: the figures table differs from "
              "bench/figures.json: run python3 bench/figures.py --update-docs", file=sys.stderr)
        return 1
    except FiguresError as err:
        print(f"figures: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
