"""Count the instructions one submission costs: comparing code on a noisy machine.

Timing a change of a few per cent needs a quiet machine; a count of instructions does not
depend on the neighbours. This makes submissions in process, as the bench's clients make
them through gunicorn (the form, the upload of three documents, the check page's send;
Flask's test client), on a working copy of the scratch database of N, under Valgrind's
cachegrind: once 5 and once 25 of them, so that the difference divided by 20 is one
submission's, without the start-up. The same code reads the same count to ±0.2 %.

    python -m tests.benchmarks.instructions [--n 10000]

Needs ``valgrind`` (Debian's package); DATABASE_URL=postgresql+psycopg://… as for the bench.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from urllib.parse import urlencode

from sqlalchemy import select

from tests.benchmarks.scratch import ROOT, ensure_seeded, scratch_config, working_copy
from tests.soak import harness
from tracker import create_app
from tracker.collector import settle_collector
from tracker.documents.validate import load_readers
from tracker.extensions import db
from tracker.models import Call

FEW, MANY = 5, 25
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--submit", type=int, help=argparse.SUPPRESS)  # the counted child
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.submit is not None:
        submit(args.n, args.url, args.submit)
        return
    ensure_seeded(args.n)
    work = ROOT / "instructions"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    url = working_copy(args.n, work)
    few, many = (counted(args.n, url, count) for count in (FEW, MANY))
    per_submission = (many - few) / (MANY - FEW)
    print(f"{per_submission / 1e6:.1f} million instructions a submission (N={args.n})")


def counted(n: int, url: str, count: int) -> int:
    """Return the instructions a child process that makes *count* submissions executes."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--branch-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "tests.benchmarks.instructions",
        "--n",
        str(n),
        "--url",
        url,
        "--submit",
        str(count),
    ]
    # The same hashes in every run: set and dict orders, and so the work, repeat exactly.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return instructions_counted(result.stderr)


def instructions_counted(report: str) -> int:
    """Return the instructions in cachegrind's report ("I refs: 7,187,961,608")."""
    return int(_REFS.search(report).group(1).replace(",", ""))


def submit(n: int, url: str, count: int) -> None:
    """Make three submissions to warm up, then *count* more (the counted child's work)."""
    folder = ROOT / "instructions"
    uploads = str(folder / "uploads")
    app = create_app({**scratch_config(n), "SQLALCHEMY_DATABASE_URI": url, "STORAGE_ROOT": uploads})
    load_readers()
    settle_collector()  # as tracker/wsgi.py prepares a worker
    with app.app_context():
        slug = db.session.scalar(select(Call.slug).order_by(Call.id))
    client = app.test_client()
    # Each child's applicants are new ones: numbers the earlier child did not use.
    first = 1_000_000 * count
    for number in range(first, first + 3 + count):
        submit_one(client, slug, number)


def submit_one(client, slug: str, number: int) -> None:
    page = client.get(f"/apply/{slug}", headers={"Accept-Language": "de"}).get_data(True)
    fields = list(harness.hidden_fields(page).items()) + harness.answers(number, None)
    body, content_type = harness.multipart(fields)
    check = client.post(
        f"/apply/{slug}", data=body, content_type=content_type, headers={"Accept-Language": "de"}
    ).get_data(True)
    sent = client.post(
        f"/apply/{slug}",
        data=urlencode(harness.check_page_fields(check) + [("send", "1")]),
        content_type="application/x-www-form-urlencoded",
    )
    if "/thanks" not in sent.headers.get("Location", ""):
        raise SystemExit(f"submission {number} was not stored: {sent.status_code}")


if __name__ == "__main__":
    main()
