"""Bench the exports (a child process, with its peak RSS) against a dump of the same columns."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from tests.benchmarks.scratch import SECRET, scratch_config
from tests.benchmarks.timing import FLASK, Table, run_measured

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
