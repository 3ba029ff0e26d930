"""The kinds of job the app declares: text extraction after submit, the daily purge, and
the worker command that runs them all with the emails."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tests.applying import application_form, post
from tests.drawn_pdfs import store_pdf
from tests.test_privacy import decided
from tracker.documents.extract_job import queue_extraction
from tracker.extensions import db
from tracker.jobs.runner import queue_recurring, run_pending
from tracker.models import Application, Document, Job, OutboxEmail, SampleFacts, utcnow
from tracker.privacy import erase_applicant
from tracker.search import matching_application_ids

NOT_YET = "Text not extracted yet — it will be searchable in a moment."


def apply(client, call) -> Application:
    response = post(client, call, application_form(client, call))
    assert response.status_code == 302, response.text
    reference = response.headers["Location"].rsplit("/", 1)[1]
    return db.session.scalar(select(Application).where(Application.reference == reference))


def found(query: str) -> list[str]:
    return list(
        db.session.scalars(
            select(Application.reference).where(Application.id.in_(matching_application_ids(query)))
        )
    )


def test_a_submission_queues_one_extraction_and_its_email_in_its_transaction(client, call):
    application = apply(client, call)
    email = db.session.scalar(select(OutboxEmail))
    jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
    # The acknowledgement's job first: both are written by one INSERT (on PostgreSQL).
    assert [(job.kind, job.payload, job.status) for job in jobs] == [
        ("deliver_email", {"email_id": email.id}, "queued"),
        ("extract_text", {"application_id": application.id}, "queued"),
    ]
    assert [document.text for document in application.documents] == [None, None]


def test_search_finds_the_cv_only_once_the_worker_read_it(client, editor_client, call):
    application = apply(client, call)
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert page.count(NOT_YET) == 2  # the CV and the writing sample
    assert "Text preview" not in page
    assert found("correspondents") == []  # a word of the CV
    assert found("Beridze") == [application.reference]  # the answers are indexed at once

    report = run_pending(kinds={"extract_text"})

    assert (report.attempted, report.done) == (1, 1)
    assert found("correspondents") == [application.reference]
    assert found("Tiefwasserhafen") == [application.reference]  # the ODT writing sample
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert NOT_YET not in page
    assert page.count("Text preview") == 2
    cv = next(document for document in application.documents if document.kind == "cv")
    db.session.refresh(cv)
    assert cv.text.startswith("Nino Beridze — ნინო ბერიძე\nFreelance journalist, Tbilisi\n")


PAGES_NOT_YET = "Pages not prepared yet — reload in a moment to see them."


def test_the_worker_counts_each_pdfs_pages_for_the_reader(storage, client, editor_client, call):
    application = apply(client, call)
    cv = next(document for document in application.documents if document.kind == "cv")
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert page.count(PAGES_NOT_YET) == 1  # the CV; the writing sample is an ODT
    assert 'class="pdf-page"' not in page

    report = run_pending(kinds={"extract_text"})

    assert (report.attempted, report.done) == (1, 1)
    counts = db.session.execute(
        select(Document.kind, Document.file_type, Document.page_count).order_by(Document.kind)
    ).all()
    assert counts == [("cv", "pdf", 2), ("writing_sample", "odt", None)]
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert PAGES_NOT_YET not in page
    assert re.findall(r'<img class="pdf-page" src="([^"]+)"', page) == [
        f"/review/documents/{cv.id}/pages/1.png",
        f"/review/documents/{cv.id}/pages/2.png",
    ]


def test_a_pdf_the_worker_cannot_count_is_shown_as_text(storage, editor_client, make_application):
    application = make_application()
    store_pdf(application, b"%PDF-1.7\n" + bytes(range(256)) * 8, counted=False)
    queue_extraction(application)
    db.session.commit()

    report = run_pending(kinds={"extract_text"})

    assert (report.attempted, report.done) == (1, 1)
    assert db.session.scalar(select(Document.page_count)) == 0
    page = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    assert "This PDF could not be shown as pages." in page
    assert PAGES_NOT_YET not in page


def test_the_not_yet_notice_is_translated(client, editor_client, call):
    application = apply(client, call)
    page = editor_client.get(f"/review/applications/{application.id}?lang=de").text
    assert "Text noch nicht ausgelesen – die Suche findet ihn in Kürze." in page


def test_an_application_erased_before_its_extraction_leaves_nothing_to_do(client, call):
    application = apply(client, call)
    erase_applicant(application, by=None, reason="admin")

    report = run_pending(kinds={"extract_text"})

    assert (report.attempted, report.done, report.skipped) == (1, 0, 1)
    assert db.session.scalar(select(Job.status).where(Job.kind == "extract_text")) == "done"


def test_the_purge_is_queued_at_most_once_a_day(app):
    now = utcnow()
    purge = {"privacy_purge"}
    assert queue_recurring(now, purge) == ["privacy_purge"]
    assert queue_recurring(now + timedelta(hours=23), purge) == []
    assert queue_recurring(now + timedelta(hours=24, seconds=1), purge) == ["privacy_purge"]
    created = db.session.scalars(
        select(Job.created_at).where(Job.kind == "privacy_purge").order_by(Job.id)
    ).all()
    assert created == [now, now + timedelta(hours=24, seconds=1)]


def test_the_worker_runs_the_days_purge(app, make_application):
    expired = decided(make_application, "rejected", 400)
    kept = decided(make_application, "rejected", 10)
    expired_id = expired.id

    report = run_pending(kinds={"privacy_purge"})

    assert (report.attempted, report.done) == (1, 1)
    assert db.session.scalars(select(Application.id)).all() == [kept.id]
    assert db.session.get(Application, expired_id) is None
    assert run_pending(kinds={"privacy_purge"}).attempted == 0  # not again the same day


def test_the_days_purge_forgets_jobs_done_more_than_30_days_ago(app):
    now = utcnow()
    old_done = Job(
        kind="extract_text", payload={}, status="done", finished_at=now - timedelta(days=31)
    )
    recent_done = Job(
        kind="extract_text", payload={}, status="done", finished_at=now - timedelta(days=29)
    )
    old_failed = Job(
        kind="extract_text", payload={}, status="failed", finished_at=now - timedelta(days=90)
    )
    db.session.add_all([old_done, recent_done, old_failed])
    db.session.commit()
    kept = {recent_done.id: "done", old_failed.id: "failed"}

    report = run_pending(now=now, kinds={"privacy_purge"})

    assert (report.attempted, report.done) == (1, 1)  # the day's purge
    rows = dict(
        db.session.execute(select(Job.id, Job.status).where(Job.kind == "extract_text")).all()
    )
    assert rows == kept
    assert db.session.scalars(select(Job.status).where(Job.kind == "privacy_purge")).all() == [
        "done"
    ]


def test_the_worker_command_runs_every_kind_and_prints_the_counts(client, call, runner):
    application = apply(client, call)

    result = runner.invoke(args=["worker"])

    assert result.exit_code == 0, result.output
    # The extraction, the acknowledgement (printed: no MAIL_SERVER), the day's purge, the
    # hour's digests (none due: nobody is on the team), assignment reminders (none due) and
    # the writing sample's facts, queued by the extraction and run in the same pass.
    assert result.stderr == "done 6, retry later 0, failed 0\n"
    assert db.session.execute(select(SampleFacts.word_count, SampleFacts.language)).all() == [
        (142, "de")
    ]
    assert re.search(r"^To: nino\.beridze@example\.org$", result.stdout, re.MULTILINE)
    assert db.session.scalars(select(Job.status).distinct()).all() == ["done"]
    assert found("correspondents") == [application.reference]
    assert db.session.scalar(select(OutboxEmail.status)) == "sent"


def test_mail_deliver_is_the_worker_under_its_old_name(client, call, runner):
    apply(client, call)

    result = runner.invoke(args=["mail", "deliver"])

    assert result.exit_code == 0, result.output
    assert result.stderr == "done 6, retry later 0, failed 0\n"
    assert db.session.scalars(select(Job.status).distinct()).all() == ["done"]
