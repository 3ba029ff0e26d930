"""After an erasure, nothing of the applicant is left anywhere in the instance folder: not
in the database file, its -wal, -shm or -journal, not in the FTS index, storage, staging,
the log file, the outbox or the audit log – only a tombstone without personal data.

Each kind of erasure is tried: an admin's, the applicant's own (confirmed through the
emailed link) and the retention purge (``flask --app tracker privacy purge``)."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.applying import application_form, post
from tests.conftest import hidden_fields
from tests.reply_mails import reply
from tests.test_exports import SCORES
from tests.test_privacy import request_link
from tracker.applications.pipeline import set_status
from tracker.applications.ratings import add_rating
from tracker.applications.teamwork import add_comment, add_tag, all_tags, assign
from tracker.enums import Status
from tracker.exports import export_file
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.mail.delivery import deliver_pending
from tracker.mail.outbox import reply_to_address
from tracker.models import (
    ApplicantReply,
    Application,
    AuditEvent,
    Notification,
    NotificationChoice,
    OutboxEmail,
    ReplyAttachment,
    utcnow,
)
from tracker.notifications.digest import send_due_digests
from tracker.replies.filing import file_reply
from tracker.replies.message import parse_mail
from tracker.search import matching_application_ids
from tracker.subject_access import subject_access_archive

NAME = "Zviadauri Qvarelitestname"
EMAIL = "tracewidget.qv7731@example.org"
PHRASE = "Pheasantgorge Turbinewhisper Almanac"
COMMENT = "Marmalouste Brindlecrag"
TAG = "Hollyquintet"


def needles() -> list[bytes]:
    """Everything that would betray the person, as it may be stored (the index lowercases)."""
    words = [*NAME.split(), EMAIL, "tracewidget", *PHRASE.split(), *COMMENT.split(), TAG]
    return [word.lower().encode() for word in words]


def traces(folder: Path) -> list[tuple[str, str]]:
    """Return (file, needle) for every needle found in any file below *folder*."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            content = path.read_bytes().lower()
            found += [
                (str(path.relative_to(folder)), needle.decode())
                for needle in needles()
                if needle in content
            ]
    return found


def on_sqlite(app_config: dict) -> bool:
    return app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


@pytest.fixture
def instance(tmp_path) -> Path:
    """The instance folder: database, storage (with staging) and the log file."""
    folder = tmp_path / "instance"
    (folder / "logs").mkdir(parents=True)
    return folder


@pytest.fixture
def app_config(app_config, instance):
    if on_sqlite(app_config):
        app_config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'tracker.db'}"
    app_config["STORAGE_ROOT"] = str(instance / "storage")
    app_config["DIGEST_HOUR"] = 0  # the day's digests are due whenever the test runs
    # The app's own loggers at their most talkative: nothing they write may name anyone.
    app_config["LOG_LEVEL"] = "DEBUG"
    return app_config


@pytest.fixture
def log_file(app, instance):
    """A log file in the instance folder, as an operator's handler would write it."""
    path = instance / "logs" / "tracker.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    yield path
    root.removeHandler(handler)
    handler.close()


def apply_and_work_on(client, call, admin, editor) -> Application:
    """Submit the person's application and do to it what the desk does."""
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
    application = db.session.scalars(select(Application).where(Application.full_name == NAME)).one()
    assert len(application.documents) == 2
    assert deliver_pending().sent == 1  # the acknowledgement: sent, its row kept
    add_comment(application, f"Talked to {NAME} ({EMAIL}) about {COMMENT}", by=editor)
    add_rating(
        application, by=editor, scores=SCORES, recommendation="yes", summary=f"{NAME}: {COMMENT}"
    )
    set_status(application, Status.IN_REVIEW, by=editor, note=f"{COMMENT} for {NAME}")
    for tag_name in (TAG, "video"):
        add_tag(application, tag_name, by=editor)
    # The person answers an email; the worker files the reply with its attachment.
    answer = reply(
        to=reply_to_address(application),
        sender=f"{NAME} <{EMAIL}>",
        subject=f"Re: {COMMENT}",
        body=f"Danke! {PHRASE}.\n",
        attachments=((f"{NAME} Nachtrag.txt", f"Nachtrag von {NAME}: {PHRASE}\n".encode()),),
    )
    filed = file_reply(application, parse_mail(answer))
    assert len(filed.attachments) == 1
    # The admin looks the person up, exports the list found and their subject-access file.
    exported = export_file("csv", InboxFilter(q=NAME), user=admin, columns=["full_name", "email"])
    assert NAME in "".join(exported.chunks)
    subject_access_archive(application, by=admin).close()
    return application


def erase(kind: str, application: Application, *, client, admin_client, runner, editor):
    """Erase *application* the way *kind* says."""
    if kind == "admin":
        url = f"/admin/applications/{application.id}/erase"
        token = hidden_fields(admin_client.get(url).text)["csrf_token"]
        assert admin_client.post(url, data={"csrf_token": token}).status_code == 302
    elif kind == "applicant":
        link = request_link(client, application)
        assert deliver_pending().sent == 1  # the confirmation link went out
        page = client.get(link)
        response = client.post(link, data=hidden_fields(page.text))
        assert response.status_code == 200, response.text
    else:
        set_status(
            application, Status.REJECTED, by=editor, note=f"No, {NAME}", reason="region_covered"
        )
        application.decided_at = utcnow() - timedelta(days=400)
        db.session.commit()
        result = runner.invoke(args=["privacy", "purge"])
        assert result.exit_code == 0, result.output
        assert "Erased 1 application." in result.output


@pytest.mark.parametrize("kind", ["admin", "applicant", "purge"])
def test_erasure_leaves_no_trace_in_any_file_of_the_instance(
    kind, app, app_config, instance, log_file, client, admin_client, runner, call, make_user
):
    admin = admin_client.user
    editor = make_user("rater@example.org", name="Rita Rater")
    other = db.session.get(Application, post_other(client, call))
    add_tag(other, "video", by=editor)
    application = apply_and_work_on(client, call, admin, editor)
    # The team is told: an email at once to the editor it is assigned to, and a digest each
    # naming the person (and the other applicant).
    db.session.add(NotificationChoice(user_id=editor.id, event="assigned", delivery="at_once"))
    db.session.commit()
    assign(application, editor, by=admin)
    assert send_due_digests(utcnow() + timedelta(minutes=1)) == 2
    assert deliver_pending().sent == 3  # sent, their rows kept
    assert db.session.scalar(select(func.count()).select_from(Notification)) > 0
    application_id = application.id
    assert traces(instance)  # the needles are there to be found before the erasure

    erase(kind, application, client=client, admin_client=admin_client, runner=runner, editor=editor)

    db.session.commit()
    assert db.session.scalars(select(Application.id)).all() == [other.id]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.to_address != other.email)
        )
        == 0
    )
    tombstones = db.session.scalars(
        select(AuditEvent).where(AuditEvent.application_id == application_id)
    ).all()
    actor = {"admin": admin.id, "applicant": None, "purge": None}[kind]
    reason = {"admin": "admin", "applicant": "applicant request", "purge": "retention"}[kind]
    assert [(e.action, e.actor_id, e.details) for e in tombstones] == [
        ("application.erased", actor, {"reason": reason})
    ]
    # The export stays audited, but its search is not the person's name.
    export = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.csv")).one()
    assert export.details == {
        "filter": "q=[redacted]",
        "rows": 1,
        "columns": ["full_name", "email"],
        "headers": "people",
    }
    # Their replies and the files attached went with them.
    assert db.session.scalar(select(func.count()).select_from(ApplicantReply)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReplyAttachment)) == 0
    # The person's own tag is gone with them; the shared one stays.
    assert [tag.name for tag in all_tags()] == ["video"]
    # Their notifications went with them; the other applicant's stay.
    assert set(db.session.scalars(select(Notification.application_id))) == {other.id}
    # The search finds the other applicant still, and nothing of the erased one.
    assert list(db.session.scalars(matching_application_ids("Lomidze"))) == [other.id]
    for word in (*NAME.split(), *PHRASE.split()):
        assert list(db.session.scalars(matching_application_ids(word))) == []
    # Database, -wal, -shm, -journal, storage with staging, and the log file.
    assert log_file.stat().st_size > 0
    assert traces(instance) == []
    if on_sqlite(app_config):
        wal = instance / "tracker.db-wal"
        assert not wal.exists() or wal.stat().st_size == 0
    else:
        # PostgreSQL keeps its files out of reach; every row of every table is searched.
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                blob = repr(tuple(row)).lower().encode()
                for needle in needles():
                    assert needle not in blob, (table.name, needle)


def post_other(client, call) -> int:
    """Submit the application of someone else, who stays; return its id."""
    data = application_form(client, call, full_name="Tamar Lomidze", email="tamar@example.org")
    assert post(client, call, data).status_code == 302
    assert deliver_pending().sent == 1
    return db.session.scalars(
        select(Application.id).where(Application.full_name == "Tamar Lomidze")
    ).one()
