"""A scratch database of N seeded applications under /tmp, reused while it is complete."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from tracker import create_app
from tracker.extensions import db

ROOT = Path(os.environ.get("BENCH_ROOT", "/tmp/tracker-bench"))  # noqa: S108 - scratch data
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
EDITOR_EMAIL = "bench-editor@example.org"


def scratch_dir(n: int) -> Path:
    """Return the folder holding the database and storage for *n* applications."""
    return ROOT / f"n{n}"


def scratch_config(n: int) -> dict:
    """Return app overrides for the scratch database of *n* applications."""
    folder = scratch_dir(n)
    return {
        "SECRET_KEY": SECRET,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'tracker.db'}",
        "STORAGE_ROOT": str(folder / "uploads"),
        "FORM_MIN_FILL_SECONDS": 0,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": None,
        "LOG_LEVEL": "WARNING",
    }


def ensure_seeded(n: int) -> Path:
    """Seed *n* applications into the scratch database unless a finished one exists."""
    folder = scratch_dir(n)
    done = folder / "seeded"
    if done.exists():
        print(f"reusing {folder} ({n} applications)", file=sys.stderr)
        # A database seeded before a new migration is brought up to date, not thrown away.
        app = create_app(scratch_config(n))
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            db.engine.dispose()
        return folder
    if folder.exists():
        # A run interrupted while seeding: start again rather than measure half a database.
        import shutil

        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    app = create_app(scratch_config(n))
    started = time.perf_counter()
    with app.app_context():
        from flask_migrate import upgrade

        from tracker.accounts.passwords import hash_password
        from tracker.demo.seed import seed_demo
        from tracker.models import User

        upgrade()
        written = 0

        def progress(count: int) -> None:
            nonlocal written
            written += count
            if written % 10_000 == 0 or written == n:
                elapsed = time.perf_counter() - started
                print(f"  seeded {written}/{n} in {elapsed:.0f} s", file=sys.stderr)

        seed_demo(n, seed=42, progress=progress)
        db.session.add(
            User(
                email=EDITOR_EMAIL,
                name="Bench Editor",
                role="editor",
                password_hash=hash_password("bench password 123"),
            )
        )
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    done.write_text(str(n))
    print(f"seeded {n} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return folder


if __name__ == "__main__":
    ensure_seeded(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
