"""Queue emails in the caller's transaction: the outbox, every email's only way out.

An email is a row written in the same transaction as the change that caused it
(ARCHITECTURE.md §3), and so is the ``deliver_email`` job that sends it: the worker
(`flask worker`, :mod:`tracker.mail.delivery`) runs it after that commit; nothing here
talks to SMTP.
"""

from __future__ import annotations

import re
from email.utils import make_msgid, parseaddr

from flask import current_app
from sqlalchemy import select

from tracker.enums import EmailStatus, JobStatus
from tracker.extensions import db
from tracker.jobs.queue import enqueue
from tracker.mail.discretion import discretion_for, shield_subject
from tracker.mail.templates import RenderedEmail
from tracker.models import Job, OutboxEmail, ReplyAddress

# The job kind that sends one email (declared in tracker.mail.delivery).
DELIVER_EMAIL = "deliver_email"

# A CR or LF in an address or subject would start a header of the attacker's choosing
# (Bcc: …); some mail servers cut a header at NUL.
HEADER_BREAKERS = ("\r", "\n", "\0")


def queue(
    *,
    to_address: str,
    subject: str,
    body_text: str,
    template: str,
    language: str,
    application=None,
    user=None,
    expert=None,
    body_html: str | None = None,
    status: EmailStatus = EmailStatus.QUEUED,
    created_by=None,
    message_id: str | None = None,
) -> OutboxEmail:
    """Add an email to the outbox in the caller's transaction.

    The row is added to ``db.session`` but not committed: it is written together with the
    change that caused it, or not at all.

    :param status: ``queued`` (the worker sends it) or ``draft`` (it waits for an editor).
    :param created_by: the editor who wrote it; None for automatic emails.
    :param expert: the expert of the pool it is written to (erased with them).
    :param message_id: a Message-ID made by :func:`make_message_id` from a one-time token,
        so that sending one form twice hits the unique constraint; a fresh one otherwise.
    :raises ValueError: if *to_address*, *subject* or *message_id* contains CR, LF or NUL
        (header injection), or *status* is neither ``queued`` nor ``draft``.

    The subject of an email about an applicant at risk never names them, whichever way it
    was written (mail.discretion): every email passes here.
    """
    subject = shield_subject(subject, discretion_for(application, expert))
    for name, value in (
        ("to_address", to_address),
        ("subject", subject),
        ("message_id", message_id or ""),
    ):
        if any(char in value for char in HEADER_BREAKERS):
            raise ValueError(f"{name} must not contain CR, LF or NUL")
    status = EmailStatus(status)
    if status not in (EmailStatus.QUEUED, EmailStatus.DRAFT):
        raise ValueError(f"an email is queued as 'queued' or 'draft', not {status.value!r}")
    if user is not None and user.id is None:
        db.session.flush()  # a user created in this transaction gets its id here
    if created_by is not None and created_by.id is None:
        db.session.flush()
    if application is not None:
        ensure_reply_address(application)
    email = OutboxEmail(
        application=application,
        user_id=None if user is None else user.id,
        expert_id=None if expert is None else expert.id,
        created_by_id=None if created_by is None else created_by.id,
        template=template,
        language=language,
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        # Fixed now, so every retry carries the same Message-ID and a receiver that got
        # the email twice (a worker killed after sending) can tell it is one email.
        message_id=message_id or make_msgid(domain=sender_domain()),
        status=EmailStatus.DRAFT.value,
    )
    db.session.add(email)
    if status == EmailStatus.QUEUED:
        queue_delivery(email)
    return email


def show_queued(email: OutboxEmail) -> None:
    """Show *email* as queued with a fresh count: what editors see once it waits again.

    The rows only; :func:`queue_delivery` gives it the job that sends it.
    """
    email.status = EmailStatus.QUEUED.value
    email.attempts = 0
    email.next_attempt_at = None
    email.claimed_at = None
    email.last_error = None


def show_bounced(email: OutboxEmail, diagnostic: str | None) -> None:
    """Show *email* as bounced: the applicant's mail server sent it back, saying why
    (*diagnostic*, shown as the server's answer). In the caller's transaction."""
    email.status = EmailStatus.BOUNCED.value
    email.last_error = diagnostic or None


def queue_delivery(email: OutboxEmail) -> None:
    """Make *email* queued, with a fresh count of attempts, and have the worker send it.

    The one way an email becomes queued — written, released from the drafts, or tried
    again after it failed — in the caller's transaction (nothing is committed). An email
    has one delivery job: a failed one is queued again rather than joined by a second, so
    that two jobs can never send one email.
    """
    show_queued(email)
    if email.id is None:  # a new email: it has no job yet
        db.session.flush()
        enqueue(DELIVER_EMAIL, email_id=email.id)
        return
    failed = db.session.scalar(
        select(Job).where(
            Job.kind == DELIVER_EMAIL,
            Job.status == JobStatus.FAILED.value,
            Job.payload["email_id"].as_integer() == email.id,
        )
    )
    if failed is None:
        enqueue(DELIVER_EMAIL, email_id=email.id)
        return
    failed.status = JobStatus.QUEUED.value
    failed.attempts = 0
    failed.next_attempt_at = failed.finished_at = failed.last_error = None


_MESSAGE_ID_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,100}(\.[0-9]{1,12})?")


def queue_rendered(rendered: RenderedEmail, *, to_address: str, **options) -> OutboxEmail:
    """Add a rendered template to the outbox for *to_address*: :func:`queue` with its parts.

    *options* are :func:`queue`'s (application, user, expert, status, created_by,
    message_id).
    """
    return queue(
        to_address=to_address,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        template=rendered.key,
        language=rendered.language,
        **options,
    )


def make_message_id(token: str, part: int | None = None) -> str:
    """Return the Message-ID that one-time *token* (and *part*, e.g. an application id) gives.

    The same form sent twice yields the same Message-ID, which is unique in the outbox:
    the second copy cannot be queued. *token* must be URL-safe base64 (secrets.token_urlsafe).
    """
    local = token if part is None else f"{token}.{int(part)}"
    if not _MESSAGE_ID_TOKEN.fullmatch(local):
        raise ValueError("a message token is 16 to 100 URL-safe characters")
    return f"<{local}@{sender_domain()}>"


def sender_name_and_address() -> tuple[str, str]:
    """Return the display name and the address every email is sent From.

    The address is MAIL_DEFAULT_SENDER's; the name is MAIL_SENDER_NAME if set (empty for
    none), else the name written in MAIL_DEFAULT_SENDER, else SITE_NAME: applicants see
    "Caucasus Watch", not a bare address they may not recognise.
    """
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    written_name, address = sender if isinstance(sender, tuple) else parseaddr(sender or "")
    name = config.get("MAIL_SENDER_NAME")
    if name is None:
        name = written_name or config.get("SITE_NAME") or ""
    if any(char in f"{name}{address}{sender}" for char in HEADER_BREAKERS):
        raise ValueError("MAIL_SENDER_NAME and MAIL_DEFAULT_SENDER must not contain CR, LF or NUL")
    return name.strip(), address


def sender_header() -> str:
    """Return the sender for Flask-Mail's Message: the name as a quoted string.

    Flask-Mail parses it again (parseaddr) and writes the header itself with formataddr,
    the name as an RFC 2047 encoded word, so a name beyond ASCII ("Kaukasus-Wächter")
    arrives intact. A name encoded here already would be encoded twice, and a name with a
    comma left unquoted would be read as two addresses.
    """
    name, address = sender_name_and_address()
    if not name:
        return address
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}" <{address}>'


def sender_text() -> str:
    """Return the sender as a person reads it in a preview ("Name <address>")."""
    name, address = sender_name_and_address()
    return f"{name} <{address}>" if name else address


def reply_to_address(application=None) -> str:
    """Return where an applicant's answer goes: MAIL_REPLY_TO, else the desk ("" if neither).

    For an email about *application*, the address carries the application's opaque reply
    token: ``experts+r-<token>@example.org``, which the reply fetcher (tracker.replies)
    reads back to file the answer on the candidate. The token says nothing about the
    person; our Message-ID, which a reply names in In-Reply-To, is the second key.
    """
    config = current_app.config
    base = parseaddr(config.get("MAIL_REPLY_TO") or config.get("DESK_EMAIL") or "")[1]
    address = application.reply_address if application is not None else None
    local, at, domain = base.rpartition("@")
    if address is None or not at:
        return base
    return f"{local}+r-{address.token}@{domain}"


def ensure_reply_address(application) -> ReplyAddress:
    """Give *application* its random reply token if it has none yet (caller's transaction)."""
    if application.reply_address is None:
        application.reply_address = ReplyAddress()
    return application.reply_address


def sender_domain() -> str:
    """Return the domain of MAIL_DEFAULT_SENDER, the right-hand side of our Message-IDs."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    if isinstance(sender, tuple):
        sender = sender[1]
    _, at, domain = parseaddr(sender or "")[1].rpartition("@")
    # Without a domain make_msgid() asks the resolver for this host's name, which can hang.
    return domain if at and domain else "localhost"
