"""The email outbox: queueing in the caller's transaction, delivery against real SMTP servers."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import delete, func, select

from tests.smtp_servers import (
    hanging_smtp_server,
    mail_settings,
    recording_smtp_server,
    refused_port,
)
from tracker.enums import EmailStatus
from tracker.extensions import db, mail
from tracker.jobs import runner
from tracker.jobs.registry import KINDS
from tracker.mail import outbox
from tracker.mail.delivery import DeliveryReport, deliver_pending
from tracker.models import Job, OutboxEmail, User, utcnow

SENDER = "Caucasus Watch <experts@example.org>"
REPLY_TO = "desk@example.org"
APPLICANT = "applicant@example.net"
BASE = timedelta(seconds=60)  # MAIL_RETRY_BASE_SECONDS in these tests

# Server fixtures write the mail settings into app_config, so a test lists them BEFORE
# `app`: Flask-Mail reads its settings when the app is built.


@pytest.fixture
def smtp_server(app_config):
    """A recording SMTP server on loopback that the app sends to."""
    with recording_smtp_server() as server:
        app_config.update(_settings(server.port))
        yield server


@pytest.fixture
def down_server(app_config):
    """A recording SMTP server whose port refuses connections until `start()`."""
    with recording_smtp_server(started=False) as server:
        app_config.update(_settings(server.port))
        yield server


@pytest.fixture
def hanging_server(app_config):
    """A server that accepts the connection and never greets; the app times out after 1 s."""
    with hanging_smtp_server() as server:
        app_config.update(_settings(server.port, MAIL_TIMEOUT=1))
        yield server


@pytest.fixture
def refused(app_config):
    """A port with nothing listening."""
    with refused_port() as port:
        app_config.update(_settings(port))
        yield port


def _settings(port: int, **extra) -> dict:
    return mail_settings(
        port,
        MAIL_DEFAULT_SENDER=SENDER,
        MAIL_REPLY_TO=REPLY_TO,
        MAIL_RETRY_BASE_SECONDS=int(BASE.total_seconds()),
        **extra,
    )


def queue(**overrides) -> OutboxEmail:
    """Queue one email through outbox.queue and commit it, as a domain function's caller does."""
    fields = {
        "to_address": APPLICANT,
        "subject": "Ваша заявка CW-7K2Q получена",
        "body_text": "Здравствуйте!\n\nМы получили вашу заявку CW-7K2Q.\n",
        "template": "application_received",
        "language": "ru",
    }
    fields.update(overrides)
    email = outbox.queue(**fields)
    db.session.commit()
    return email


def received_ids(server) -> list[str]:
    return [received.message["Message-ID"] for received in server.messages]


class Worker(threading.Thread):
    """A second mail worker: its own thread, app context and database session."""

    def __init__(self, app, name: str, barrier: threading.Barrier | None = None, **kwargs):
        super().__init__(name=name)
        self.app, self.barrier, self.kwargs = app, barrier, kwargs
        self.report: DeliveryReport | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        with self.app.app_context():
            try:
                if self.barrier is not None:
                    self.barrier.wait(timeout=30)
                self.report = deliver_pending(**self.kwargs)
            except BaseException as error:  # re-raised in the test's thread by result()
                self.error = error

    def result(self) -> DeliveryReport:
        self.join()
        if self.error is not None:
            raise self.error
        assert self.report is not None
        return self.report


def test_queued_email_is_delivered_with_headers_body_and_fixed_message_id(smtp_server, app):
    email = queue()
    assert email.message_id.startswith("<")
    assert email.message_id.endswith("@example.org>")  # the sender's domain
    now = utcnow()

    with mail.record_messages() as dispatched:
        report = deliver_pending(now=now)

    assert report == DeliveryReport(attempted=1, sent=1, deferred=0, failed=0)
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received.mail_from == "experts@example.org"
    assert received.rcpt_tos == [APPLICANT]
    message = received.message
    assert message["From"] == SENDER
    assert message["To"] == APPLICANT
    assert message["Reply-To"] == REPLY_TO
    assert message["Subject"] == "Ваша заявка CW-7K2Q получена"
    assert message["Message-ID"] == email.message_id
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Здравствуйте!\n\nМы получили вашу заявку CW-7K2Q.\n"
    # Flask-Mail's email_dispatched signal still fires, so record_messages() works.
    assert [sent.msgId for sent in dispatched] == [email.message_id]
    assert email.status == EmailStatus.SENT
    assert email.sent_at == now
    assert email.attempts == 1
    assert email.last_error is None


def test_html_email_arrives_as_text_and_html_alternatives(smtp_server, app):
    queue(body_text="Guten Tag!\n", body_html="<p>Guten Tag!</p>\n", language="de")

    deliver_pending()

    (received,) = smtp_server.messages
    body = received.message.get_body(preferencelist=("plain",))
    html = received.message.get_body(preferencelist=("html",))
    assert body.get_content() == "Guten Tag!\n"
    assert html.get_content() == "<p>Guten Tag!</p>\n"


def test_without_mail_server_the_message_is_printed_to_the_console(app, capsys):
    email = queue()

    with mail.record_messages() as dispatched:
        report = deliver_pending()

    assert report == DeliveryReport(attempted=1, sent=1)
    out = capsys.readouterr().out
    assert f"Message-ID: {email.message_id}\n" in out
    assert f"To: {APPLICANT}\n" in out
    # The display name (SITE_NAME by default) as Flask-Mail writes it: an encoded word.
    assert "From: =?utf-8?q?Caucasus_Watch?= <experts@example.org>\n" in out
    assert "Здравствуйте!\n\nМы получили вашу заявку CW-7K2Q.\n" in out
    assert [sent.msgId for sent in dispatched] == [email.message_id]
    assert email.status == EmailStatus.SENT


def test_refused_connection_defers_with_backoff_then_delivers_once_server_is_up(down_server, app):
    email = queue()
    now = utcnow()

    report = deliver_pending(now=now)

    assert report == DeliveryReport(attempted=1, sent=0, deferred=1, failed=0)
    assert email.status == EmailStatus.QUEUED
    assert email.attempts == 1
    assert email.next_attempt_at == now + BASE
    assert email.last_error.startswith("ConnectionRefusedError: ")
    assert deliver_pending(now=now + BASE - timedelta(seconds=1)) == DeliveryReport()

    down_server.start()
    report = deliver_pending(now=now + BASE)
    again = deliver_pending(now=now + 10 * BASE)

    assert report == DeliveryReport(attempted=1, sent=1)
    assert again == DeliveryReport()
    assert received_ids(down_server) == [email.message_id]
    assert email.status == EmailStatus.SENT
    assert email.attempts == 2
    assert email.last_error is None


def test_421_defers_and_the_retry_carries_the_same_message_id(smtp_server, app):
    smtp_server.handler.defer_next = 1
    email = queue()
    now = utcnow()

    first = deliver_pending(now=now)

    assert first == DeliveryReport(attempted=1, deferred=1)
    assert smtp_server.messages == []
    assert email.status == EmailStatus.QUEUED
    assert email.last_error == "421 4.3.2 Service busy, try again later"
    assert email.next_attempt_at == now + BASE

    second = deliver_pending(now=now + BASE)

    assert second == DeliveryReport(attempted=1, sent=1)
    (refused_attempt,) = smtp_server.handler.deferred
    assert refused_attempt.message["Message-ID"] == email.message_id
    assert received_ids(smtp_server) == [email.message_id]
    assert email.status == EmailStatus.SENT
    assert email.attempts == 2


def test_550_for_the_recipient_fails_for_good_and_the_connection_serves_the_rest(smtp_server, app):
    smtp_server.handler.reject["nobody@example.net"] = "550 5.1.1 No such user here"
    bounced = queue(to_address="nobody@example.net")
    first = queue(to_address="first@example.net")
    second = queue(to_address="second@example.net")
    now = utcnow()

    report = deliver_pending(now=now)

    assert report == DeliveryReport(attempted=3, sent=2, deferred=0, failed=1)
    assert bounced.status == EmailStatus.FAILED
    assert bounced.last_error == "550 5.1.1 No such user here"
    assert bounced.next_attempt_at is None
    assert received_ids(smtp_server) == [first.message_id, second.message_id]
    # One connection for the pass, still usable after the refused recipient (RSET).
    assert smtp_server.messages[0].peer == smtp_server.messages[1].peer

    assert deliver_pending(now=now + timedelta(days=30)) == DeliveryReport()
    assert bounced.attempts == 1
    assert len(smtp_server.messages) == 2


def test_hanging_server_times_out_and_the_pass_ends_with_the_email_deferred(hanging_server, app):
    email = queue()
    untried = queue(to_address="later@example.net")
    now = utcnow()

    report = deliver_pending(now=now)

    assert report == DeliveryReport(attempted=1, deferred=1)
    assert email.status == EmailStatus.QUEUED
    assert email.attempts == 1
    assert email.next_attempt_at == now + BASE
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed: timed out"
    # The dead server is not waited on once per email: the rest wait for the next pass.
    assert untried.status == EmailStatus.QUEUED
    assert untried.attempts == 0
    assert untried.last_error is None


def claimed_by_a_dead_worker(email: OutboxEmail, claimed_at, attempts: int) -> None:
    """Leave *email* as a worker that stopped after claiming it would: job and email."""
    job = db.session.scalar(select(Job).where(Job.payload["email_id"].as_integer() == email.id))
    job.status, job.claimed_at, job.attempts = "running", claimed_at, attempts
    email.status, email.claimed_at, email.attempts = "sending", claimed_at, attempts
    db.session.commit()


def test_stale_sending_row_is_reset_and_delivered_but_a_fresh_claim_is_left_alone(smtp_server, app):
    app.config["MAIL_STALE_SENDING_SECONDS"] = 600
    now = utcnow()
    stale = queue(to_address="stale@example.net")
    fresh = queue(to_address="fresh@example.net")
    claimed_by_a_dead_worker(stale, now - timedelta(seconds=601), 1)
    claimed_by_a_dead_worker(fresh, now - timedelta(seconds=60), 1)

    report = deliver_pending(now=now)

    assert report == DeliveryReport(attempted=1, sent=1)
    assert received_ids(smtp_server) == [stale.message_id]
    assert stale.status == EmailStatus.SENT
    assert stale.attempts == 2  # the interrupted attempt counts
    assert stale.last_error is None
    assert fresh.status == EmailStatus.SENDING
    assert fresh.claimed_at == now - timedelta(seconds=60)
    assert fresh.attempts == 1


def test_interrupted_email_without_attempts_left_fails(smtp_server, app):
    now = utcnow()
    email = queue()
    claimed_by_a_dead_worker(email, now - timedelta(hours=1), app.config["MAIL_MAX_ATTEMPTS"])

    assert deliver_pending(now=now) == DeliveryReport()

    assert email.status == EmailStatus.FAILED
    assert email.last_error == runner.INTERRUPTED
    assert smtp_server.messages == []


def test_a_row_is_claimed_only_once(app):
    email = queue()
    now = utcnow()

    claimed = runner.claim_next(now, {"deliver_email"})
    assert claimed.payload == {"email_id": email.id}
    assert runner.claim_next(now, {"deliver_email"}) is None
    assert email.status == EmailStatus.SENDING
    assert email.claimed_at == now
    assert email.attempts == 1


def test_email_erased_after_its_claim_is_not_sent(smtp_server, app, monkeypatch):
    email = queue()
    email_id = email.id
    real_claim = runner.claim_next

    def claim_then_erase(now, kinds):
        claimed = real_claim(now, kinds)
        if claimed is not None:
            # An editor erases the applicant, emails included, right after the claim.
            db.session.execute(delete(OutboxEmail).where(OutboxEmail.id == email_id))
            db.session.commit()
        return claimed

    monkeypatch.setattr(runner, "claim_next", claim_then_erase)

    assert deliver_pending() == DeliveryReport(attempted=1)
    assert smtp_server.messages == []
    assert db.session.get(OutboxEmail, email_id) is None


def test_two_workers_at_once_send_each_of_twenty_emails_exactly_once(smtp_server, app):
    emails = [queue(to_address=f"applicant{n}@example.net") for n in range(20)]
    expected = sorted(email.message_id for email in emails)
    db.session.commit()  # no open transaction (SQLite's write lock) while the workers run
    now = utcnow()
    barrier = threading.Barrier(2)
    workers = [Worker(app, f"worker-{n}", barrier, now=now) for n in (1, 2)]

    for worker in workers:
        worker.start()
    reports = [worker.result() for worker in workers]

    assert sum(report.attempted for report in reports) == 20
    assert sum(report.sent for report in reports) == 20
    assert [(report.deferred, report.failed) for report in reports] == [(0, 0), (0, 0)]
    assert sorted(received_ids(smtp_server)) == expected
    assert db.session.scalars(select(OutboxEmail.status).distinct()).all() == ["sent"]
    assert db.session.scalar(select(func.max(OutboxEmail.attempts))) == 1


def test_email_fails_after_max_attempts_with_doubling_waits(refused, app):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    email = queue()
    first = utcnow()

    assert deliver_pending(now=first) == DeliveryReport(attempted=1, deferred=1)
    assert email.next_attempt_at == first + BASE
    second = first + BASE
    assert deliver_pending(now=second) == DeliveryReport(attempted=1, deferred=1)
    assert email.next_attempt_at == second + 2 * BASE
    third = second + 2 * BASE
    assert deliver_pending(now=third) == DeliveryReport(attempted=1, failed=1)

    assert email.status == EmailStatus.FAILED
    assert email.attempts == 3
    assert email.last_error.startswith("ConnectionRefusedError: ")
    assert deliver_pending(now=third + timedelta(days=1)) == DeliveryReport()


def test_retry_wait_is_capped_at_six_hours(app):
    app.config["MAIL_RETRY_BASE_SECONDS"] = 60
    retry_delay = KINDS["deliver_email"].retry_delay
    assert retry_delay(1) == timedelta(minutes=1)
    assert retry_delay(4) == timedelta(minutes=8)
    assert retry_delay(9) == timedelta(hours=4, minutes=16)
    assert retry_delay(10) == timedelta(hours=6)
    assert retry_delay(500) == timedelta(hours=6)


def test_email_for_a_staff_account_records_the_user(app):
    user = User(email="editor@example.org", name="Editor", password_hash="not-a-real-hash")
    db.session.add(user)

    email = outbox.queue(
        to_address=user.email,
        subject="Your account",
        body_text="Welcome.\n",
        template="account_created",
        language="en",
        user=user,
    )
    db.session.commit()

    assert user.id is not None
    assert email.user_id == user.id
    assert email.application_id is None
    assert email.status == EmailStatus.QUEUED


@pytest.mark.parametrize(
    "field",
    [
        {"to_address": "applicant@example.net\r\nBcc: everyone@example.net"},
        {"to_address": "applicant@example.net\n"},
        {"subject": "Ihre Bewerbung\nBcc: everyone@example.net"},
        {"subject": "Ihre Bewerbung\r"},
        {"subject": "Ihre Bewerbung\0"},
    ],
)
def test_line_breaks_in_address_or_subject_are_refused_and_nothing_is_queued(app, field):
    with pytest.raises(ValueError, match="must not contain CR, LF or NUL"):
        queue(**field)

    assert list(db.session.new) == []
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_draft_is_not_delivered_and_other_initial_states_are_refused(smtp_server, app):
    draft = queue(status=EmailStatus.DRAFT)

    assert deliver_pending() == DeliveryReport()
    assert draft.status == EmailStatus.DRAFT
    assert smtp_server.messages == []
    with pytest.raises(ValueError, match="'sent'"):
        queue(status=EmailStatus.SENT)


def test_delivery_refuses_to_run_inside_a_request(app):
    with app.test_request_context(), pytest.raises(RuntimeError, match="never in a request"):
        deliver_pending()


def test_cli_mail_deliver_sends_and_prints_the_counts(smtp_server, app, runner):
    email = queue()

    result = runner.invoke(args=["mail", "deliver"])

    assert result.exit_code == 0, result.output
    # The email, the day's retention purge, the hour's digests and assignment reminders
    # (none due): `mail deliver` is the worker.
    assert result.stderr == "done 4, retry later 0, failed 0\n"
    assert received_ids(smtp_server) == [email.message_id]


# --- From, Reply-To and the archive copy ------------------------------------------------

ARCHIVE = "archive@newsroom.example"


@pytest.fixture
def archived_server(app_config):
    """A recording server, with every email copied to the archive address as a Bcc."""
    with recording_smtp_server() as server:
        app_config.update(_settings(server.port, MAIL_ARCHIVE_BCC=ARCHIVE))
        yield server


def test_archive_bcc_is_an_envelope_recipient_and_never_a_header(archived_server, app):
    email = queue()

    assert deliver_pending() == DeliveryReport(attempted=1, sent=1)

    (received,) = archived_server.messages
    assert sorted(received.rcpt_tos) == sorted([APPLICANT, ARCHIVE])
    assert ARCHIVE.encode() not in received.content
    message = received.message
    assert message["Bcc"] is None
    assert message["To"] == APPLICANT
    assert message["Message-ID"] == email.message_id


def test_a_refused_applicant_fails_even_when_the_archive_copy_is_accepted(archived_server, app):
    archived_server.handler.reject[APPLICANT] = "550 5.1.1 No such user here"
    email = queue()

    assert deliver_pending() == DeliveryReport(attempted=1, failed=1)

    assert email.status == EmailStatus.FAILED
    assert email.last_error == "550 5.1.1 No such user here"
    assert [received.rcpt_tos for received in archived_server.messages] == [[ARCHIVE]]


def test_a_refused_archive_copy_does_not_fail_the_email(archived_server, app):
    archived_server.handler.reject[ARCHIVE] = "550 5.1.1 Archive full"
    email = queue()

    assert deliver_pending() == DeliveryReport(attempted=1, sent=1)

    assert email.status == EmailStatus.SENT
    assert [received.rcpt_tos for received in archived_server.messages] == [[APPLICANT]]


@pytest.fixture
def desk_server(app_config):
    """A recording server; MAIL_REPLY_TO is not set, DESK_EMAIL is."""
    with recording_smtp_server() as server:
        app_config.update(mail_settings(server.port, DESK_EMAIL="desk@newsroom.example"))
        yield server


def test_reply_to_is_the_desk_when_no_reply_to_is_configured(desk_server, app):
    assert app.config["MAIL_REPLY_TO"] is None
    email = queue()

    deliver_pending()

    (received,) = desk_server.messages
    assert received.message["Reply-To"] == "desk@newsroom.example"
    # A bare MAIL_DEFAULT_SENDER gets SITE_NAME as its display name.
    assert received.message["From"] == "Caucasus Watch <experts@example.org>"
    assert received.message["Message-ID"] == email.message_id


@pytest.fixture
def named_server(app_config):
    """A recording server; the sender's display name is set apart, with an umlaut and a comma."""
    with recording_smtp_server() as server:
        app_config.update(
            mail_settings(
                server.port,
                MAIL_DEFAULT_SENDER="Old Name <experts@example.org>",
                MAIL_SENDER_NAME="Kaukasus-Wächter, Berlin",
            )
        )
        yield server


def test_the_sender_name_beyond_ascii_is_encoded_in_the_from_header(named_server, app):
    queue()

    deliver_pending()

    (received,) = named_server.messages
    assert received.mail_from == "experts@example.org"
    raw_from = next(line for line in received.content.split(b"\r\n") if line.startswith(b"From: "))
    # ASCII on the wire, and one decoding (what any mail client does) gives the name:
    # encoded once, not twice.
    assert raw_from == b"From: =?utf-8?q?Kaukasus-W=C3=A4chter=2C_Berlin?= <experts@example.org>"
    assert str(make_header(decode_header(raw_from[6:].decode()))) == (
        "Kaukasus-Wächter, Berlin <experts@example.org>"
    )
    (sender,) = received.message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Kaukasus-Wächter, Berlin",
        "experts@example.org",
    )


def test_an_empty_sender_name_sends_from_the_bare_address(smtp_server, app):
    app.config["MAIL_DEFAULT_SENDER"] = "experts@example.org"
    app.config["MAIL_SENDER_NAME"] = ""
    queue()

    deliver_pending()

    assert smtp_server.messages[0].message["From"] == "experts@example.org"


@pytest.mark.parametrize(
    ("default_sender", "sender_name", "header", "shown"),
    [
        ("experts@example.org", None, '"Caucasus Watch" <experts@example.org>', None),
        ("Desk <experts@example.org>", None, '"Desk" <experts@example.org>', None),
        (("Desk", "experts@example.org"), None, '"Desk" <experts@example.org>', None),
        ("Desk <experts@example.org>", "CW", '"CW" <experts@example.org>', None),
        ("Desk <experts@example.org>", "", "experts@example.org", "experts@example.org"),
        ("experts@example.org", 'The "Watch"', '"The \\"Watch\\"" <experts@example.org>', None),
    ],
)
def test_the_display_name_comes_from_the_setting_the_sender_or_the_site(
    app, default_sender, sender_name, header, shown
):
    app.config["MAIL_DEFAULT_SENDER"] = default_sender
    app.config["MAIL_SENDER_NAME"] = sender_name

    assert outbox.sender_header() == header
    name, address = outbox.sender_name_and_address()
    assert outbox.sender_text() == (shown or f"{name} <{address}>")


def test_a_line_break_in_the_sender_name_is_refused(app):
    app.config["MAIL_SENDER_NAME"] = "Caucasus Watch\r\nBcc: x@example.net"

    with pytest.raises(ValueError, match="CR, LF or NUL"):
        outbox.sender_header()


def test_a_one_time_token_gives_one_message_id(app):
    token = "k3Jq0xGm8TqZr2vW-aB_cD4e"
    assert outbox.make_message_id(token) == f"<{token}@example.org>"
    assert outbox.make_message_id(token, 42) == f"<{token}.42@example.org>"
    queue(message_id=outbox.make_message_id(token))
    with pytest.raises(ValueError, match="16 to 100"):
        outbox.make_message_id("short")
    with pytest.raises(ValueError, match="must not contain CR, LF or NUL"):
        queue(message_id="<a\r\nBcc: x@example.org>")
