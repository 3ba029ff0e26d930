"""Drafts and the outbox page: what waits, what went out, and the editors' actions on it.

A decision can carry its email as a *draft* (``pipeline.set_status(..., notify=key)``)
that waits here until an editor releases it. Editors page through the outbox by state,
release, edit or discard drafts, and queue failed emails again. Every action checks the
row's state in the database itself, so two editors acting at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import EmailStatus
from tracker.extensions import db
from tracker.inbox.query import inbox_query
from tracker.inbox.scope import experts_need_to_know, need_to_know
from tracker.mail.compose import ComposeError, check_body, check_subject
from tracker.mail.discretion import discretion_for
from tracker.mail.fillins import refusal, unfilled_parts
from tracker.mail.outbox import queue_delivery
from tracker.models import Application, OutboxEmail, User

OUTBOX_PAGE_SIZE = 50


class OutboxActionError(ValueError):
    """An outbox row is no longer in the state the action needs (another editor was first)."""


# --- the outbox page ----------------------------------------------------------------------

OUTBOX_TABS = (
    EmailStatus.DRAFT,
    EmailStatus.QUEUED,
    EmailStatus.SENDING,
    EmailStatus.SENT,
    EmailStatus.FAILED,
    EmailStatus.BOUNCED,
)


@dataclass
class OutboxPage:
    """One page of one outbox tab, newest first; *next_before* pages on (None at the end)."""

    status: EmailStatus
    emails: list[OutboxEmail]
    next_before: int | None


def _outbox_conditions(
    application_id: int | None, within: Select | None, viewer: User | None = None
) -> list:
    # Emails to applicants and to experts of the pool only: staff emails (password resets)
    # hold links nobody else may see. Nor does anyone see the emails of an applicant at
    # risk they may not see, or of the expert such an applicant became (tracker.inbox.scope).
    conditions = [
        or_(OutboxEmail.application_id.is_not(None), OutboxEmail.expert_id.is_not(None)),
        *need_to_know(OutboxEmail.application_id, viewer),
        *experts_need_to_know(OutboxEmail.expert_id, viewer),
    ]
    if application_id is not None:
        conditions.append(OutboxEmail.application_id == application_id)
    if within is not None:
        conditions.append(OutboxEmail.application_id.in_(within))
    return conditions


def inbox_ids(inbox_filter, *, user: User) -> Select:
    """Return the SELECT of the application ids an inbox filter matches (for IN clauses)."""
    return inbox_query(inbox_filter, user=user).with_only_columns(Application.id).order_by(None)


def outbox_counts(
    *,
    application_id: int | None = None,
    within: Select | None = None,
    viewer: User | None = None,
) -> dict[EmailStatus, int]:
    """Return how many applicant emails *viewer* may see are in each state."""
    counts = dict.fromkeys(OUTBOX_TABS, 0)
    rows = db.session.execute(
        select(OutboxEmail.status, func.count(OutboxEmail.id))
        .where(*_outbox_conditions(application_id, within, viewer))
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
    viewer: User | None = None,
) -> OutboxPage:
    """Return one page of the applicant emails in *status* that *viewer* may see, newest
    first (keyset by id)."""
    status = EmailStatus(status)
    query = select(OutboxEmail).where(
        OutboxEmail.status == status.value, *_outbox_conditions(application_id, within, viewer)
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


def release_draft(email_id: int, *, by: User) -> OutboxEmail:
    """Let the worker send a draft; commit.

    :raises OutboxActionError: it is no longer a draft, or it keeps a fill-in part.
    """
    begin_write()
    draft = _locked_email(email_id, EmailStatus.DRAFT)
    parts = unfilled_parts(draft.subject, draft.body_text)
    if parts:
        db.session.rollback()
        raise OutboxActionError(refusal(parts))
    if draft.created_by_id is None:
        draft.created_by_id = by.id
    queue_delivery(draft)
    record_event("email.released", actor=by, application=draft.application, email=draft.id)
    db.session.commit()
    return draft


def release_drafts(
    *, by: User, application_id: int | None = None, within: Select | None = None
) -> int:
    """Release every applicant draft *by* may see (of one application, or of those
    *within*); commit.

    :returns: how many drafts were released. A draft that keeps a fill-in part stays a
        draft: it must be edited first.
    """
    begin_write()
    drafts = list(
        db.session.scalars(
            select(OutboxEmail)
            .where(
                OutboxEmail.status == EmailStatus.DRAFT.value,
                *_outbox_conditions(application_id, within, by),
            )
            .order_by(OutboxEmail.id)
            .options(selectinload(OutboxEmail.application))
            # Locked: on PostgreSQL a colleague releasing them at once waits, then finds
            # them queued, and no draft gets two delivery jobs.
            .with_for_update(of=OutboxEmail)
        )
    )
    drafts = [email for email in drafts if not unfilled_parts(email.subject, email.body_text)]
    for email in drafts:
        record_event("email.released", actor=by, application=email.application, email=email.id)
        if email.created_by_id is None:
            email.created_by_id = by.id
        queue_delivery(email)
    db.session.commit()
    return len(drafts)


def update_draft(email_id: int, *, subject: str, body_text: str, by: User) -> OutboxEmail:
    """Change a draft's subject and text; commit.

    An HTML part is dropped when the text changes: it would no longer say the same.

    :raises ComposeError: empty or multi-line subject, empty text, a subject naming an
        applicant at risk (mail.discretion).
    :raises OutboxActionError: it is no longer a draft.
    """
    subject = check_subject(subject)
    body_text = check_body(body_text)
    begin_write()
    email = _locked_email(email_id, EmailStatus.DRAFT)
    try:
        check_subject(subject, discretion_for(email.application))
    except ComposeError:
        db.session.rollback()
        raise
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
    email = _locked_email(email_id, EmailStatus.FAILED)
    queue_delivery(email)
    record_event("email.retried", actor=by, application=email.application, email=email.id)
    db.session.commit()
    return email


def when_of(email: OutboxEmail) -> datetime:
    """Return the time an outbox row is listed under: sent, claimed, or written."""
    if email.status == EmailStatus.SENT.value and email.sent_at:
        return email.sent_at
    if email.status in (EmailStatus.SENDING.value, EmailStatus.FAILED.value) and email.claimed_at:
        return email.claimed_at
    return email.created_at


@dataclass
class OutboxView:
    """What the outbox page shows: one tab's page, every tab's count, and whose emails."""

    tab: EmailStatus
    counts: dict[EmailStatus, int]
    page: OutboxPage
    candidate: Application | None
    filtered: bool


def outbox_view(
    tab: str | EmailStatus,
    *,
    before: int | None = None,
    application_id: int | None = None,
    within: Select | None = None,
    viewer: User | None = None,
) -> OutboxView:
    """Return the outbox page of *tab* as *viewer* may see it: all applicant emails, one
    candidate's, or a filter's."""
    tab = EmailStatus(tab)
    return OutboxView(
        tab=tab,
        counts=outbox_counts(application_id=application_id, within=within, viewer=viewer),
        page=outbox_page(
            tab, before=before, application_id=application_id, within=within, viewer=viewer
        ),
        candidate=db.session.get(Application, application_id) if application_id else None,
        filtered=within is not None,
    )
