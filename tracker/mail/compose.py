"""Talking to candidates: emails from templates, drafts, the outbox's actions, status links.

Every email is written into the outbox in the transaction of the change that caused it
(ARCHITECTURE.md §3). Editors write to one candidate (:func:`send_email`) or to many
(:func:`send_bulk_email`); a decision can carry its email as a *draft* that waits until an
editor releases it (:func:`set_status_and_notify`, :func:`release_draft`). Applicants follow
their application through a signed status link (:func:`status_link`), withdraw it there
(:func:`withdraw_application`) and ask for a new link (:func:`reissue_status_links`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker import tokens
from tracker.applications.people import normalise_email
from tracker.applications.pipeline import _apply_status, check_version
from tracker.audit import record_event
from tracker.calls import localized
from tracker.database import begin_write
from tracker.enums import TRANSITIONS, EmailStatus, EmailTemplateKey, Status
from tracker.extensions import db
from tracker.mail.outbox import make_message_id, queue_email
from tracker.mail.templates import (
    SUBJECT_MAX_LENGTH,
    RenderedEmail,
    load_file_template,
    load_source,
    normalise_newlines,
    placeholders_for,
    rejection_reason_text,
    render,
)
from tracker.models import Application, OutboxEmail, StatusChange, User
from tracker.urls import external_url

STATUS_LINK_TEMPLATE = "status_link"
CUSTOM_TEMPLATE = "custom"
# Recipients of one bulk email at most: beyond that, narrow the filter.
BULK_EMAIL_MAX = 5000
OUTBOX_PAGE_SIZE = 50
BODY_MAX_LENGTH = 20_000


class StatusLinkError(Exception):
    """A status link is forged, expired, rotated, or its application no longer exists."""


class ComposeError(ValueError):
    """An email cannot be queued as written; the message says why."""


class DuplicateEmail(Exception):
    """The same compose form was sent twice: its emails are queued already."""


class OutboxActionError(ValueError):
    """An outbox row is no longer in the state the action needs (another editor was first)."""


# --- status links ----------------------------------------------------------------------


def make_status_token(application: Application) -> str:
    """Return the signed token of *application*'s status page.

    It holds the application id and its access key: rotating the key (a reissued link)
    or erasing the application makes every older token useless.
    """
    if application.id is None or application.access_key is None:
        db.session.flush()  # a new application gets its id and key here
    return tokens.sign(
        tokens.Purpose.STATUS_LINK, {"a": application.id, "k": application.access_key}
    )


def check_status_token(token: str) -> Application:
    """Return the application a status token belongs to, or raise StatusLinkError.

    Forged, expired, rotated and erased all raise the same error: the page says the same.
    """
    try:
        data = tokens.load(tokens.Purpose.STATUS_LINK, token)
    except tokens.TokenInvalid as error:  # expired ones too: the page says the same
        raise StatusLinkError from error
    application_id = data.get("a") if isinstance(data, dict) else None
    key = data.get("k") if isinstance(data, dict) else None
    if not isinstance(application_id, int) or not isinstance(key, str):
        raise StatusLinkError
    application = db.session.get(Application, application_id)
    if application is None or not tokens.same(key, application.access_key):
        raise StatusLinkError
    return application


def status_link(application: Application) -> str:
    """Return the applicant's status-page link (absolute)."""
    return external_url("portal.show", token=make_status_token(application))


# --- rendering for one application ------------------------------------------------------


def latest_rejection_reason(application: Application) -> str | None:
    """Return the reason of the application's latest rejection, if any."""
    return db.session.scalar(
        select(StatusChange.reason)
        .where(
            StatusChange.application_id == application.id,
            StatusChange.to_status == Status.REJECTED.value,
        )
        .order_by(StatusChange.created_at.desc(), StatusChange.id.desc())
        .limit(1)
    )


def placeholder_values(
    application: Application,
    key: str,
    *,
    language: str,
    editor: User | None = None,
    reason: str | None = None,
) -> dict[str, str]:
    """Return the value of every placeholder template *key* may use for *application*."""
    config = current_app.config
    full_name = application.full_name or ""
    words = full_name.split()
    values = {
        "first_name": words[0] if words else full_name,
        "full_name": full_name,
        "call_title": localized(application.call.title, language),
        "reference": application.reference,
        "status_link": status_link(application),
        "editor_name": editor.name if editor is not None else "",
        "desk_email": config["DESK_EMAIL"],
        "site_name": config["SITE_NAME"],
    }
    if "rejection_reason" in placeholders_for(key):
        if reason is None:
            reason = latest_rejection_reason(application)
        values["rejection_reason"] = rejection_reason_text(reason, language)
    return values


def render_for(
    application: Application,
    key: str | EmailTemplateKey,
    *,
    editor: User | None = None,
    language: str | None = None,
    reason: str | None = None,
) -> RenderedEmail:
    """Render template *key* for *application* in its language (German if missing)."""
    source = load_source(key, language or application.preferred_language)
    values = placeholder_values(
        application, source.key, language=source.language, editor=editor, reason=reason
    )
    return render(source, values)


def _queue_rendered(
    application: Application,
    rendered: RenderedEmail,
    *,
    by: User | None,
    status: EmailStatus = EmailStatus.QUEUED,
    message_id: str | None = None,
) -> OutboxEmail:
    return queue_email(
        to_address=application.email,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        template=rendered.key,
        language=rendered.language,
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
    return _queue_rendered(application, rendered, by=by, status=status)


# --- one email to one candidate ----------------------------------------------------------


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


def check_subject(subject: str) -> str:
    """Return *subject* trimmed, or raise ComposeError if it is empty, long or multi-line."""
    if any(char in subject for char in "\r\n\0"):
        raise ComposeError(_("The subject must be one line."))
    subject = subject.strip()
    if not subject:
        raise ComposeError(_("Please write a subject."))
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ComposeError(
            _("The subject may be at most %(max)s characters long.", max=SUBJECT_MAX_LENGTH)
        )
    return subject


def _check_body(body_text: str) -> str:
    body_text = normalise_newlines(body_text) or ""
    if not body_text.strip():
        raise ComposeError(_("Please write the text of the email."))
    if len(body_text) > BODY_MAX_LENGTH:
        raise ComposeError(
            _("The text may be at most %(max)s characters long.", max=BODY_MAX_LENGTH)
        )
    return body_text


def _find_by_message_id(message_id: str) -> OutboxEmail | None:
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
    :raises ComposeError: empty or multi-line subject, empty body, unusable address.
    """
    subject = check_subject(subject)
    body_text = _check_body(body_text)
    message_id = make_message_id(token)
    begin_write()
    if _find_by_message_id(message_id) is not None:
        db.session.rollback()
        raise DuplicateEmail
    key = template_key if template_key in set(EmailTemplateKey) else CUSTOM_TEMPLATE
    try:
        email = queue_email(
            to_address=application.email,
            subject=subject,
            body_text=body_text,
            template=key,
            language=language or application.preferred_language,
            application=application,
            created_by=by,
            message_id=message_id,
        )
    except ValueError as error:
        db.session.rollback()
        raise ComposeError(
            _("The candidate's email address cannot be used: it contains a line break.")
        ) from error
    try:
        db.session.flush()
        record_event(
            "email.queued", actor=by, application=application, email=email.id, template=key
        )
        db.session.commit()
    except IntegrityError as error:  # the same form, sent twice at the same moment
        db.session.rollback()
        raise DuplicateEmail from error
    return email


# --- one template to many candidates -----------------------------------------------------


@dataclass
class BulkPlan:
    """Who a bulk email goes to: one application per address, and who was left out."""

    recipients: list[Application] = field(default_factory=list)
    # Same address (ignoring case) as an earlier recipient: one email per person.
    duplicates: list[Application] = field(default_factory=list)
    # An address that cannot go into a header (CR/LF): never written to.
    unusable: list[Application] = field(default_factory=list)
    # More than BULK_EMAIL_MAX recipients: the plan was cut off there.
    too_many: bool = False


def plan_bulk_email(
    applications: Iterable[Application], *, limit: int = BULK_EMAIL_MAX
) -> BulkPlan:
    """Return the recipients of a bulk email: the first application of each address."""
    plan = BulkPlan()
    seen: set[str] = set()
    for application in applications:
        address = normalise_email(application.email)
        if any(char in application.email for char in "\r\n\0"):
            plan.unusable.append(application)
        elif address in seen:
            plan.duplicates.append(application)
        else:
            if len(plan.recipients) >= limit:
                plan.too_many = True
                break
            seen.add(address)
            plan.recipients.append(application)
    return plan


def preview_bulk_email(plan: BulkPlan, key: str, *, by: User) -> RenderedEmail | None:
    """Return the first recipient's email as it will be sent (None without recipients)."""
    if not plan.recipients:
        return None
    return render_for(plan.recipients[0], key, editor=by)


def send_bulk_email(
    plan: BulkPlan, key: str | EmailTemplateKey, *, by: User, token: str
) -> list[OutboxEmail]:
    """Queue template *key* to every recipient of *plan*, each in their language; commit.

    One transaction: every email is queued, or none.

    :raises DuplicateEmail: this form was sent already (its one-time token).
    :raises ComposeError: the plan is too large or empty.
    """
    key = EmailTemplateKey(key)
    if plan.too_many:
        raise ComposeError(
            _(
                "That is more than %(max)s recipients. Please narrow the filter.",
                max=BULK_EMAIL_MAX,
            )
        )
    if not plan.recipients:
        raise ComposeError(_("There is nobody to write to."))
    begin_write()
    first_id = make_message_id(token, plan.recipients[0].id)
    if _find_by_message_id(first_id) is not None:
        db.session.rollback()
        raise DuplicateEmail
    emails = []
    try:
        for application in plan.recipients:
            rendered = render_for(application, key, editor=by)
            emails.append(
                _queue_rendered(
                    application,
                    rendered,
                    by=by,
                    message_id=make_message_id(token, application.id),
                )
            )
        db.session.flush()
        for application, email in zip(plan.recipients, emails, strict=True):
            record_event(
                "email.queued",
                actor=by,
                application=application,
                email=email.id,
                template=key.value,
                bulk=True,
            )
        db.session.commit()
    except IntegrityError as error:  # the same form, sent twice at the same moment
        db.session.rollback()
        raise DuplicateEmail from error
    except BaseException:
        db.session.rollback()
        raise
    return emails


# --- decide now, notify later -----------------------------------------------------------


def set_status_and_notify(
    application: Application,
    new_status: str | Status,
    *,
    by: User,
    template_key: str | EmailTemplateKey,
    note: str | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
) -> tuple[StatusChange, OutboxEmail]:
    """Change the status and write the email about it as a draft, in one transaction.

    The draft waits in the outbox until an editor releases it (:func:`release_draft`), so
    a decision can be taken now and announced when the team is ready.

    :raises StaleApplicationError: the application changed since *expected_version*.
    :raises TransitionError: the pipeline does not allow the move (or the reason is wrong).
    :raises TemplateValidationError: the template cannot be rendered; nothing is changed.
    """
    begin_write()
    try:
        check_version(application, expected_version)
        change = _apply_status(application, Status(new_status), by=by, note=note, reason=reason)
        email = queue_template_email(
            application, template_key, by=by, status=EmailStatus.DRAFT, reason=reason
        )
        db.session.flush()
        record_event(
            "email.drafted",
            actor=by,
            application=application,
            email=email.id,
            template=str(template_key),
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return change, email


# --- the outbox page ----------------------------------------------------------------------

OUTBOX_TABS = (
    EmailStatus.DRAFT,
    EmailStatus.QUEUED,
    EmailStatus.SENDING,
    EmailStatus.SENT,
    EmailStatus.FAILED,
)


@dataclass
class OutboxPage:
    """One page of one outbox tab, newest first; *next_before* pages on (None at the end)."""

    status: EmailStatus
    emails: list[OutboxEmail]
    next_before: int | None


def _outbox_conditions(application_id: int | None, within: Select | None) -> list:
    # Applicant emails only: staff emails (password resets) hold links nobody else may see.
    conditions = [OutboxEmail.application_id.is_not(None)]
    if application_id is not None:
        conditions.append(OutboxEmail.application_id == application_id)
    if within is not None:
        conditions.append(OutboxEmail.application_id.in_(within))
    return conditions


def inbox_ids(inbox_filter, *, user: User) -> Select:
    """Return the SELECT of the application ids an inbox filter matches (for IN clauses)."""
    from tracker.inbox.query import inbox_query

    return inbox_query(inbox_filter, user=user).with_only_columns(Application.id).order_by(None)


def outbox_counts(
    *, application_id: int | None = None, within: Select | None = None
) -> dict[EmailStatus, int]:
    """Return how many applicant emails are in each state."""
    counts = dict.fromkeys(OUTBOX_TABS, 0)
    rows = db.session.execute(
        select(OutboxEmail.status, func.count(OutboxEmail.id))
        .where(*_outbox_conditions(application_id, within))
        .group_by(OutboxEmail.status)
    )
    for status, count in rows:
        counts[EmailStatus(status)] = count
    return counts


def outbox_page(
    status: str | EmailStatus,
    *,
    before: int | None = None,
    per_page: int = OUTBOX_PAGE_SIZE,
    application_id: int | None = None,
    within: Select | None = None,
) -> OutboxPage:
    """Return one page of the applicant emails in *status*, newest first (keyset by id)."""
    status = EmailStatus(status)
    query = select(OutboxEmail).where(
        OutboxEmail.status == status.value, *_outbox_conditions(application_id, within)
    )
    if before is not None:
        query = query.where(OutboxEmail.id < before)
    emails = list(
        db.session.scalars(
            query.order_by(OutboxEmail.id.desc())
            .limit(per_page + 1)
            .options(selectinload(OutboxEmail.application))
        )
    )
    more = len(emails) > per_page
    emails = emails[:per_page]
    return OutboxPage(status, emails, emails[-1].id if more and emails else None)


def _action_refused() -> OutboxActionError:
    return OutboxActionError(
        _("This email has changed meanwhile – perhaps a colleague acted on it. Please look again.")
    )


def _locked_email(email_id: int, status: EmailStatus) -> OutboxEmail:
    email = db.session.get(OutboxEmail, email_id, with_for_update=True)
    if email is None or email.status != status.value:
        db.session.rollback()
        raise _action_refused()
    return email


def _conditional_update(email_id: int, current: EmailStatus, **values) -> None:
    """Update one row only if it is still *current*: the database decides, not a read."""
    result = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status == current.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise _action_refused()


def release_draft(email_id: int, *, by: User) -> OutboxEmail:
    """Let the worker send a draft; commit.

    :raises OutboxActionError: it is no longer a draft.
    """
    begin_write()
    _conditional_update(
        email_id,
        EmailStatus.DRAFT,
        status=EmailStatus.QUEUED.value,
        next_attempt_at=None,
        created_by_id=func.coalesce(OutboxEmail.created_by_id, by.id),
    )
    email = db.session.get(OutboxEmail, email_id, populate_existing=True)
    record_event("email.released", actor=by, application=email.application, email=email.id)
    db.session.commit()
    return email


def release_drafts(
    *, by: User, application_id: int | None = None, within: Select | None = None
) -> int:
    """Release every applicant draft (of one application, or of those *within*); commit.

    :returns: how many drafts were released.
    """
    begin_write()
    drafts = list(
        db.session.scalars(
            select(OutboxEmail)
            .where(
                OutboxEmail.status == EmailStatus.DRAFT.value,
                *_outbox_conditions(application_id, within),
            )
            .order_by(OutboxEmail.id)
            .options(selectinload(OutboxEmail.application))
        )
    )
    for email in drafts:
        record_event("email.released", actor=by, application=email.application, email=email.id)
    if drafts:
        db.session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id.in_([email.id for email in drafts]),
                OutboxEmail.status == EmailStatus.DRAFT.value,
            )
            .values(
                status=EmailStatus.QUEUED.value,
                next_attempt_at=None,
                created_by_id=func.coalesce(OutboxEmail.created_by_id, by.id),
            )
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return len(drafts)


def update_draft(email_id: int, *, subject: str, body_text: str, by: User) -> OutboxEmail:
    """Change a draft's subject and text; commit.

    An HTML part is dropped when the text changes: it would no longer say the same.

    :raises ComposeError: empty or multi-line subject, empty text.
    :raises OutboxActionError: it is no longer a draft.
    """
    subject = check_subject(subject)
    body_text = _check_body(body_text)
    begin_write()
    email = _locked_email(email_id, EmailStatus.DRAFT)
    if body_text != email.body_text:
        email.body_html = None
    email.subject = subject
    email.body_text = body_text
    record_event("email.draft_edited", actor=by, application=email.application, email=email.id)
    db.session.commit()
    return email


def discard_draft(email_id: int, *, by: User) -> None:
    """Delete a draft that should not be sent; commit.

    :raises OutboxActionError: it is no longer a draft.
    """
    begin_write()
    email = _locked_email(email_id, EmailStatus.DRAFT)
    record_event(
        "email.discarded",
        actor=by,
        application=email.application,
        email=email.id,
        template=email.template,
    )
    db.session.delete(email)
    db.session.commit()


def retry_failed(email_id: int, *, by: User) -> OutboxEmail:
    """Queue a failed email again with a fresh count of attempts; commit.

    :raises OutboxActionError: it is no longer failed.
    """
    begin_write()
    _conditional_update(
        email_id,
        EmailStatus.FAILED,
        status=EmailStatus.QUEUED.value,
        attempts=0,
        next_attempt_at=None,
        claimed_at=None,
        last_error=None,
    )
    email = db.session.get(OutboxEmail, email_id, populate_existing=True)
    record_event("email.retried", actor=by, application=email.application, email=email.id)
    db.session.commit()
    return email


# --- the applicant's status page ---------------------------------------------------------


class Stage(StrEnum):
    """Where an application stands, as the applicant sees it."""

    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    DECISION_MADE = "decision_made"
    WITHDRAWN = "withdrawn"


# The pipeline's statuses are the editors' business; the applicant learns the stage only.
# A decision is announced by email, never first by this page.
STAGES = {
    Status.NEW: Stage.RECEIVED,
    Status.IN_REVIEW: Stage.UNDER_REVIEW,
    Status.SHORTLISTED: Stage.UNDER_REVIEW,
    Status.TRIAL: Stage.UNDER_REVIEW,
    Status.ON_HOLD: Stage.UNDER_REVIEW,
    Status.ACCEPTED: Stage.DECISION_MADE,
    Status.REJECTED: Stage.DECISION_MADE,
    Status.WITHDRAWN: Stage.WITHDRAWN,
}


def stage_of(application: Application) -> Stage:
    """Return the applicant-facing stage of *application*."""
    return STAGES[Status(application.status)]


def can_withdraw(application: Application) -> bool:
    """Tell whether the applicant may still withdraw."""
    return Status.WITHDRAWN in TRANSITIONS[Status(application.status)]


def sent_emails(application: Application) -> list[OutboxEmail]:
    """Return the emails that reached the applicant's mail server, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxEmail)
            .where(
                OutboxEmail.application_id == application.id,
                OutboxEmail.status == EmailStatus.SENT.value,
            )
            .order_by(OutboxEmail.sent_at, OutboxEmail.id)
        )
    )


def withdraw_application(application: Application, *, note: str | None = None) -> OutboxEmail:
    """Withdraw the application as its applicant asked, queue the confirmation, and commit.

    The history row has no actor: the applicant acted. The confirmation goes out in the
    language the applicant chose for emails.

    :raises TransitionError: the application is withdrawn already.
    """
    begin_write()
    try:
        locked = db.session.get(Application, application.id, with_for_update=True)
        if locked is None:
            raise StatusLinkError
        _apply_status(
            locked, Status.WITHDRAWN, by=None, note=(note or "").strip() or None, reason=None
        )
        email = queue_template_email(
            locked, EmailTemplateKey.WITHDRAWAL_CONFIRMATION, by=None, status=EmailStatus.QUEUED
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return email


def reissue_status_links(address: str) -> int:
    """Send a fresh status link to every application of *address*; commit; return how many.

    Each application gets a new access key, so every older link stops working. The caller
    must answer the same whatever the count: nobody learns whether an address applied.
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
        )
        _queue_rendered(application, rendered, by=None)
        record_event("application.status_link_reissued", actor=None, application=application)
    db.session.commit()
    return len(applications)


def when_of(email: OutboxEmail) -> datetime:
    """Return the time an outbox row is listed under: sent, claimed, or written."""
    if email.status == EmailStatus.SENT.value and email.sent_at:
        return email.sent_at
    if email.status in (EmailStatus.SENDING.value, EmailStatus.FAILED.value) and email.claimed_at:
        return email.claimed_at
    return email.created_at
