"""Deliver the outbox: the mail worker, and the only code that talks to SMTP.

The worker (`flask mail deliver`) runs after the transactions that queued the emails
committed (:mod:`tracker.mail.outbox`). It claims each due row atomically, talks to SMTP
with a timeout, and records the outcome — sent, queued again with backoff, or failed with
the server's answer. A "sending" row whose worker stopped is reset (ARCHITECTURE.md §3).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask import current_app, has_request_context
from flask_mail import BadHeaderError, Connection, Message, email_dispatched
from sqlalchemy import case, or_, select, update

from tracker.database import begin_write
from tracker.enums import EmailStatus
from tracker.extensions import db
from tracker.mail.outbox import HEADER_BREAKERS, reply_to_address, sender_header
from tracker.models import OutboxEmail, utcnow

log = logging.getLogger(__name__)

# However many attempts failed, a queued email is tried again at least this often.
MAX_RETRY_DELAY_SECONDS = 6 * 3600
INTERRUPTED = "delivery interrupted: the worker stopped after claiming this email"


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
    people who read it. MAIL_ARCHIVE_BCC, if set, is added as a Bcc: Flask-Mail gives a Bcc
    to SMTP as an envelope recipient only and never writes it into the headers, so the
    applicant does not see the archive address.
    """
    message = Message(
        subject=email.subject,
        recipients=[email.to_address],
        body=email.body_text,
        html=email.body_html,
        sender=sender_header(),
        reply_to=reply_to_address() or None,
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
    """Send the emails that are due, once, and record how each attempt ended.

    Run it outside any request, after the transactions that queued the emails committed;
    `flask mail deliver` does. Each row is claimed, and the claim committed, before SMTP
    is contacted, so two workers never send one email twice. No transaction stays open
    while SMTP talks. A failure of the connection itself (refused, timed out, dropped,
    421) ends the pass: the due rows not yet claimed stay queued, untouched, for the
    next pass, instead of each waiting for the same dead server.

    :param now: the current time as naive UTC; tests pass it to move the clock.
    :param limit: the most rows to claim in this pass.
    :raises RuntimeError: inside a request — a web request must never wait on SMTP.
    """
    if has_request_context():
        raise RuntimeError("deliver_pending() runs in the mail worker, never in a request")
    now = now or utcnow()
    report = DeliveryReport()
    _reset_stale_claims(now)
    due = db.session.scalars(
        select(OutboxEmail.id)
        .where(OutboxEmail.status == EmailStatus.QUEUED.value, _is_due(now))
        .order_by(OutboxEmail.created_at, OutboxEmail.id)
        .limit(limit)
    ).all()
    db.session.commit()  # end this transaction: each claim below is a write of its own
    transport = _SmtpTransport() if current_app.config.get("MAIL_SERVER") else _ConsoleTransport()
    try:
        for email_id in due:
            if not claim(email_id, now):
                continue  # another worker claimed it between our SELECT and our UPDATE
            report.attempted += 1
            email = db.session.get(OutboxEmail, email_id)
            if email is None:
                # Erased with its applicant since we claimed it: nobody to write to.
                db.session.commit()
                continue
            message = build_message(email)
            db.session.commit()  # no transaction (and no SQLite write lock) while SMTP talks
            failure = _send(message, transport)
            _record_outcome(email_id, failure, now, report)
            if transport.broken:
                break
    finally:
        transport.close()
    return report


def _is_due(now: datetime):
    return or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now)


def _reset_stale_claims(now: datetime) -> None:
    """Requeue rows whose worker stopped after claiming them, or fail them if out of attempts.

    The stopped worker may have sent the email before it died; sending it again is the
    lesser harm, and the unchanged Message-ID lets the receiver recognise the duplicate.
    The interrupted attempt counts, so an email that kills its worker cannot loop forever.
    """
    config = current_app.config
    stale_before = now - timedelta(seconds=config["MAIL_STALE_SENDING_SECONDS"])
    begin_write()
    db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.status == EmailStatus.SENDING.value,
            or_(OutboxEmail.claimed_at.is_(None), OutboxEmail.claimed_at < stale_before),
        )
        .values(
            status=case(
                (OutboxEmail.attempts >= config["MAIL_MAX_ATTEMPTS"], EmailStatus.FAILED.value),
                else_=EmailStatus.QUEUED.value,
            ),
            last_error=INTERRUPTED,
        )
        .execution_options(synchronize_session=False)
    )


def claim(email_id: int, now: datetime) -> bool:
    """Take a due queued row for this worker and commit; tell whether it was still free.

    The status test is in the UPDATE itself, so the database decides which of two workers
    gets the row: the loser's UPDATE matches no row. Claiming counts as an attempt.
    """
    begin_write()
    result = db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id == email_id,
            OutboxEmail.status == EmailStatus.QUEUED.value,
            _is_due(now),
        )
        .values(
            status=EmailStatus.SENDING.value,
            claimed_at=now,
            attempts=OutboxEmail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


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


def _record_outcome(
    email_id: int, failure: _Failure | None, now: datetime, report: DeliveryReport
) -> None:
    """Write how one attempt ended and commit it, so a crash later loses nothing."""
    begin_write()
    email = db.session.get(OutboxEmail, email_id)
    if email is None:  # erased while SMTP talked; there is nothing left to record
        db.session.commit()
        return
    if failure is None:
        email.status = EmailStatus.SENT.value
        email.sent_at = now
        email.last_error = None
        report.sent += 1
        log.info("outbox email %s (%s) sent", email_id, email.template)
    elif failure.permanent or email.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        email.status = EmailStatus.FAILED.value
        email.last_error = failure.error
        report.failed += 1
        log.warning("outbox email %s (%s) failed: %s", email_id, email.template, failure.error)
    else:
        email.status = EmailStatus.QUEUED.value
        email.next_attempt_at = now + retry_delay(email.attempts)
        email.last_error = failure.error
        report.deferred += 1
        log.info(
            "outbox email %s (%s) retried at %s: %s",
            email_id,
            email.template,
            email.next_attempt_at,
            failure.error,
        )
    db.session.commit()


def retry_delay(attempts: int) -> timedelta:
    """Return the wait after the *attempts*-th failed attempt: base, 2×base, 4×base …"""
    base = current_app.config["MAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY_SECONDS))


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
