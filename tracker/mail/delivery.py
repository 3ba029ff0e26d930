"""Deliver the outbox: the ``deliver_email`` job, and the only code that talks to SMTP.

Every queued email has a delivery job (:func:`tracker.mail.outbox.queue_delivery`), run by
the worker (`flask worker`, :mod:`tracker.jobs`) after the transaction that queued it
committed. The job machinery claims, retries with backoff and resets stale claims; here
the claimed email is sent over SMTP with a timeout, and the outcome told to the machinery:
sent, a transient failure (retried), a permanent one (failed with the server's answer), or
a server that cannot be reached (retried, and the pass ends for emails).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import click
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_mail import BadHeaderError, Connection, Message, email_dispatched

from tracker.enums import EmailStatus, JobStatus
from tracker.extensions import db
from tracker.jobs.registry import ClaimedJob, JobFailed, KindUnavailable, RetryLater, job_kind
from tracker.jobs.runner import run_pending
from tracker.mail.outbox import (
    DELIVER_EMAIL,
    HEADER_BREAKERS,
    reply_to_address,
    sender_header,
    show_queued,
)
from tracker.models import Job, OutboxEmail
from tracker.notifications.core import notify_bounce

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    """What one delivery pass did: rows claimed, and how each attempt ended."""

    attempted: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0


def build_message(email: OutboxEmail) -> Message:
    """Return the Flask-Mail message for an outbox row, carrying the row's Message-ID.

    From is the sender's display name and address (outbox.sender_header); Reply-To is
    MAIL_REPLY_TO, or else the desk address, so that an applicant's answer reaches the
    people who read it; for an email to an applicant with the application's reply token
    (outbox.reply_to_address), so that the answer lands on the candidate.
    MAIL_ARCHIVE_BCC, if set, is added as a Bcc: Flask-Mail gives a Bcc to SMTP as an
    envelope recipient only and never writes it into the headers, so the applicant does
    not see the archive address.
    """
    message = Message(
        subject=email.subject,
        recipients=[email.to_address],
        body=email.body_text,
        html=email.body_html,
        sender=sender_header(),
        reply_to=reply_to_address(email.application) or None,
        bcc=archive_addresses(),
    )
    message.msgId = email.message_id
    return message


def archive_addresses() -> list[str]:
    """Return the MAIL_ARCHIVE_BCC addresses (comma-separated in the setting)."""
    value = current_app.config.get("MAIL_ARCHIVE_BCC") or ""
    addresses = [address.strip() for address in value.split(",") if address.strip()]
    for address in addresses:
        if any(char in address for char in HEADER_BREAKERS):
            raise ValueError("MAIL_ARCHIVE_BCC must not contain CR, LF or NUL")
    return addresses


def deliver_pending(*, now: datetime | None = None, limit: int = 100) -> DeliveryReport:
    """Run the due ``deliver_email`` jobs only: send each email once, record each outcome.

    :func:`tracker.jobs.runner.run_pending` for one kind; see there for claims and passes.
    """
    report = run_pending(now=now, limit=limit, kinds={DELIVER_EMAIL})
    return DeliveryReport(
        attempted=report.attempted, sent=report.done, deferred=report.deferred, failed=report.failed
    )


@contextmanager
def _open_transport() -> Iterator[_SmtpTransport | _ConsoleTransport]:
    """Open the pass's transport: SMTP if MAIL_SERVER is set, else the console."""
    transport = _SmtpTransport() if current_app.config.get("MAIL_SERVER") else _ConsoleTransport()
    try:
        yield transport
    finally:
        transport.close()


def mirror_job(job: Job) -> None:
    """Show a delivery job's state on its email, the row editors see in the outbox.

    Claimed: queued → sending; done: sent; queued again or failed: so with the server's
    answer. The job, not the email, decides when it is tried: these are copies for people.
    """
    email = db.session.get(OutboxEmail, job.payload["email_id"])
    if email is None:
        return  # erased with its applicant: nobody to write to
    if job.status == JobStatus.QUEUED.value and job.attempts == 0:
        if email.status == EmailStatus.FAILED.value:
            show_queued(email)  # an admin retried the failed job
        return
    if job.status == JobStatus.RUNNING.value:
        if email.status != EmailStatus.QUEUED.value:
            return  # a draft, or sent already: this job will find nothing to do
        email.status = EmailStatus.SENDING.value
        email.claimed_at = job.claimed_at
    elif email.status != EmailStatus.SENDING.value:
        return
    elif job.status == JobStatus.DONE.value:
        email.status = EmailStatus.SENT.value
        email.sent_at = job.finished_at
    elif job.status == JobStatus.QUEUED.value:
        email.status = EmailStatus.QUEUED.value
        email.next_attempt_at = job.next_attempt_at
    else:
        email.status = EmailStatus.FAILED.value
        notify_bounce(email)
    email.attempts = job.attempts
    email.last_error = job.last_error


@job_kind(
    DELIVER_EMAIL,
    label=_l("Send an email"),
    open_pass=_open_transport,
    mirror=mirror_job,
    settings=("MAIL_MAX_ATTEMPTS", "MAIL_RETRY_BASE_SECONDS", "MAIL_STALE_SENDING_SECONDS"),
)
def deliver_email(job: ClaimedJob, transport: _SmtpTransport | _ConsoleTransport) -> bool:
    """Send the email a claimed job names, once; False if there is none to send any more.

    No transaction stays open while SMTP talks. A failure of the connection itself
    (refused, timed out, dropped, 421) makes the kind unavailable: the pass ends for
    emails, and the rest stay queued, untouched, instead of each waiting for a dead server.
    """
    email = db.session.get(OutboxEmail, job.payload["email_id"])
    if email is None or email.status != EmailStatus.SENDING.value:
        db.session.commit()
        return False  # erased since it was queued, or sent by an earlier job
    message = build_message(email)
    db.session.commit()  # no transaction (and no SQLite write lock) while SMTP talks
    failure = _send(message, transport)
    if failure is None:
        return True
    if failure.permanent:
        raise JobFailed(failure.error)
    if transport.broken:
        raise KindUnavailable(failure.error)
    raise RetryLater(failure.error)


@dataclass(frozen=True)
class _Failure:
    error: str
    permanent: bool


def _send(message: Message, transport: _SmtpTransport | _ConsoleTransport) -> _Failure | None:
    """Send one message; return None on success, else why it failed."""
    try:
        transport.send(message)
    except OSError as error:  # smtplib.SMTPException is an OSError too
        return _smtp_failure(error)
    except (BadHeaderError, ValueError) as error:
        # The message or an address cannot be written for this server (e.g. a non-ASCII
        # mailbox name without SMTPUTF8); retrying will not change that. The dialogue may
        # have stopped halfway, so the next email starts on a fresh connection.
        transport.discard()
        return _Failure(f"{type(error).__name__}: {error}", permanent=True)
    return None


def _smtp_failure(error: OSError) -> _Failure:
    """Return the server's answer, and whether it is permanent (5xx about this email)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # One recipient per message, so one answer.
        code, answer = next(iter(error.recipients.values()))
        return _Failure(_reply_text(code, answer), permanent=500 <= code < 600)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        code = error.smtp_code
        return _Failure(_reply_text(code, error.smtp_error), permanent=500 <= code < 600)
    if isinstance(error, smtplib.SMTPResponseException):
        # Greeting, EHLO, AUTH: the server or our settings are at fault, not this email.
        return _Failure(_reply_text(error.smtp_code, error.smtp_error), permanent=False)
    return _Failure(f"{type(error).__name__}: {error}", permanent=False)


def _reply_text(code: int, answer: bytes | str) -> str:
    if isinstance(answer, bytes):
        answer = answer.decode("utf-8", errors="replace")
    return f"{code} {answer}"


class _RecipientsChecked:
    """smtplib's sendmail, failing when the applicant's address was refused.

    smtplib raises only when every recipient is refused. With an archive Bcc accepted
    beside it, a refused applicant address would pass silently, the row would say "sent"
    and nobody would learn that the applicant got nothing. A refused archive copy alone
    is logged: the applicant did get the email.
    """

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        refused = super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)
        archive = {address.lower() for address in archive_addresses()}
        missed = {
            address: answer for address, answer in refused.items() if address.lower() not in archive
        }
        if missed:
            raise smtplib.SMTPRecipientsRefused(missed)
        if refused:
            log.warning("archive copy refused: %s", refused)
        return refused


class _CheckedSMTP(_RecipientsChecked, smtplib.SMTP):
    pass


class _CheckedSMTPSSL(_RecipientsChecked, smtplib.SMTP_SSL):
    pass


class TimeoutConnection(Connection):
    """Flask-Mail's SMTP connection, with a timeout on every socket operation."""

    def configure_host(self) -> smtplib.SMTP:
        """Connect, start TLS and log in as Flask-Mail does, but never wait forever."""
        # Flask-Mail opens smtplib.SMTP without a timeout: a server that accepts the
        # connection and then says nothing would block the worker for good.
        timeout = current_app.config["MAIL_TIMEOUT"]
        # smtplib's default TLS context checks no certificate; the password and the
        # applicants' emails must not go to whoever sits between us and the server.
        context = ssl.create_default_context()
        if self.mail.use_ssl:
            host = _CheckedSMTPSSL(
                self.mail.server, self.mail.port, timeout=timeout, context=context
            )
        else:
            host = _CheckedSMTP(self.mail.server, self.mail.port, timeout=timeout)
        try:
            host.set_debuglevel(int(self.mail.debug))
            if self.mail.use_tls:
                host.starttls(context=context)
            if self.mail.username and self.mail.password:
                host.login(self.mail.username, self.mail.password)
        except BaseException:
            host.close()
            raise
        return host

    def __exit__(self, exc_type, exc_value, tb) -> None:
        """Say QUIT if the server still listens; otherwise just close the socket."""
        if self.host is not None:
            try:
                self.host.quit()
            except OSError:  # the server dropped us; the outcome is already recorded
                self.host.close()


class _SmtpTransport:
    """Open one SMTP connection on the first email of a pass and reuse it for the rest."""

    def __init__(self) -> None:
        self._connection: TimeoutConnection | None = None
        self._opened = False

    def send(self, message: Message) -> None:
        if self._connection is None:
            self._opened = True
            self._connection = TimeoutConnection(current_app.extensions["mail"]).__enter__()
        # Connection.send emits Flask-Mail's email_dispatched: record_messages() sees it.
        self._connection.send(message)

    @property
    def broken(self) -> bool:
        """Tell whether the server cannot be reached or dropped the connection."""
        if not self._opened:
            return False
        if self._connection is None:
            return True  # connecting failed
        # smtplib closes the socket after a 421 or a dropped connection; other 4xx and 5xx
        # answers concern one email and leave it usable after RSET. No host at all means
        # MAIL_SUPPRESS_SEND: nothing to break.
        host = self._connection.host
        return host is not None and host.sock is None

    def discard(self) -> None:
        self.close()
        self._opened = False

    def close(self) -> None:
        if self._connection is not None:
            self._connection.__exit__(None, None, None)
            self._connection = None


class _ConsoleTransport:
    """Print each email to stdout: with no MAIL_SERVER, that is how a developer sees them."""

    broken = False

    def send(self, message: Message) -> None:
        # Flask-Mail writes the wire format (CRLF); a console reader wants plain lines.
        click.echo(message.as_string().replace("\r\n", "\n"))
        # As Connection.send does, so record_messages() works without a server too.
        email_dispatched.send(current_app._get_current_object(), message=message)

    def discard(self) -> None:
        pass

    def close(self) -> None:
        pass
