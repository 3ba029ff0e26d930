"""Writing to candidates: template emails, one editor email, bulk emails, new status links.

Every email is written into the outbox in the transaction of the change that caused it
(ARCHITECTURE.md §3). Editors write to one candidate (:func:`send_email`) or to many
(:mod:`tracker.mail.bulk_email`); a compose form carries a signed one-time ticket, so that sent
twice it queues once. Automatic emails (acknowledgement, decisions, withdrawal) use
:func:`queue_template_email`; an applicant who lost the status link asks for a new one
(:func:`reissue_status_links`). Drafts and the outbox page are in :mod:`tracker.mail.drafts`.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker import tokens
from tracker.applications.people import normalise_email
from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import CANDIDATE_TEMPLATE_KEYS, EmailStatus, EmailTemplateKey
from tracker.extensions import db
from tracker.mail.discretion import Discretion, discretion_for
from tracker.mail.fillins import refusal, unfilled_parts
from tracker.mail.outbox import make_message_id, queue, queue_rendered
from tracker.mail.placeholders import placeholder_values, render_for
from tracker.mail.templates import (
    FALLBACK_LANGUAGE,
    SUBJECT_MAX_LENGTH,
    RenderedEmail,
    TemplateValidationError,
    load_file_template,
    normalise_newlines,
    placeholders_for,
    render,
)
from tracker.models import Application, OutboxEmail, User
from tracker.urls import external_url

STATUS_LINK_TEMPLATE = "status_link"
CUSTOM_TEMPLATE = "custom"
BODY_MAX_LENGTH = 20_000


class ComposeError(ValueError):
    """An email cannot be queued as written; the message says why."""


class DuplicateEmail(Exception):
    """The same compose form was sent twice: its emails are queued already."""


# --- template emails -------------------------------------------------------------------


def queue_to_applicant(
    application: Application,
    rendered: RenderedEmail,
    *,
    by: User | None,
    status: EmailStatus = EmailStatus.QUEUED,
    message_id: str | None = None,
) -> OutboxEmail:
    """Add *rendered* to the outbox for *application*'s address, in the caller's transaction."""
    return queue_rendered(
        rendered,
        to_address=application.email,
        application=application,
        status=status,
        created_by=by,
        message_id=message_id,
    )


def queue_template_email(
    application: Application,
    key: str | EmailTemplateKey,
    *,
    by: User | None,
    status: EmailStatus = EmailStatus.QUEUED,
    reason: str | None = None,
) -> OutboxEmail:
    """Render *key* for *application* and add it to the outbox in the caller's transaction."""
    rendered = render_for(application, key, editor=by, reason=reason)
    return queue_to_applicant(application, rendered, by=by, status=status)


# --- one email to one candidate ----------------------------------------------------------


def starting_text(
    application: Application, key: str | None, *, by: User
) -> tuple[str, RenderedEmail | None]:
    """Return the template an editor starts from (*key*, or "request_info") and its text.

    The text is None when the template cannot be rendered (an admin must correct it).
    """
    if key not in CANDIDATE_TEMPLATE_KEYS:
        key = EmailTemplateKey.REQUEST_INFO.value
    try:
        return key, render_for(application, key, editor=by)
    except TemplateValidationError:
        return key, None


def issue_compose_ticket() -> str:
    """Return a signed one-time token for a compose form: sent twice, it queues once."""
    return tokens.sign(tokens.Purpose.COMPOSE, secrets.token_urlsafe(24))


def check_compose_ticket(ticket: str | None) -> str:
    """Return the token inside a compose ticket, or raise ComposeError."""
    try:
        token = tokens.load(tokens.Purpose.COMPOSE, ticket)
    except tokens.TokenInvalid as error:
        raise ComposeError(
            _("This form has expired. Please check the email and send it again.")
        ) from error
    if not isinstance(token, str):
        raise ComposeError(_("This form has expired. Please check the email and send it again."))
    return token


def check_subject(subject: str, discretion: Discretion | None = None) -> str:
    """Return *subject* trimmed, or raise ComposeError if it is empty, long or multi-line,
    or names the applicant at risk *discretion* protects (mail.discretion: refused, not
    rewritten, so the editor knows what is sent)."""
    if any(char in subject for char in "\r\n\0"):
        raise ComposeError(_("The subject must be one line."))
    subject = subject.strip()
    if not subject:
        raise ComposeError(_("Please write a subject."))
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ComposeError(
            _("The subject may be at most %(max)s characters long.", max=SUBJECT_MAX_LENGTH)
        )
    if discretion is not None and discretion.names_in(subject):
        raise ComposeError(
            _(
                "This applicant could be at risk: no email subject may name them, because a "
                "subject shows on lock screens and in mail logs. Please write their reference "
                "%(reference)s instead of the name.",
                reference=discretion.reference,
            )
        )
    return subject


def check_body(body_text: str) -> str:
    """Return *body_text* with LF line ends, or raise ComposeError if empty or too long."""
    body_text = normalise_newlines(body_text) or ""
    if not body_text.strip():
        raise ComposeError(_("Please write the text of the email."))
    if len(body_text) > BODY_MAX_LENGTH:
        raise ComposeError(
            _("The text may be at most %(max)s characters long.", max=BODY_MAX_LENGTH)
        )
    return body_text


def check_filled_in(*texts: str) -> None:
    """Raise ComposeError if any fill-in part ([[…]]) is left in *texts*."""
    parts = unfilled_parts(*texts)
    if parts:
        raise ComposeError(refusal(parts))


def find_by_message_id(message_id: str) -> OutboxEmail | None:
    return db.session.scalar(select(OutboxEmail).where(OutboxEmail.message_id == message_id))


def send_email(
    application: Application,
    *,
    subject: str,
    body_text: str,
    by: User,
    token: str,
    template_key: str | None = None,
    language: str | None = None,
) -> OutboxEmail:
    """Queue an email an editor wrote to *application*, record it, and commit.

    The text is sent as written (text only: an HTML part would no longer match edits).

    :param token: the compose form's one-time token (:func:`check_compose_ticket`).
    :raises DuplicateEmail: this form was sent already; nothing new is queued.
    :raises ComposeError: empty or multi-line subject, empty body, a fill-in part left,
        unusable address, a subject naming an applicant at risk (mail.discretion).
    """
    return send_written(
        to_address=application.email,
        subject=subject,
        body_text=body_text,
        by=by,
        token=token,
        template_key=template_key,
        language=language or application.preferred_language,
        application=application,
    )


def send_written(
    *,
    to_address: str,
    subject: str,
    body_text: str,
    by: User,
    token: str,
    template_key: str | None,
    language: str,
    application: Application | None = None,
    expert=None,
    **event_details,
) -> OutboxEmail:
    """Queue one email an editor wrote to *to_address* (a candidate's or an expert's),
    record it with *event_details*, and commit: :func:`send_email`'s checks for any
    recipient (the assignment brief uses them too).

    :raises DuplicateEmail: this form was sent already; nothing new is queued.
    :raises ComposeError: as :func:`send_email`.
    """
    subject = check_subject(subject, discretion_for(application, expert))
    body_text = check_body(body_text)
    check_filled_in(subject, body_text)
    message_id = make_message_id(token)
    begin_write()
    if find_by_message_id(message_id) is not None:
        db.session.rollback()
        raise DuplicateEmail
    key = template_key if template_key in set(EmailTemplateKey) else CUSTOM_TEMPLATE
    try:
        # queue() writes the row (its delivery job needs the id): a second copy of the
        # form sent at the same moment fails on the unique Message-ID here or at commit.
        email = queue(
            to_address=to_address,
            subject=subject,
            body_text=body_text,
            template=key,
            language=language,
            application=application,
            expert=expert,
            created_by=by,
            message_id=message_id,
        )
        record_event(
            "email.queued",
            actor=by,
            application=application,
            email=email.id,
            template=key,
            **event_details,
        )
        db.session.commit()
    except ValueError as error:
        db.session.rollback()
        raise ComposeError(
            _("The candidate's email address cannot be used: it contains a line break.")
        ) from error
    except IntegrityError as error:  # the same form, sent twice at the same moment
        db.session.rollback()
        raise DuplicateEmail from error
    return email


# --- a new status link -------------------------------------------------------------------


def reissue_status_links(address: str) -> int:
    """Send a fresh status link to every application of *address*; commit; return how many.

    Each application gets a new access key, so every older link stops working. The caller
    must answer the same whatever the count: nobody learns whether an address applied.

    Nor does the time taken tell (it did: a known address took twice as long). An address
    without applications goes through the same costly steps as one with an application:
    the status-link email is rendered (for a stand-in, then dropped) and one write
    transaction commits (the request's audit event, which names nobody). What remains
    different, a few row writes inside that transaction, costs microseconds beside the
    render and the commit.
    """
    wanted = normalise_email(address)
    if not wanted or any(char in wanted for char in "\r\n\0"):
        return 0
    begin_write()
    applications = list(
        db.session.scalars(
            select(Application)
            .where(Application.email == wanted)
            .order_by(Application.id)
            .options(selectinload(Application.call))
        )
    )
    for application in applications:
        application.access_key = secrets.token_urlsafe(24)
        db.session.flush()
        source = load_file_template(STATUS_LINK_TEMPLATE, application.preferred_language)
        rendered = render(
            source,
            placeholder_values(application, source.key, language=source.language),
            discretion=discretion_for(application),
        )
        queue_to_applicant(application, rendered, by=None)
        record_event("application.status_link_reissued", actor=None, application=application)
    if not applications:
        _render_stand_in_status_link()
    record_event("status_link.requested", actor=None)
    db.session.commit()
    return len(applications)


def _render_stand_in_status_link() -> RenderedEmail:
    """Render the status-link email as for an application, for nobody; queue nothing."""
    source = load_file_template(STATUS_LINK_TEMPLATE, FALLBACK_LANGUAGE)
    stand_in = {"a": 0, "k": secrets.token_urlsafe(24)}
    values = dict.fromkeys(placeholders_for(source.key), "")
    values["status_link"] = external_url(
        "portal.show", token=tokens.sign(tokens.Purpose.STATUS_LINK, stand_in)
    )
    return render(source, values)
