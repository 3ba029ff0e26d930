"""Timing helpers of `make bench`: percentiles, repeated timing, measured children, the table."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# A p95 of 30 samples lies between the second and third slowest, where one hiccup of a
# shared machine moves it; of 100, between the fifth and sixth.
REPEATS = int(os.environ.get("BENCH_REPEATS", "100"))
WARMUP = 3
# How much slower a page may get from N = 10,000 to 100,000 (`--compare`).
GROWTH_GOAL = 1.5
FLASK = Path(sys.executable).with_name("flask")


def percentile(samples: list[float], share: float) -> float:
    """Return the *share* quantile (0..1) of *samples*, interpolated."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def elapsed_ms(action: Callable[[], object]) -> float:
    """Run *action* once; return its wall time in ms."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def timed(action: Callable[[], object], repeats: int = REPEATS) -> list[float]:
    """Return *repeats* wall times of *action* in ms, after a warm-up."""
    for _ in range(WARMUP):
        action()
    return [elapsed_ms(action) for _ in range(repeats)]


def timed_alternately(
    action: Callable[[], object], baseline: Callable[[], object], repeats: int = REPEATS
) -> tuple[list[float], list[float]]:
    """Return *repeats* wall times in ms of *action* and of *baseline*, taken in turn.

    A page and the baseline it is judged against are timed one after the other, sample by
    sample, not in two blocks: a machine shared with others speeds up and slows down by the
    minute, and two blocks would compare the page in one minute with its SQL in the next.
    """
    for _ in range(WARMUP):
        action()
        baseline()
    pairs = [(elapsed_ms(action), elapsed_ms(baseline)) for _ in range(repeats)]
    return [page for page, _ in pairs], [base for _, base in pairs]


def reference_loop_ms() -> float:
    """Return the best of five timings of a fixed pure-Python loop (a million additions), ms.

    The targets are absolute (50 submissions a second, 10 ms over the SQL), and the machine
    the bench runs on is not always as fast: the same code read half the submissions and
    twice the page times on one day as on another. Printed with the table, this number
    says which machine a table came from, so that two tables are compared fairly.
    """

    def loop() -> None:
        total = 0
        for number in range(1_000_000):
            total += number

    return min(timed(loop, repeats=5))


class Table:
    """The one table the bench prints."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []
        # An extra column (`--compare`): its header, and its cell by operation.
        self.extra_header = ""
        self.extra: dict[str, str] = {}

    def compare(self, other_n: int, other: dict[str, float], these: dict[str, float]) -> None:
        """Add a column: each operation's p95 at *other_n* rows and how much it grew since."""
        self.extra_header = f"p95 at N={other_n} -> here (goal <= {GROWTH_GOAL}x)"
        for name, p95 in these.items():
            if name in other:
                factor = p95 / other[name]
                verdict = "PASS" if factor <= GROWTH_GOAL else "FAIL"
                self.extra[name] = f"{other[name]:.1f} -> {p95:.1f} = {factor:.2f}x {verdict}"

    def add(self, name, median, p95, base_name, base_median, base_p95, target, ok) -> None:
        numeric = all(isinstance(value, float) for value in (p95, base_p95))
        ratio = f"{p95 / base_p95:.1f}x" if numeric and base_p95 else "-"
        verdict = {True: "PASS", False: "FAIL", None: "-"}[ok]
        self.rows.append(
            (
                name,
                _ms(median),
                _ms(p95),
                base_name,
                _ms(base_median),
                _ms(base_p95),
                ratio,
                target,
                verdict,
            )
        )
        print(f"  done: {name}", file=sys.stderr)

    def print(self, title: str) -> None:
        header = (
            "operation",
            "median",
            "p95",
            "baseline",
            "b.median",
            "b.p95",
            "p95 ratio",
            "target",
            "result",
        )
        rows = self.rows
        if self.extra_header:
            header = (*header, self.extra_header)
            rows = [(*row, self.extra.get(row[0], "-")) for row in rows]
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        line = "  ".join(f"{{:<{width}}}" for width in widths)
        print(title)
        print(line.format(*header))
        print(line.format(*("-" * width for width in widths)))
        for row in rows:
            print(line.format(*row))


def _ms(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:.1f}"


# Runs the command in a child of its own and reports that child's wall time and peak RSS.
# Measured from a small launcher, not from the bench: a child forked by a big process
# starts its life sharing (and, on Linux, counting) the parent's pages, so wait4 would
# report the bench's own peak for a command that needs a few megabytes (sqlite3 -csv).
_LAUNCHER = """
import os, sys, time
report, command = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as handle:
    handle.write(f"{time.perf_counter() - started} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(
    command: list[str], env: dict, stdout=subprocess.DEVNULL, stdin: bytes | None = None
) -> tuple[float, float, int]:
    """Run *command* (with *stdin* as its input); return (seconds, peak RSS in MB, exit
    status) of that command alone."""
    with tempfile.NamedTemporaryFile("r", suffix=".rusage") as report:
        process = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _LAUNCHER, report.name, *command],
            env=env,
            input=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
            check=False,
        )
        measured = report.read().split()
    if process.returncode != 0 or len(measured) != 2:
        print(process.stderr.decode(errors="replace")[-2000:], file=sys.stderr)
    if len(measured) != 2:
        return 0.0, 0.0, process.returncode or 1
    seconds, kilobytes = measured
    return float(seconds), int(kilobytes) / 1024, process.returncode
