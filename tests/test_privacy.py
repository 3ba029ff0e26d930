"""Retention purge, erasure by an admin or by the applicant, and subject access."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.conftest import hidden_fields
from tests.storage_backends import all_object_names, object_exists, stored_bytes
from tests.test_exports import SCORES, store_document
from tracker import privacy
from tracker.applications.pipeline import set_status
from tracker.applications.ratings import add_rating
from tracker.applications.status_links import make_status_token
from tracker.applications.teamwork import add_comment, add_tag, all_tags, remove_tag
from tracker.enums import Status
from tracker.extensions import db, mail
from tracker.jobs import runner
from tracker.mail.delivery import deliver_pending
from tracker.mail.outbox import queue
from tracker.models import (
    Application,
    AuditEvent,
    Comment,
    Document,
    Job,
    OutboxEmail,
    Rating,
    SearchEntry,
    StatusChange,
    utcnow,
)
from tracker.search import index_application


def decided(make_application, status: str, days_ago: int, **fields) -> Application:
    return make_application(status=status, decided_at=utcnow() - timedelta(days=days_ago), **fields)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- decided_at ---------------------------------------------------------------------


def test_decided_at_is_set_on_a_final_status_and_cleared_when_reopened(make_application, make_user):
    editor = make_user()
    application = make_application(status=Status.IN_REVIEW.value)
    set_status(application, Status.REJECTED, by=editor, reason="region_covered")
    assert application.decided_at is not None
    set_status(application, Status.IN_REVIEW, by=editor)
    assert application.decided_at is None


# --- purge --------------------------------------------------------------------------


def test_purge_dry_run_lists_what_has_expired_and_erases_nothing(runner, make_application):
    old = decided(make_application, "rejected", 200)
    decided(make_application, "rejected", 100)
    decided(make_application, "accepted", 2000)
    result = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"would erase application {old.id} (rejected, decided " in result.output
    assert "Would erase 1 application." in result.output
    assert count(Application) == 3


def test_purge_erases_only_expired_applications(runner, make_application):
    expired = [
        decided(make_application, "rejected", 184),
        decided(make_application, "withdrawn", 400),
    ]
    kept = [
        decided(make_application, "rejected", 180),
        decided(make_application, "accepted", 4000),
        make_application(status="new"),
    ]
    expired_ids = [a.id for a in expired]
    kept_ids = [a.id for a in kept]
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "Erased 2 applications." in result.output
    assert sorted(db.session.scalars(select(Application.id))) == sorted(kept_ids)
    tombstones = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(t.action, t.application_id, t.actor_id, t.details) for t in tombstones] == [
        ("application.erased", application_id, None, {"reason": "retention"})
        for application_id in expired_ids
    ]
    # A second run has nothing left to do.
    assert privacy.purge_expired().count == 0


def test_purge_follows_the_configured_policy(app, make_application):
    app.config["RETENTION_DAYS"] = {"accepted": 10}
    decided(make_application, "accepted", 11)
    decided(make_application, "rejected", 1000)
    report = privacy.purge_expired()
    assert report.count == 1
    assert db.session.scalars(select(Application.status)).all() == ["rejected"]


def test_interrupted_purge_leaves_whole_erasures_and_a_rerun_completes(
    storage, app, make_application, monkeypatch
):
    applications = [decided(make_application, "rejected", 300) for _ in range(5)]
    for application in applications:
        store_document(application, "cv", "cv.txt", b"cv of " + application.reference.encode())
    keys = {a.id: a.documents[0].storage_key for a in applications}
    ids = [a.id for a in applications]
    real = privacy.remove_application
    calls = []

    def interrupted(application_id):
        # Each batch takes its applications out of the search index first: stop at the
        # first of the second batch, before that batch commits.
        calls.append(application_id)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(application_id)

    monkeypatch.setattr(privacy, "remove_application", interrupted)
    with pytest.raises(KeyboardInterrupt):
        privacy.purge_expired(batch=2)
    db.session.rollback()
    assert sorted(db.session.scalars(select(Application.id))) == ids[2:]
    assert count(Document) == 3
    for application_id in ids:
        assert object_exists(keys[application_id]) == (application_id in ids[2:])
    monkeypatch.setattr(privacy, "remove_application", real)
    assert privacy.purge_expired(batch=2).count == 3
    assert count(Application) == 0
    assert count(Document) == 0
    assert not any(object_exists(key) for key in keys.values())
    assert all_object_names() == []
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "application.erased")
        )
        == 5
    )


# --- erasure ------------------------------------------------------------------------


def full_application(make_application, make_user):
    """An application with every kind of related row."""
    editor = make_user("rater@example.org")
    application = make_application()
    index_application(application)
    db.session.commit()
    store_document(application, "cv", "cv.txt", b"curriculum")
    add_rating(application, by=editor, scores=SCORES, recommendation="yes")
    add_comment(application, "Strong on Kutaisi", by=editor)
    set_status(application, Status.IN_REVIEW, by=editor)
    queue(
        to_address=application.email,
        subject="Hello",
        body_text="Body",
        template="custom",
        language="de",
        application=application,
    )
    db.session.commit()
    return application, editor


def test_erasure_removes_rows_files_search_entry_and_audit_events(
    storage, make_application, make_user
):
    application, editor = full_application(make_application, make_user)
    other = make_application(email="other@example.org")
    key = application.documents[0].storage_key
    application_id = application.id
    assert stored_bytes(key) == b"curriculum"
    privacy.erase_applicant(application, by=editor, reason="admin")
    for model in (Document, OutboxEmail, Rating, Comment, StatusChange, SearchEntry):
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.application_id == application_id)
            )
            == 0
        ), model
    assert db.session.scalars(select(Application.id)).all() == [other.id]
    assert not object_exists(key)
    assert all_object_names() == []
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.application_id == application_id)
    ).all()
    assert [(e.action, e.actor_id, e.details) for e in events] == [
        ("application.erased", editor.id, {"reason": "admin"})
    ]


def test_erasure_while_an_email_is_being_sent_sends_nothing(
    app, make_application, make_user, monkeypatch
):
    application = make_application()
    email = queue(
        to_address=application.email,
        subject="Decision",
        body_text="Body",
        template="custom",
        language="de",
        application=application,
    )
    db.session.commit()
    email_id = email.id
    real_claim = runner.claim_next

    def claim_then_erase(now, kinds):
        claimed = real_claim(now, kinds)
        if claimed is not None:
            assert db.session.get(OutboxEmail, email_id).status == "sending"
            privacy.erase_applicant(
                db.session.get(Application, application.id), by=None, reason="admin"
            )
        return claimed

    monkeypatch.setattr(runner, "claim_next", claim_then_erase)
    # Every transport (SMTP or console) signals each email it sends: none may be sent.
    with mail.record_messages() as sent:
        report = deliver_pending()
    assert sent == []
    assert (report.attempted, report.sent) == (1, 0)
    assert db.session.get(OutboxEmail, email_id) is None
    assert db.session.scalars(select(Job)).all() == []  # its job went with it


def test_admin_erase_page_confirms_then_erases(admin_client, make_application, make_user):
    application, _ = full_application(make_application, make_user)
    page = admin_client.get(f"/admin/applications/{application.id}/erase?lang=en").text
    assert "Erase Nino Beridze" in page
    assert "1 document(s) and their stored files" in page
    token = hidden_fields(page)["csrf_token"]
    response = admin_client.post(
        f"/admin/applications/{application.id}/erase", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert count(Application) == 0


def test_editors_cannot_erase_or_export_subject_access(editor_client, make_application):
    application = make_application()
    token = hidden_fields(editor_client.get(f"/review/applications/{application.id}").text)
    url = f"/admin/applications/{application.id}/erase"
    assert editor_client.get(url).status_code == 403
    assert editor_client.post(url, data={"csrf_token": token["csrf_token"]}).status_code == 403
    subject_access = f"/admin/applications/{application.id}/subject-access"
    assert editor_client.get(subject_access).status_code == 403
    assert count(Application) == 1


def test_erasure_removes_the_tags_no_one_else_carries(make_application, make_user):
    editor = make_user("rater@example.org")
    erased, other = make_application(), make_application(email="other@example.org")
    add_tag(other, "shared", by=editor)
    add_tag(other, "vocabulary", by=editor)
    remove_tag(other, "vocabulary", by=editor)  # unused now, but not the erased one's
    for tag_name in ("Nino's contacts", "shared"):
        add_tag(erased, tag_name, by=editor)
    privacy.erase_applicant(erased, by=editor, reason="admin")
    assert [tag.name for tag in all_tags()] == ["shared", "vocabulary"]
    assert [tag.name for tag in other.tags] == ["shared"]


# --- what stays on disk -------------------------------------------------------------


def sqlite_wal(app) -> Path:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("only SQLite keeps a -wal file the app can empty")
    return Path(f"{db.engine.url.database}-wal")


def test_erasure_empties_the_sqlite_wal(app, make_application):
    wal = sqlite_wal(app)
    application = make_application(full_name="Walburga Framesworth")
    assert b"Framesworth" in wal.read_bytes()
    privacy.erase_applicant(application, by=None, reason="admin")
    assert wal.stat().st_size == 0


@pytest.fixture
def short_busy_timeout(app_config):
    """Wait 50 ms, not 5 s, for a reader to finish (requested before `app` is built)."""
    app_config["SQLITE_BUSY_TIMEOUT_MS"] = 50


def test_a_wal_still_read_is_emptied_by_the_next_purge(
    short_busy_timeout, app, make_application, caplog
):
    wal = sqlite_wal(app)
    app.config["RETENTION_DAYS"] = {}  # nothing to purge: the run still empties the WAL
    application = make_application(full_name="Walburga Framesworth")
    # Another worker is in the middle of reading: the WAL cannot be truncated under it.
    reader = sqlite3.connect(db.engine.url.database, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM applications").fetchone() == (1,)
    try:
        privacy.erase_applicant(application, by=None, reason="admin")
        assert "the SQLite WAL is still being read" in caplog.text
        assert b"Framesworth" in wal.read_bytes()
    finally:
        reader.close()
    assert privacy.purge_expired().count == 0
    assert wal.stat().st_size == 0


def test_purge_vacuums_the_tables_that_held_personal_data_on_postgresql(app, make_application):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's; SQLite overwrites deleted rows (secure_delete)")
    assert privacy.PERSONAL_TABLES == [
        "applicant_replies",
        "applicant_safety",  # an applicant at risk's wishes and safe channel
        "application_languages",
        "application_need_to_know",
        "application_regions",
        "application_tags",
        "application_topics",
        "applications",
        "assignments",
        "audit_events",
        "comments",
        "documents",
        "expert_invitations",
        "expert_languages",
        "expert_regions",
        "expert_topics",
        "experts",
        "jobs",  # a delivery job's last error may quote the address
        "notifications",
        "outbox_emails",
        "ratings",
        "recusals",
        "reply_addresses",
        "reply_attachments",
        "sample_bands",
        "sample_facts",
        "sample_matches",  # the passages two samples share
        "search_entries",
        "status_changes",
        "tags",
        "translation_previews",
    ]
    privacy.erase_applicant(make_application(), by=None, reason="admin")
    assert privacy.purge_expired().count == 0  # nothing expired: it still cleans up
    db.session.commit()
    counts = dict(
        db.session.execute(
            text("SELECT relname, vacuum_count FROM pg_stat_user_tables WHERE vacuum_count > 0")
        ).all()
    )
    assert sorted(counts) == privacy.PERSONAL_TABLES


# --- the applicant's own request ----------------------------------------------------


def request_link(client, application) -> str:
    token = make_status_token(application)
    db.session.commit()
    page = client.get(f"/status/{token}?lang=en").text
    assert "Delete my data" in page
    csrf = re.search(
        r'action="/status/[^"]+/erase-request[^"]*">\s*<input id="csrf_token" name="csrf_token" '
        r'type="hidden" value="([^"]+)"',
        page,
    ).group(1)
    response = client.post(f"/status/{token}/erase-request?lang=en", data={"csrf_token": csrf})
    assert response.status_code == 302
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.template == "erasure_confirm")
    ).one()
    assert email.to_address == application.email
    assert email.status == "queued"
    return re.search(r"http://localhost(/status/erase/\S+)", email.body_text).group(1)


def test_applicant_erases_through_the_emailed_link_once(client, make_application):
    application = make_application(preferred_language="en")
    link = request_link(client, application)
    email = db.session.scalars(select(OutboxEmail)).one()
    assert email.subject == f"Confirm the deletion of your data ({application.reference})"
    assert email.language == "en"
    assert count(Application) == 1  # nothing is erased before the link is opened
    page = client.get(link + "?lang=en")
    assert page.status_code == 200
    assert "Delete my data now" in page.text
    response = client.post(link, data=hidden_fields(page.text))
    assert response.status_code == 200
    assert "We have deleted your application" in response.text
    assert count(Application) == 0
    assert count(OutboxEmail) == 0
    tombstone = db.session.scalars(select(AuditEvent)).one()
    assert (tombstone.action, tombstone.actor_id, tombstone.details) == (
        "application.erased",
        None,
        {"reason": "applicant request"},
    )
    again = client.get(link + "?lang=en")
    assert again.status_code == 404
    assert "This confirmation link no longer works" in again.text
    assert client.post(link, data=hidden_fields(page.text)).status_code == 404


def test_erasure_request_names_the_configured_link_lifetime(client, make_application):
    client.application.config["ERASURE_LINK_MAX_AGE_HOURS"] = 24
    application = make_application(preferred_language="en")
    token = make_status_token(application)
    db.session.commit()
    request_link(client, application)
    page = client.get(f"/status/{token}?lang=en").text
    assert (
        "We have sent you an email with a link. Open it within 24 hours to confirm that we "
        "should delete your data."
    ) in page


def test_expired_erasure_link_says_so_and_erases_nothing(client, make_application):
    application = make_application()
    link = request_link(client, application)
    client.application.config["ERASURE_LINK_MAX_AGE_HOURS"] = -1
    page = client.get(link + "?lang=en")
    assert page.status_code == 404
    assert "This confirmation link has expired" in page.text
    assert count(Application) == 1


def test_forged_erasure_link_does_not_work(client, make_application):
    make_application()
    page = client.get("/status/erase/forged.token.value?lang=en")
    assert page.status_code == 404
    assert "no longer works" in page.text


# --- subject access -----------------------------------------------------------------


def test_subject_access_archive_holds_everything_about_the_applicant(
    admin_client, make_application, make_user
):
    application, editor = full_application(make_application, make_user)
    email = db.session.scalars(select(OutboxEmail)).one()
    email.status, email.sent_at = "sent", utcnow()
    db.session.commit()
    response = admin_client.get(f"/admin/applications/{application.id}/subject-access")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="subject-access-{application.reference}.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = sorted(archive.namelist())
        data = json.loads(archive.read("data.json"))
        assert archive.read("documents/cv-cv.txt") == b"curriculum"
        assert archive.read("emails/01-Hello.txt").decode().endswith("\n\nBody")
    assert names == ["data.json", "documents/cv-cv.txt", "emails/01-Hello.txt"]
    assert data["full_name"] == "Nino Beridze"
    assert data["email"] == "nino@example.org"
    assert data["languages"] == [
        {
            "language": "de",
            "level": "B2",
            "name": None,
            "in_words": "German: B2 (upper intermediate)",
        }
    ]
    assert data["topics"] == ["politics"]
    assert (data["country"], data["country_other"], data["city"], data["regions"]) == (
        "georgia",
        None,
        "Kutaisi",
        ["georgia"],
    )
    assert [(c["author"], c["body"]) for c in data["comments"]] == [
        (editor.name, "Strong on Kutaisi")
    ]
    assert [(r["editor"], r["recommendation"], r["sourcing"]) for r in data["ratings"]] == [
        (editor.name, "yes", 4)
    ]
    assert [(h["from"], h["to"]) for h in data["status_history"]] == [("new", "in_review")]
    assert [(e["subject"], e["body"]) for e in data["emails"]] == [("Hello", "Body")]
    assert [(d["kind"], d["filename"]) for d in data["documents"]] == [("cv", "cv.txt")]
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "application.subject_access_exported")
    ).one()
    assert audit.actor_id == admin_client.user.id
