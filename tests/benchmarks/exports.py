"""Bench the exports (a child process, with its peak RSS) against a dump of the same columns.

The baseline is the database's own CSV writer, run on the same scratch database: the
sqlite3 shell (``-csv``) on SQLite, ``psql \\copy … TO STDOUT CSV HEADER`` on PostgreSQL,
each joining the related rows with its aggregate (group_concat, string_agg).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import make_url

from tests.benchmarks.scratch import SECRET, scratch_config
from tests.benchmarks.timing import FLASK, Table, run_measured

# The export's columns, related rows joined in SQL; {agg} is the dialect's aggregate.
_BASELINE_EXPORT_SQL = """
SELECT a.reference, a.full_name, a.email, a.phone, a.country, a.country_other, a.city,
       (SELECT {agg}(r.region, '; ') FROM application_regions r
         WHERE r.application_id = a.id),
       (SELECT {agg}(l.language || ':' || l.level, '; ') FROM application_languages l
         WHERE l.application_id = a.id),
       (SELECT {agg}(t.topic, '; ') FROM application_topics t
         WHERE t.application_id = a.id),
       a.status,
       (SELECT {agg}(g.name, '; ') FROM application_tags x JOIN tags g ON g.id = x.tag_id
         WHERE x.application_id = a.id),
       (SELECT u.name FROM users u WHERE u.id = a.assignee_id),
       a.rating_count, a.rating_mean, {day}, a.id,
       (SELECT {agg}(d.kind, '; ') FROM documents d WHERE d.application_id = a.id)
FROM applications a ORDER BY a.id DESC
"""
BASELINE_EXPORT_SQL = _BASELINE_EXPORT_SQL.format(agg="group_concat", day="date(a.created_at)")
BASELINE_EXPORT_SQL_PG = _BASELINE_EXPORT_SQL.format(
    agg="string_agg", day="to_char(a.created_at, 'YYYY-MM-DD')"
)
# Targets of issue 15: CSV within 3x the dump, XLSX within 10 s, both within 150 MB.
CSV_RATIO = 3
XLSX_SECONDS = 10
RSS_MB = 150


def baseline_command(url: str, folder: Path) -> tuple[list[str], str]:
    """Return the command dumping the export's columns as CSV from *url*, and its name."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        sql = " ".join(BASELINE_EXPORT_SQL_PG.split())
        return ["psql", libpq, "-qc", f"\\copy ({sql}) TO STDOUT CSV HEADER"], "psql \\copy"
    return ["sqlite3", "-csv", "-header", str(folder / "tracker.db"), BASELINE_EXPORT_SQL], (
        "sqlite3 -csv"
    )


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
    baseline, base_name = baseline_command(url, folder)
    with open(out / "tracker-bench-baseline.csv", "wb") as handle:
        base_seconds, base_rss, status = run_measured(baseline, env, stdout=handle)
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
