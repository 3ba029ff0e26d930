"""Bench the exports (a child process, with its peak RSS) against a dump of the same cells.

The baseline is the database's own CSV writer running the export's own statement
(:func:`tracker.exports.rows.export_statement`, all columns, values written in) on the
same scratch database: the sqlite3 shell (``-csv``) on SQLite, ``psql`` with ``COPY …
TO STDOUT CSV HEADER`` on PostgreSQL. Both sides then compute the same cells, the related
rows joined, ordered and formula-guarded in SQL; what the ratio measures is what tracker
adds to the database's work: starting the command, reading the rows into Python, naming
the languages, writing the file.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import make_url

from tests.benchmarks.scratch import SECRET, scratch_config
from tests.benchmarks.timing import FLASK, Table, run_measured
from tracker import create_app
from tracker.exports import check_columns
from tracker.exports.rows import export_statement
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter

# Targets of issue 15: CSV within 3x the dump, XLSX within 10 s, both within 150 MB.
CSV_RATIO = 3
XLSX_SECONDS = 10
RSS_MB = 150


def export_sql(n: int) -> str:
    """Return the statement `flask export applications --format csv` runs on the scratch
    database of *n* (every application, every column), its values written in."""
    app = create_app(scratch_config(n))
    with app.app_context():
        statement = export_statement(
            InboxFilter(), user=None, columns=check_columns(None), text=True
        )
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        db.engine.dispose()
    return sql


def baseline_command(n: int, url: str, folder: Path) -> tuple[list[str], bytes, str]:
    """Return the command dumping the export's cells as CSV from *url*, its input, its name."""
    parsed = make_url(url)
    sql = export_sql(n)
    if parsed.get_backend_name() == "postgresql":
        libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        copy = f"COPY ({sql}) TO STDOUT CSV HEADER"
        return ["psql", libpq, "-q", "-f", "-"], copy.encode(), "psql COPY"
    db_file = str(folder / "tracker.db")
    return ["sqlite3", "-csv", "-header", db_file], f"{sql};".encode(), "sqlite3 -csv"


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
    url = config["SQLALCHEMY_DATABASE_URI"]
    out = Path(tempfile.gettempdir())
    env = {
        **os.environ,
        "SECRET_KEY": SECRET,
        "DATABASE_URL": url,
        "STORAGE_ROOT": config["STORAGE_ROOT"],
        "LOG_LEVEL": "WARNING",
        # Byte-compiled as when deployed: the first run (export_available) writes the
        # cache, outside the source tree, even where PYTHONDONTWRITEBYTECODE is set.
        "PYTHONPYCACHEPREFIX": str(out / "tracker-bench-pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    baseline, statement, base_name = baseline_command(n, url, folder)
    with open(out / "tracker-bench-baseline.csv", "wb") as handle:
        base_seconds, base_rss, status = run_measured(baseline, env, stdout=handle, stdin=statement)
    assert status == 0, f"{base_name} failed"
    base_label = f"{base_name} (RSS {base_rss:.0f} MB)"
    if not export_available(env):
        for name in ("CSV export (all)", "XLSX export (all)"):
            table.add(
                name, "n/a", "n/a", base_label, base_seconds * 1000, None,
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
            table.add(name, "error", "-", base_label, base_seconds * 1000, None, "-", False)
            continue
        size = target_file.stat().st_size / 1024 / 1024
        facts = f"RSS {rss:.0f} MB, {size:.0f} MB file"
        if fmt == "csv":
            target = f"<= {CSV_RATIO}x dump, RSS <= {RSS_MB} MB ({facts})"
            ok = seconds <= CSV_RATIO * base_seconds and rss <= RSS_MB
        else:
            target = f"<= {XLSX_SECONDS} s, RSS <= {RSS_MB} MB ({facts})"
            ok = seconds <= XLSX_SECONDS and rss <= RSS_MB
        table.add(
            name,
            seconds * 1000,
            seconds * 1000,
            base_label,
            base_seconds * 1000,
            base_seconds * 1000,
            target,
            ok,
        )
