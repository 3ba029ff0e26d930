"""An applicant's answer, sent over the wire to the desk's mailbox, appears on the right
candidate's timeline in the browser after one worker pass."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import select

from tests.e2e.conftest import PageWatch, make_staff, serious_violations, sign_in
from tests.e2e.test_staff import application_id, submit, url
from tests.smtp_servers import mail_settings, recording_smtp_server
from tracker.extensions import db
from tracker.jobs.runner import run_pending
from tracker.models import ApplicantReply

EDITOR = "editor@example.org"


@pytest.fixture
def smtp_server(app_config):
    """The applicants' mail server: it records what the worker sends them."""
    with recording_smtp_server() as server:
        app_config.update(mail_settings(server.port))
        yield server


def test_a_reply_sent_to_the_desk_mailbox_lands_on_the_right_candidate(
    smtp_server, desk_mailbox, live_app, call_slug, page
):
    make_staff(live_app, EDITOR, "editor", "Ana Editor")
    nino = submit(live_app, call_slug, "Nino Beridze", "nino@example.org", "georgia")
    anna = submit(live_app, call_slug, "Anna Petrosyan", "anna@example.org", "armenia")
    with live_app.app_context():
        # The worker sends both acknowledgements to the applicants' (test) mail server.
        assert run_pending(kinds={"deliver_email"}).done == 2
    acknowledgement = next(
        received.message
        for received in smtp_server.messages
        if received.rcpt_tos == ["nino@example.org"]
    )
    reply_to = acknowledgement["Reply-To"]
    assert re.fullmatch(r"experts\+r-[0-9a-f]{32}@example\.org", reply_to)

    # Nino answers from her mail program: to the Reply-To, quoting our Message-ID. Her
    # provider hands it to the desk's server, which delivers it into the mailbox (LMTP).
    answer = EmailMessage()
    answer["From"] = "Nino Beridze <nino@example.org>"
    answer["To"] = reply_to
    answer["Subject"] = f"Re: {acknowledgement['Subject']}"
    answer["Message-ID"] = make_msgid(domain="mail.example.org")
    answer["In-Reply-To"] = acknowledgement["Message-ID"]
    answer.set_content("Danke! Meine neueste Reportage aus Kutaissi schicke ich morgen.\n")
    desk_mailbox.deliver(answer.as_bytes(), recipient=reply_to)

    with live_app.app_context():
        report = run_pending()  # one pass of the worker, every kind
        assert report.failed == 0
        assert [r.application_id for r in db.session.scalars(select(ApplicantReply))] == [
            application_id(live_app, nino)
        ]
    assert desk_mailbox.messages() == []

    watch = PageWatch(page)
    sign_in(page, live_app, EDITOR)
    page.goto(url(live_app, "review.inbox", lang="en"))
    row = page.locator("tbody tr", has_text="Nino Beridze")
    assert row.locator(".badge-reply").inner_text() == "New reply"
    assert page.locator("tbody tr", has_text="Anna Petrosyan").locator(".badge-reply").count() == 0

    page.goto(
        url(live_app, "review.candidate", application_id=application_id(live_app, nino), lang="en")
    )
    assert page.locator(".candidate-header .badge-reply").inner_text() == "1 new reply"
    entry = page.locator(".timeline-reply")
    assert entry.locator("p").first.inner_text() == (
        f"Reply from nino@example.org: “Re: {acknowledgement['Subject']}”"
    )
    assert entry.locator(".reply-body").inner_text() == (
        "Danke! Meine neueste Reportage aus Kutaissi schicke ich morgen."
    )
    assert serious_violations(page) == []

    page.goto(
        url(live_app, "review.candidate", application_id=application_id(live_app, anna), lang="en")
    )
    assert page.locator(".timeline-reply").count() == 0
    assert watch.console_errors == []
