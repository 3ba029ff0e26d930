"""Admin → Background jobs: what waits, runs or failed, and the Retry button."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import hidden_fields
from tests.jobs.kinds import ECHO, echo_kind
from tests.smtp_servers import mail_settings, refused_port
from tracker.extensions import db
from tracker.jobs.queue import enqueue
from tracker.jobs.registry import JobFailed
from tracker.jobs.runner import run_pending
from tracker.mail.delivery import deliver_pending
from tracker.mail.outbox import queue
from tracker.models import AuditEvent, Job, OutboxEmail, utcnow


def failed_job(echo, error: str) -> Job:
    job = enqueue(ECHO, number=1)
    db.session.commit()
    echo.errors = [JobFailed(error)]
    run_pending(kinds={ECHO})
    return job


def test_the_page_lists_waiting_running_and_failed_jobs_and_counts_the_done_ones(admin_client, app):
    with echo_kind() as echo:
        done = enqueue(ECHO, number=0)
        db.session.commit()
        run_pending(kinds={ECHO})
        failed = failed_job(echo, "the printer caught fire")
        waiting = enqueue(ECHO, number=2)
        running = enqueue(ECHO, number=3)
        db.session.flush()
        running.status, running.claimed_at, running.attempts = "running", utcnow(), 1
        db.session.commit()

        page = admin_client.get("/admin/jobs?lang=en").text

    assert "Waiting: <strong>1</strong>" in page
    assert "Running: <strong>1</strong>" in page
    assert "Done: <strong>1</strong>" in page
    assert "Failed: <strong>1</strong>" in page
    assert f'id="job-{done.id}"' not in page
    ids = [f'id="job-{job.id}"' for job in (running, waiting, failed)]
    assert [page.index(each) for each in ids] == sorted(page.index(each) for each in ids)
    assert "the printer caught fire" in page
    assert page.count(">Retry<") == 1
    assert f"/admin/jobs/{failed.id}/retry" in page


def test_the_kind_is_named_in_words(admin_client, app):
    enqueue("extract_text", application_id=1)
    db.session.commit()
    page = admin_client.get("/admin/jobs?lang=en").text
    assert "<td>Read the text of an application&#39;s documents</td>" in page
    assert "<td>Waiting</td>" in page


def test_retry_queues_a_failed_job_again_and_is_audited(admin_client, app):
    with echo_kind() as echo:
        job = failed_job(echo, "gone wrong")
        token = hidden_fields(admin_client.get("/admin/jobs").text)["csrf_token"]

        response = admin_client.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": token})

        assert response.status_code == 302
        assert response.headers["Location"] == "/admin/jobs"
        db.session.expire_all()
        assert (job.status, job.attempts, job.last_error, job.finished_at) == (
            "queued",
            0,
            None,
            None,
        )
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.retried"))
        assert (event.actor_id, event.details) == (
            admin_client.user.id,
            {"job": job.id, "kind": ECHO},
        )
        assert "The job is queued again" in admin_client.get("/admin/jobs?lang=en").text
        assert run_pending(kinds={ECHO}).done == 1

        again = admin_client.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": token})
    assert again.status_code == 302
    assert "no longer failed" in admin_client.get("/admin/jobs?lang=en").text


def test_retry_without_csrf_token_changes_nothing(admin_client, app):
    with echo_kind() as echo:
        job = failed_job(echo, "gone wrong")
        response = admin_client.post(f"/admin/jobs/{job.id}/retry")
        assert response.status_code == 400
        db.session.expire_all()
        assert job.status == "failed"


def test_editors_may_not_see_or_retry_jobs(editor_client, app):
    assert editor_client.get("/admin/jobs").status_code == 403
    assert editor_client.post("/admin/jobs/1/retry").status_code in (400, 403)


@pytest.fixture
def refused(app_config):
    """Mail settings pointing at a loopback port that refuses connections."""
    with refused_port() as port:
        app_config.update(mail_settings(port, MAIL_MAX_ATTEMPTS=1))
        yield port


def test_retrying_a_failed_delivery_queues_its_email_again(refused, admin_client, app):
    email = queue(
        to_address="nino@example.org",
        subject="Hello",
        body_text="Body",
        template="custom",
        language="en",
    )
    db.session.commit()
    deliver_pending()
    assert email.status == "failed"
    job = db.session.scalar(select(Job).where(Job.kind == "deliver_email"))
    token = hidden_fields(admin_client.get("/admin/jobs").text)["csrf_token"]

    admin_client.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": token})

    db.session.expire_all()
    assert (email.status, email.attempts, email.last_error) == ("queued", 0, None)
    assert job.status == "queued"
    assert db.session.query(Job).count() == 1  # the same job, never a second one
    assert db.session.get(OutboxEmail, email.id).next_attempt_at is None


def test_the_list_is_paged_fifty_at_a_time_newest_first(admin_client, app):
    with echo_kind():
        jobs = [enqueue(ECHO, number=n) for n in range(51)]
        db.session.commit()
        ids = [job.id for job in jobs]

        first = admin_client.get("/admin/jobs?lang=en").text
        second = admin_client.get("/admin/jobs?page=2&lang=en").text

    assert first.count('id="job-') == 50
    assert f'id="job-{ids[-1]}"' in first
    assert f'id="job-{ids[0]}"' not in first
    assert "Page 1 of 2" in first
    assert 'href="/admin/jobs?page=2" rel="next"' in first
    assert second.count('id="job-') == 1
    assert f'id="job-{ids[0]}"' in second
