"""`make bench`: time the pages editors wait for against raw baselines, print one table.

Each operation is timed in the same run as its baseline: inbox pages and search through
the Flask test client (a signed-in editor) against the very SQL those requests ran
(captured with an engine event) replayed through the sqlite3 module or psycopg; the
candidate page against a bare route returning the same row; exports (a subprocess, with
its peak RSS) against the database's own dump of the same columns; submissions through
gunicorn. DATABASE_URL=postgresql+psycopg://… runs it all on PostgreSQL (see scratch.py);
``--compare 10000`` also times the pages at 10,000 rows and shows how each one grew.
"""

import argparse
import os
import platform
import sys

from tests.benchmarks.exports import bench_exports
from tests.benchmarks.pages import bench_pages, build_app
from tests.benchmarks.sample_facts import bench_sample_facts
from tests.benchmarks.scratch import database_kind, ensure_seeded
from tests.benchmarks.submissions import bench_submissions
from tests.benchmarks.timing import REPEATS, Table, reference_loop_ms
from tracker.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("N", 100_000)))
    parser.add_argument("--submissions", type=int, default=200)
    # Issue 15 asks for 50 submissions a second from 16 clients at once.
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--skip", default="", help="comma list: pages,exports,samples,submissions")
    parser.add_argument(
        "--compare", type=int, metavar="N", help="also time the pages at N rows: growth column"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    folder = ensure_seeded(args.n)
    table = Table()
    if "pages" not in skip:
        before = None
        if args.compare:
            ensure_seeded(args.compare)
            before = run_pages(args.compare, Table())
        p95s = run_pages(args.n, table)
        if before is not None:
            table.compare(args.compare, before, p95s)
    if "exports" not in skip:
        bench_exports(args.n, folder, table)
    if "samples" not in skip:
        bench_sample_facts(args.n, folder, table)
    if "submissions" not in skip:
        bench_submissions(args.n, folder, table, args.submissions, args.clients)
    print()
    table.print(
        f"tracker bench: N={args.n} applications, {database_kind()}, {REPEATS} runs each "
        f"(times in ms), {os.cpu_count()} CPUs, Python {platform.python_version()} from "
        f"{sys.base_prefix}; a reference Python loop (10^6 additions) takes "
        f"{reference_loop_ms():.0f} ms here"
    )


def run_pages(n: int, table: Table) -> dict[str, float]:
    """Time the pages of the seeded database of *n* rows into *table*; return p95 by page."""
    app = build_app(n)
    try:
        return bench_pages(app, n, table)
    finally:
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
