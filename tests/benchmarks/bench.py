"""`make bench`: time the pages editors wait for against raw baselines, print one table.

Each operation is timed in the same run as its baseline: inbox pages and search through
the Flask test client (a signed-in editor) against the very SQL those requests ran
(captured with an engine event) replayed through the sqlite3 module; the candidate page
against a bare route returning the same row; exports (a subprocess, with its peak RSS)
against the sqlite3 CLI dumping the same columns; submissions through gunicorn.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import jsonify
from sqlalchemy import event, select

from tests.benchmarks.scratch import EDITOR_EMAIL, SECRET, ensure_seeded, scratch_config
from tests.soak import harness
from tracker import create_app
from tracker.extensions import db
from tracker.models import Application, Call, User
from tracker.web.access import staff

REPEATS = int(os.environ.get("BENCH_REPEATS", "30"))
WARMUP = 3
FLASK = Path(sys.executable).with_name("flask")


def percentile(samples: list[float], share: float) -> float:
    """Return the *share* quantile (0..1) of *samples*, interpolated."""
    ordered = sorted(samples)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def timed(action: Callable[[], object], repeats: int = REPEATS) -> list[float]:
    """Return *repeats* wall times of *action* in ms, after a warm-up."""
    for _ in range(WARMUP):
        action()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


class Table:
    """The one table the bench prints."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

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
        widths = [max(len(str(row[i])) for row in [header, *self.rows]) for i in range(9)]
        line = "  ".join(f"{{:<{width}}}" for width in widths)
        print(title)
        print(line.format(*header))
        print(line.format(*("-" * width for width in widths)))
        for row in self.rows:
            print(line.format(*row))


def _ms(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:.1f}"


# -- pages through the test client ---------------------------------------------------------


def build_app(n: int):
    """Return the bench app, with a bare route serving one application row as JSON."""
    app = create_app(scratch_config(n))

    @staff
    def bare_application(application_id: int):
        application = db.get_or_404(Application, application_id)
        return jsonify(
            {
                column.key: str(getattr(application, column.key))
                for column in Application.__table__.columns
            }
        )

    app.add_url_rule("/bench/applications/<int:application_id>", view_func=bare_application)
    return app


def sign_in(client, user: User) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session["session_version"] = user.session_version
        session["login_at"] = session["seen_at"] = time.time()


def captured_sql(app, client, url: str) -> list[tuple[str, object]]:
    """Return every (statement, parameters) the request for *url* sent to the database."""
    statements: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert response.status_code == 200, (url, response.status_code, response.text[:500])
    return statements


def raw_replay(path: Path, statements: list[tuple[str, object]]) -> Callable[[], None]:
    """Return a function that runs *statements* through the sqlite3 module and fetches all."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA foreign_keys=ON")

    def run() -> None:
        for statement, parameters in statements:
            if statement.strip().upper() in {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}:
                continue
            connection.execute(statement, parameters or ()).fetchall()

    return run


def bench_pages(app, folder: Path, table: Table) -> None:
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == EDITOR_EMAIL))
        db.session.expunge(user)
        some_id = db.session.scalar(
            select(Application.id)
            .order_by(Application.id)
            .offset(db.session.scalar(select(db.func.count(Application.id))) // 2)
        )
    sign_in(client, user)
    database = folder / "tracker.db"
    for name, url, target in (
        ("inbox first page", "/review/", "inbox"),
        ("inbox region+status", "/review/?region=georgia&status=new", "inbox"),
        ("inbox deep page 1000", "/review/?page=1000", "inbox"),
        ("search 'Anaklia'", "/review/?q=Anaklia", "search"),
    ):
        statements = captured_sql(app, client, url)
        samples = timed(lambda url=url: client.get(url))
        baseline = timed(raw_replay(database, statements))
        p95, base_p95 = percentile(samples, 0.95), percentile(baseline, 0.95)
        if target == "inbox":
            limit = 2 * base_p95 + 15
            verdict = (f"p95 <= 2x raw + 15 = {limit:.1f}", p95 <= limit)
        else:
            verdict = ("p95 <= 100", p95 <= 100)
        table.add(
            name,
            statistics.median(samples),
            p95,
            f"raw SQL ({len(statements)} stmts)",
            statistics.median(baseline),
            base_p95,
            *verdict,
        )
    page = f"/review/applications/{some_id}"
    bare = f"/bench/applications/{some_id}"
    assert client.get(page).status_code == 200
    assert client.get(bare).status_code == 200
    samples = timed(lambda: client.get(page))
    baseline = timed(lambda: client.get(bare))
    p95 = percentile(samples, 0.95)
    table.add(
        "candidate page",
        statistics.median(samples),
        p95,
        "bare route, same row",
        statistics.median(baseline),
        percentile(baseline, 0.95),
        "p95 <= 30",
        p95 <= 30,
    )


# -- exports ---------------------------------------------------------------------------------

BASELINE_EXPORT_SQL = """
SELECT a.reference, a.full_name, a.email, a.phone, a.country, a.country_other, a.city,
       (SELECT group_concat(r.region, '; ') FROM application_regions r
         WHERE r.application_id = a.id),
       (SELECT group_concat(l.language || ':' || l.level, '; ') FROM application_languages l
         WHERE l.application_id = a.id),
       (SELECT group_concat(t.topic, '; ') FROM application_topics t
         WHERE t.application_id = a.id),
       a.status,
       (SELECT group_concat(g.name, '; ') FROM application_tags x JOIN tags g ON g.id = x.tag_id
         WHERE x.application_id = a.id),
       (SELECT u.name FROM users u WHERE u.id = a.assignee_id),
       a.rating_count, a.rating_mean, date(a.created_at), a.id,
       (SELECT group_concat(d.kind, '; ') FROM documents d WHERE d.application_id = a.id)
FROM applications a ORDER BY a.id
"""


def run_measured(
    command: list[str], env: dict, stdout=subprocess.DEVNULL
) -> tuple[float, float, int]:
    """Run *command*; return (seconds, peak RSS in MB, exit status) of that child alone."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.PIPE)
    # wait4 reports the rusage of this child (and its waited-for descendants) only.
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        print(process.stderr.read().decode(errors="replace")[-2000:], file=sys.stderr)
    process.stderr.close()
    return seconds, usage.ru_maxrss / 1024, process.returncode


def export_available(env: dict) -> bool:
    result = subprocess.run(
        [str(FLASK), "--app", "tracker", "export", "applications", "--help"],
        env=env,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def bench_exports(n: int, folder: Path, table: Table) -> None:
    config = scratch_config(n)
    env = {
        **os.environ,
        "SECRET_KEY": SECRET,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "STORAGE_ROOT": config["STORAGE_ROOT"],
        "LOG_LEVEL": "WARNING",
    }
    out = Path(tempfile.gettempdir())
    baseline_file = out / "tracker-bench-baseline.csv"
    with open(baseline_file, "wb") as handle:
        base_seconds, base_rss, status = run_measured(
            ["sqlite3", "-csv", "-header", str(folder / "tracker.db"), BASELINE_EXPORT_SQL],
            env,
            stdout=handle,
        )
    assert status == 0
    if not export_available(env):
        for name in ("CSV export (all)", "XLSX export (all)"):
            table.add(
                name, "n/a", "n/a", "sqlite3 -csv", base_seconds * 1000, None,
                "`flask export applications` not available", None,
            )  # fmt: skip
        return
    for fmt, name in (("csv", "CSV export (all)"), ("xlsx", "XLSX export (all)")):
        target_file = out / f"tracker-bench-export.{fmt}"
        seconds, rss, status = run_measured(
            [
                str(FLASK), "--app", "tracker", "export", "applications",
                "--format", fmt, "--output", str(target_file),
            ],
            env,
        )  # fmt: skip
        if status != 0:
            table.add(name, "error", "-", "sqlite3 -csv", base_seconds * 1000, None, "-", False)
            continue
        size = target_file.stat().st_size / 1024 / 1024
        if fmt == "csv":
            target = f"<= 3x dump, RSS <= 150 MB (RSS {rss:.0f} MB, {size:.0f} MB file)"
            ok = seconds <= 3 * base_seconds and rss <= 150
        else:
            target = f"(no target; RSS {rss:.0f} MB, {size:.0f} MB file)"
            ok = None
        table.add(
            name,
            seconds * 1000,
            seconds * 1000,
            f"sqlite3 -csv (RSS {base_rss:.0f} MB)",
            base_seconds * 1000,
            base_seconds * 1000,
            target,
            ok,
        )


# -- submissions through gunicorn --------------------------------------------------------


def bench_submissions(n: int, folder: Path, table: Table, count: int, clients: int) -> None:
    """Submit *count* applications from *clients* threads to gunicorn (4 workers)."""
    work = folder / "submissions"
    if work.exists():
        import shutil

        shutil.rmtree(work)
    work.mkdir()
    # A copy of the seeded database, so that runs do not grow the reusable one.
    source = sqlite3.connect(folder / "tracker.db")
    target = sqlite3.connect(work / "tracker.db")
    source.backup(target)
    source.close()
    target.close()
    url = f"sqlite:///{work / 'tracker.db'}"
    app = create_app({**scratch_config(n), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        slug = db.session.scalar(select(Call.slug).order_by(Call.id))
        before = db.session.scalar(select(db.func.count(Application.id)))
        db.engine.dispose()
    env = harness.server_env(url, work / "uploads")
    with harness.gunicorn(env, workers=4, log=work / "gunicorn.log") as server:
        # Warm the workers (imports, first connection) before the clock starts.
        harness.submit_many(server.port, slug, 8, clients=8, start=10_000_000)
        run = harness.submit_many(server.port, slug, count, clients=clients)
    with app.app_context():
        after = db.session.scalar(select(db.func.count(Application.id)))
        db.engine.dispose()
    rate = len(run.stored) / run.seconds
    errors = len(run.failed)
    table.add(
        f"submissions, 3 docs ({count} from {clients} clients)",
        f"{rate:.1f}/s",
        f"{run.seconds:.1f} s",
        "-",
        None,
        None,
        f">= 50/s (errors {errors}, rows +{after - before})",
        rate >= 50 and errors == 0,
    )


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
