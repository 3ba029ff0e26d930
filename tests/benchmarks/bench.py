"""`make bench`: time the pages editors wait for against raw baselines, print one table.

Each operation is timed in the same run as its baseline: inbox pages and search through
the Flask test client (a signed-in editor) against the very SQL those requests ran
(captured with an engine event) replayed through the sqlite3 module; the candidate page
against a bare route returning the same row; exports (a subprocess, with its peak RSS)
against the sqlite3 CLI dumping the same columns; submissions through gunicorn.
"""

import argparse
import os

from tests.benchmarks.exports import bench_exports
from tests.benchmarks.pages import bench_pages, build_app
from tests.benchmarks.scratch import ensure_seeded
from tests.benchmarks.submissions import bench_submissions
from tests.benchmarks.timing import REPEATS, Table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=int(os.environ.get("N", 100_000)))
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--skip", default="", help="comma list: pages,exports,submissions")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    folder = ensure_seeded(args.n)
    table = Table()
    if "pages" not in skip:
        bench_pages(build_app(args.n), folder, table)
    if "exports" not in skip:
        bench_exports(args.n, folder, table)
    if "submissions" not in skip:
        bench_submissions(args.n, folder, table, args.submissions, args.clients)
    print()
    table.print(
        f"tracker bench: N={args.n} applications, SQLite, {REPEATS} runs each "
        f"(times in ms), {os.cpu_count()} CPUs"
    )


if __name__ == "__main__":
    main()
