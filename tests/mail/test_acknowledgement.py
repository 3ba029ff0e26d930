"""The acknowledgement end to end: form → outbox → worker → a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.applying import application_form, post
from tests.smtp_servers import hanging_smtp_server, mail_settings, recording_smtp_server
from tracker.extensions import db
from tracker.mail.delivery import deliver_pending
from tracker.models import Application, OutboxEmail, utcnow


@pytest.fixture
def down_server(app_config):
    """An SMTP server that refuses connections until the test starts it."""
    with recording_smtp_server(started=False) as server:
        app_config.update(mail_settings(server.port, MAIL_DEFAULT_SENDER="desk@example.org"))
        yield server


@pytest.fixture
def hanging_server(app_config):
    with hanging_smtp_server() as server:
        app_config.update(mail_settings(server.port, MAIL_TIMEOUT=1))
        yield server


def test_smtp_down_keeps_the_application_and_the_worker_sends_it_later(
    down_server, app, client, call
):
    response = post(client, call, application_form(client, call, preferred_language="en"))
    assert response.status_code == 302
    application = db.session.scalar(select(Application))

    first = deliver_pending()
    assert (first.sent, first.deferred) == (0, 1)
    email = db.session.scalar(select(OutboxEmail))
    assert email.status == "queued"
    assert email.next_attempt_at > utcnow()
    assert down_server.messages == []

    down_server.start()
    later = deliver_pending(now=email.next_attempt_at + timedelta(seconds=1))
    assert (later.sent, later.deferred) == (1, 0)
    assert deliver_pending(now=utcnow() + timedelta(days=1)).attempted == 0

    (received,) = down_server.messages
    assert received.mail_from == "desk@example.org"
    assert received.rcpt_tos == ["nino.beridze@example.org"]
    message = received.message
    assert message["Subject"] == f"We have received your application ({application.reference})"
    assert message["Message-ID"] == db.session.scalar(select(OutboxEmail.message_id))
    body = message.get_content()
    assert body.startswith("Hello,\n\nThank you for applying to our call “Local experts wanted”.")
    assert f"Your reference: {application.reference}\n" in body


def test_a_hanging_smtp_server_neither_blocks_the_form_nor_loses_the_email(
    hanging_server, app, client, call
):
    response = post(client, call, application_form(client, call))
    assert response.status_code == 302
    assert hanging_server.connections == []  # the request itself never dialled SMTP

    report = deliver_pending()
    assert (report.sent, report.deferred) == (0, 1)
    email = db.session.scalar(select(OutboxEmail))
    assert email.status == "queued"
    assert "timed out" in email.last_error


@pytest.fixture
def smtp_server(app_config):
    with recording_smtp_server() as server:
        app_config.update(mail_settings(server.port, MAIL_DEFAULT_SENDER="desk@example.org"))
        yield server


def test_an_internationalised_domain_arrives_as_an_ascii_address(smtp_server, app, client, call):
    # Before, the address went into the outbox as typed and failed with UnicodeEncodeError.
    data = application_form(client, call, email="Nino@Exämple.org", preferred_language="en")
    assert post(client, call, data).status_code == 302

    report = deliver_pending()
    assert (report.sent, report.failed) == (1, 0)
    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["nino@xn--exmple-cua.org"]
    assert received.message["To"] == "nino@xn--exmple-cua.org"
    headers = received.content.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii()
    assert db.session.scalar(select(OutboxEmail.status)) == "sent"
