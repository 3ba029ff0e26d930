"""Count the instructions one submission or one page costs: comparing code on a noisy machine.

Timing a change of a few per cent needs a quiet machine; a count of instructions does not
depend on the neighbours. This does the work in process, under Valgrind's cachegrind, once
5 and once 25 times, so that the difference divided by 20 is one time's, without the
start-up; the same code reads the same count to ±0.2 %. The work is either a submission as
the bench's clients make it through gunicorn (the form, the upload of three documents, the
check page's send; Flask's test client), on a working copy of the scratch database of N, or
with ``--page`` one request for a staff page as the bench's editor, on the database itself
(``{candidate}`` in the path stands for the application the bench's candidate page shows).

    python -m tests.benchmarks.instructions [--n 10000]
    python -m tests.benchmarks.instructions --page '/review/applications/{candidate}'

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

from tests.benchmarks.pages import build_app, middle_application, sign_in
from tests.benchmarks.scratch import (
    EDITOR_EMAIL,
    ROOT,
    ensure_seeded,
    scratch_config,
    working_copy,
)
from tests.soak import harness
from tracker import create_app
from tracker.collector import settle_collector
from tracker.documents.validate import load_readers
from tracker.extensions import db
from tracker.models import Call, User

FEW, MANY = 5, 25
WARM_UP = 3
_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--page", help="a staff page's path instead of a submission")
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)  # the counted child
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count is not None:
        if args.page:
            request_page(args.n, args.page, args.count)
        else:
            submit(args.n, args.url, args.count)
        return
    ensure_seeded(args.n)
    options = ["--n", str(args.n)]
    if args.page:
        options += ["--page", args.page]
        what = f"a request for {args.page}"
    else:
        work = ROOT / "instructions"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        options += ["--url", working_copy(args.n, work)]
        what = "a submission"
    few, many = (counted(options, count) for count in (FEW, MANY))
    per_time = (many - few) / (MANY - FEW)
    print(f"{per_time / 1e6:.1f} million instructions {what} (N={args.n})")


def counted(options: list[str], count: int) -> int:
    """Return the instructions a child process that does the work *count* times executes."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--branch-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "tests.benchmarks.instructions",
        *options,
        "--count",
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
    """Make a few submissions to warm up, then *count* more (the counted child's work)."""
    uploads = str(ROOT / "instructions" / "uploads")
    app = create_app({**scratch_config(n), "SQLALCHEMY_DATABASE_URI": url, "STORAGE_ROOT": uploads})
    load_readers()
    settle_collector()  # as tracker/wsgi.py prepares a worker
    with app.app_context():
        slug = db.session.scalar(select(Call.slug).order_by(Call.id))
    client = app.test_client()
    # Each child's applicants are new ones: numbers the earlier child did not use.
    first = 1_000_000 * count
    for number in range(first, first + WARM_UP + count):
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


def request_page(n: int, page: str, count: int) -> None:
    """Request *page* a few times to warm up, then *count* more, as the bench's editor."""
    app = build_app(n)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EDITOR_EMAIL))
        db.session.expunge(user)
        path = page.format(candidate=middle_application())
    client = app.test_client()
    sign_in(client, user)
    for _ in range(WARM_UP + count):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")


if __name__ == "__main__":
    main()
