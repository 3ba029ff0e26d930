"""The bench's seeded database: as `make run` leaves it, and seeded again only when it is
really missing."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from tests.benchmarks import scratch
from tracker import create_app
from tracker.enums import EmailTemplateKey
from tracker.extensions import db
from tracker.models import Application, EmailTemplate
from tracker.ui_languages import UI_LANGUAGES


class Refusing:
    """An engine whose every connection fails with *error*."""

    def __init__(self, error):
        self.error = error

    def connect(self):
        raise self.error

    def dispose(self):
        pass


@pytest.fixture
def seeded_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/tracker_bench_7")
    monkeypatch.setattr(scratch, "ROOT", tmp_path)
    (tmp_path / "tracker_bench_7" / "uploads").mkdir(parents=True)


def refuse(monkeypatch, error):
    monkeypatch.setattr(scratch, "create_engine", lambda _url: Refusing(error))


@pytest.mark.parametrize(
    "missing", [psycopg.errors.InvalidCatalogName, psycopg.errors.UndefinedTable]
)
def test_a_missing_database_or_marker_means_not_seeded(seeded_folder, monkeypatch, missing):
    refuse(monkeypatch, ProgrammingError("SELECT n FROM bench_seeded", {}, missing("gone")))
    assert scratch._is_complete(7) is False


def test_a_server_that_is_restarting_stops_the_bench_instead_of_reseeding(
    seeded_folder, monkeypatch
):
    """During a PostgreSQL restart the check failed, the bench took the database for
    unseeded, dropped it and started seeding again: now the error stops the run."""
    shutting_down = psycopg.errors.CannotConnectNow("the database system is shutting down")
    refuse(monkeypatch, OperationalError("connect", {}, shutting_down))
    with pytest.raises(OperationalError):
        scratch._is_complete(7)


def test_the_scratch_database_holds_the_email_templates_as_make_run_leaves_it(
    tmp_path, monkeypatch
):
    # A submission then reads its acknowledgement's text from the database, as in
    # production; a database seeded before this is given them when it is reused.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(scratch, "ROOT", tmp_path)
    every_version = len(EmailTemplateKey) * len(UI_LANGUAGES)

    def stored() -> tuple[int, int]:
        app = create_app(scratch.scratch_config(3))
        with app.app_context():
            counts = (
                db.session.scalar(select(func.count()).select_from(Application)),
                db.session.scalar(select(func.count()).select_from(EmailTemplate)),
            )
            db.session.execute(delete(EmailTemplate))
            db.session.commit()
            db.engine.dispose()
        return counts

    scratch.ensure_seeded(3)
    assert stored() == (3, every_version)
    scratch.ensure_seeded(3)  # reused, the templates deleted above
    assert stored() == (3, every_version)
