"""After an erasure, nothing of the applicant is left: not in the database file, not in its
WAL, not in storage, not in the outbox – only a tombstone without personal data."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select, text

from tests.applying import application_form, post
from tests.test_exports import SCORES
from tracker.applications.ratings import add_rating
from tracker.applications.teamwork import add_comment
from tracker.extensions import db
from tracker.mail.delivery import deliver_pending
from tracker.models import Application, AuditEvent, OutboxEmail
from tracker.privacy import erase_applicant

NAME = "Zviadauri Qvarelitestname"
EMAIL = "qvareli.trace.7731@example.org"
PHRASE = "Pheasantgorge Turbinewhisper Almanac"


def needles() -> list[bytes]:
    words = [*NAME.split(), EMAIL, *PHRASE.split()]
    return [word.lower().encode() for word in words]


def test_erasure_leaves_no_trace_anywhere(app, client, call, make_user):
    cv = f"Lebenslauf von {NAME}.\n{PHRASE} – Reportagen aus Kachetien.\n".encode()
    sample = f"Schreibprobe: {PHRASE}. Kontakt {EMAIL}.\n".encode()
    data = application_form(
        client,
        call,
        full_name=NAME,
        email=EMAIL,
        cover_letter=f"Ich bin {NAME}. {PHRASE}.",
        cv=(io.BytesIO(cv), f"{NAME} CV.txt"),
        writing_sample=(io.BytesIO(sample), "probe.txt"),
    )
    response = post(client, call, data)
    assert response.status_code == 302, response.text
    application = db.session.scalars(select(Application)).one()
    assert application.full_name == NAME
    assert len(application.documents) == 2
    report = deliver_pending()
    assert report.sent == 1
    editor = make_user("rater@example.org")
    add_comment(application, f"Talked to {NAME} ({EMAIL}) about {PHRASE}", by=editor)
    add_rating(
        application,
        by=editor,
        scores=SCORES,
        recommendation="yes",
        summary=f"{NAME} knows Kakheti",
    )
    application_id = application.id

    erase_applicant(application, by=editor, reason="admin")

    assert db.session.scalar(select(func.count()).select_from(Application)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    events = db.session.scalars(select(AuditEvent)).all()
    assert [(e.action, e.application_id, e.details) for e in events] == [
        ("application.erased", application_id, {"reason": "admin"})
    ]
    # No file of the applicant's left in storage (staging included).
    root = Path(app.config["STORAGE_ROOT"])
    for path in root.rglob("*"):
        if path.is_file():
            content = path.read_bytes().lower()
            assert not any(needle in content for needle in needles()), path

    if db.engine.dialect.name == "sqlite":
        db.session.commit()
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
        database = Path(db.engine.url.database)
        for path in (database, Path(f"{database}-wal")):
            if path.exists():
                content = path.read_bytes().lower()
                for needle in needles():
                    assert needle not in content, (path.name, needle)
    else:
        # PostgreSQL: no file to read; every text column of every table is searched instead.
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                blob = repr(tuple(row)).lower().encode()
                for needle in needles():
                    assert needle not in blob, (table.name, needle)
