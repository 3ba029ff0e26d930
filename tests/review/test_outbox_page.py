"""The outbox page: tabs with counts, the server's answer, and what editors do with rows."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.conftest import hidden_fields
from tests.smtp_servers import mail_settings, recording_smtp_server
from tracker.applications.pipeline import set_status
from tracker.enums import EmailStatus
from tracker.extensions import db
from tracker.mail import outbox
from tracker.mail.delivery import DeliveryReport, deliver_pending
from tracker.mail.template_store import seed_templates
from tracker.models import AuditEvent, OutboxEmail, User

REFUSED = "refused@example.net"


@pytest.fixture
def smtp_server(app_config):
    with recording_smtp_server() as server:
        server.handler.reject[REFUSED] = "550 5.1.1 No such user here"
        app_config.update(mail_settings(server.port))
        yield server


def queue(application, *, status=EmailStatus.QUEUED, **overrides) -> OutboxEmail:
    fields = {
        "to_address": application.email,
        "subject": f"Betreff {application.reference}",
        "body_text": "Hallo!\n",
        "template": "request_info",
        "language": "de",
        "application": application,
        "status": status,
    }
    fields.update(overrides)
    email = outbox.queue(**fields)
    db.session.commit()
    return email


def page(client, query="") -> str:
    response = client.get(f"/review/outbox?lang=en&{query}")
    assert response.status_code == 200
    return response.text


def tab_counts(text: str) -> dict[str, int]:
    return {
        tab: int(count)
        for tab, count in re.findall(
            r'data-tab="(\w+)">[^<]*<span class="tab-count">(\d+)</span>', text
        )
    }


def row_ids(text: str) -> list[int]:
    return [int(value) for value in re.findall(r'<tr id="email-(\d+)">', text)]


def csrf(client) -> str:
    return hidden_fields(page(client))["csrf_token"]


def act(client, action: str, email_id: int | None = None, **data):
    path = f"/review/outbox/{email_id}/{action}" if email_id else f"/review/outbox/{action}"
    return client.post(path, data={"csrf_token": csrf(client), **data})


def test_tabs_show_counts_and_the_rows_of_each_state(app, editor_client, make_application):
    nino = make_application(full_name="Nino Beridze", email="nino@example.org")
    draft = queue(nino, status=EmailStatus.DRAFT)
    queued = queue(nino)
    sending = queue(nino)
    sent = queue(nino)
    failed = queue(nino)
    bounced = queue(nino)
    sending.status, sent.status, failed.status = "sending", "sent", "failed"
    failed.last_error = "550 5.1.1 No such user here"
    # Sent, then returned by the applicant's server (tracker.replies reads the notice).
    bounced.status, bounced.last_error = "bounced", "smtp; 550 5.1.1 mailbox unknown"
    db.session.commit()
    # A staff email (a password reset link) is nobody else's to read.
    staff = db.session.scalar(select(User))
    outbox.queue(
        to_address=staff.email,
        subject="Reset",
        body_text="secret link\n",
        template="password_reset",
        language="en",
        user=staff,
    )
    db.session.commit()

    drafts = page(editor_client)
    by_tab = {
        tab: page(editor_client, f"tab={tab}")
        for tab in ("queued", "sending", "sent", "failed", "bounced")
    }

    expected = {"draft": 1, "queued": 1, "sending": 1, "sent": 1, "failed": 1, "bounced": 1}
    assert tab_counts(drafts) == expected
    assert row_ids(drafts) == [draft.id]
    assert 'aria-current="page" data-tab="draft"' in drafts
    assert row_ids(by_tab["queued"]) == [queued.id]
    assert row_ids(by_tab["sending"]) == [sending.id]
    assert row_ids(by_tab["sent"]) == [sent.id]
    assert row_ids(by_tab["failed"]) == [failed.id]
    assert row_ids(by_tab["bounced"]) == [bounced.id]
    assert (
        '<span class="server-answer">smtp; 550 5.1.1 mailbox unknown</span>' in (by_tab["bounced"])
    )
    row = re.search(rf'<tr id="email-{draft.id}">.*?</tr>', drafts, re.S).group(0)
    assert "<td>nino@example.org</td>" in row
    assert f"Betreff {nino.reference}" in row
    assert f'<a href="/review/applications/{nino.id}"><bdi>Nino Beridze</bdi></a>' in row
    assert "secret link" not in "".join(by_tab.values()) + drafts


def test_failed_row_shows_the_servers_answer_and_retry_sends_it(
    smtp_server, app, editor_client, make_application
):
    application = make_application(email=REFUSED)
    email = queue(application)

    assert deliver_pending() == DeliveryReport(attempted=1, failed=1)
    failed_tab = page(editor_client, "tab=failed")

    row = re.search(rf'<tr id="email-{email.id}">.*?</tr>', failed_tab, re.S).group(0)
    assert '<span class="server-answer">550 5.1.1 No such user here</span>' in row
    assert "1 attempt" in row
    assert tab_counts(failed_tab)["failed"] == 1

    del smtp_server.handler.reject[REFUSED]  # the address was fixed at the other end
    response = act(editor_client, "retry", email.id, tab="failed")

    assert response.status_code == 302
    assert response.headers["Location"] == "/review/outbox?tab=failed"
    db.session.expire_all()
    assert (email.status, email.attempts, email.last_error, email.next_attempt_at) == (
        "queued",
        0,
        None,
        None,
    )
    assert deliver_pending() == DeliveryReport(attempted=1, sent=1)
    assert [received.message["Message-ID"] for received in smtp_server.messages] == [
        email.message_id
    ]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "email.retried"))
    assert (event.actor_id, event.application_id) == (editor_client.user.id, application.id)


def test_release_sends_the_draft_and_only_it(smtp_server, app, editor_client, make_application):
    application = make_application()
    draft = queue(application, status=EmailStatus.DRAFT)
    other = queue(application, status=EmailStatus.DRAFT)

    response = act(editor_client, "release", draft.id, tab="draft")
    report = deliver_pending()

    assert response.status_code == 302
    assert report == DeliveryReport(attempted=1, sent=1)
    assert [received.message["Message-ID"] for received in smtp_server.messages] == [
        draft.message_id
    ]
    db.session.expire_all()
    assert (draft.status, other.status) == ("sent", "draft")
    assert draft.created_by_id == editor_client.user.id


def test_releasing_twice_is_refused_the_second_time(app, editor_client, make_application):
    draft = queue(make_application(), status=EmailStatus.DRAFT)

    act(editor_client, "release", draft.id)
    second = act(editor_client, "release", draft.id)

    assert second.status_code == 302
    follow = editor_client.get("/review/outbox?lang=en")
    assert "This email has changed meanwhile" in html.unescape(follow.text)
    released = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "email.released")
    ).all()
    assert len(released) == 1


def test_edit_changes_subject_and_text_of_a_draft(app, editor_client, make_application):
    draft = queue(make_application(), status=EmailStatus.DRAFT, body_html="<p>Hallo!</p>")
    form = editor_client.get(f"/review/outbox/{draft.id}/edit?lang=en")

    response = editor_client.post(
        f"/review/outbox/{draft.id}/edit",
        data={
            **hidden_fields(form.text),
            "subject": "Neuer Betreff",
            "body_text": "Guten Tag,\r\nneuer Text.\r\n",
        },
    )

    assert form.status_code == 200
    assert "Changing the text drops the HTML version of this email." in form.text
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/outbox?tab=draft"
    db.session.expire_all()
    assert (draft.subject, draft.body_text, draft.body_html, draft.status) == (
        "Neuer Betreff",
        "Guten Tag,\nneuer Text.\n",
        None,
        "draft",
    )


def test_edit_refuses_a_subject_with_a_line_break(app, editor_client, make_application):
    draft = queue(make_application(), status=EmailStatus.DRAFT)
    form = editor_client.get(f"/review/outbox/{draft.id}/edit?lang=en")

    response = editor_client.post(
        f"/review/outbox/{draft.id}/edit?lang=en",
        data={
            **hidden_fields(form.text),
            "subject": "Neu\r\nBcc: all@example.net",
            "body_text": "x",
        },
    )

    assert response.status_code == 400
    assert "Please write this on one line" in response.text
    db.session.expire_all()
    assert draft.subject.startswith("Betreff ")


def test_only_drafts_can_be_edited(app, editor_client, make_application):
    email = queue(make_application())
    response = editor_client.get(f"/review/outbox/{email.id}/edit?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/outbox?tab=queued"


def test_discard_deletes_the_draft_and_records_it(app, editor_client, make_application):
    application = make_application()
    draft = queue(application, status=EmailStatus.DRAFT)
    draft_id = draft.id

    response = act(editor_client, "discard", draft_id, tab="draft")

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxEmail, draft_id) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "email.discarded"))
    assert event.application_id == application.id
    assert event.details == {"email": draft_id, "template": "request_info"}


def test_discard_refuses_a_queued_email(app, editor_client, make_application):
    email = queue(make_application())
    act(editor_client, "discard", email.id)
    db.session.expire_all()
    assert db.session.get(OutboxEmail, email.id).status == "queued"


def test_release_all_drafts_of_the_inbox_filter(app, editor_client, make_application):
    seed_templates()
    in_filter = make_application(region="abkhazia", country="georgia")
    elsewhere = make_application(region="armenia", country="armenia")
    with app.test_request_context():
        # Not request_info: its fill-in part would keep it a draft (test_fillins.py).
        set_status(in_filter, "in_review", by=editor_client.user, notify="trial_invitation")
        set_status(elsewhere, "in_review", by=editor_client.user, notify="trial_invitation")
    first, second = (
        db.session.scalars(select(OutboxEmail).where(OutboxEmail.application_id == a.id)).one()
        for a in (in_filter, elsewhere)
    )

    filtered = page(editor_client, "tab=draft&from=region%3Dabkhazia")
    response = act(editor_client, "release-drafts", tab="draft", **{"from": "region=abkhazia"})

    assert row_ids(filtered) == [first.id]
    assert tab_counts(filtered)["draft"] == 1
    assert "Release 1 draft" in filtered
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/outbox?tab=draft&from=region%3Dabkhazia"
    db.session.expire_all()
    assert (first.status, second.status) == ("queued", "draft")

    act(editor_client, "release-drafts", tab="draft")
    db.session.expire_all()
    assert second.status == "queued"


def test_outbox_of_one_candidate(app, editor_client, make_application):
    nino, anna = make_application(), make_application(email="anna@example.org")
    mine = queue(nino)
    queue(anna)

    text = page(editor_client, f"tab=queued&application={nino.id}")

    assert row_ids(text) == [mine.id]
    assert tab_counts(text)["queued"] == 1


def test_outbox_pages_by_fifty(app, editor_client, make_application):
    application = make_application()
    emails = [queue(application) for _ in range(51)]

    first = page(editor_client, "tab=queued")
    older = re.search(r'href="(/review/outbox\?before=\d+[^"]*)"', first).group(1)
    second = page(editor_client, html.unescape(older).split("?", 1)[1])

    assert row_ids(first) == [email.id for email in reversed(emails)][:50]
    assert row_ids(second) == [emails[0].id]


def test_outbox_needs_a_signed_in_editor(app, client):
    response = client.get("/review/outbox")
    assert response.status_code in (302, 401)
