"""The applicant's status link and what its page shows: signed tokens, stages, sent emails.

An applicant follows the application through a signed link (:func:`status_link`); the
page shows an applicant-facing *stage*, never the editors' status, and the emails that
reached the applicant's mail server. A new link (``mail.compose.reissue_status_links``)
rotates the access key, which makes every older link useless.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from tracker import tokens
from tracker.enums import TRANSITIONS, EmailStatus, Status
from tracker.extensions import db
from tracker.models import Application, OutboxEmail
from tracker.urls import external_url


class StatusLinkError(Exception):
    """A status link is forged, expired, rotated, or its application no longer exists."""


def sign_for_applicant(purpose: tokens.Purpose, application: Application) -> str:
    """Return a *purpose* token for the applicant of *application* (status or erasure link).

    It holds the application id and its access key: rotating the key (a reissued link)
    or erasing the application makes every older token useless.
    """
    if application.id is None or application.access_key is None:
        db.session.flush()  # a new application gets its id and key here
    return tokens.sign(purpose, {"a": application.id, "k": application.access_key})


def application_of(
    purpose: tokens.Purpose, token: str, *, now: datetime | None = None
) -> Application:
    """Return the application a :func:`sign_for_applicant` token names.

    :raises tokens.TokenExpired: the link is older than its purpose allows.
    :raises tokens.TokenInvalid: forged, or the application was erased or its key rotated.
    """
    data = tokens.load(purpose, token, now=now)
    application_id = data.get("a") if isinstance(data, dict) else None
    key = data.get("k") if isinstance(data, dict) else None
    if not isinstance(application_id, int) or not isinstance(key, str):
        raise tokens.TokenInvalid
    application = db.session.get(Application, application_id)
    if application is None or not tokens.same(key, application.access_key):
        raise tokens.TokenInvalid
    return application


def make_status_token(application: Application) -> str:
    """Return the signed token of *application*'s status page."""
    return sign_for_applicant(tokens.Purpose.STATUS_LINK, application)


def check_status_token(token: str) -> Application:
    """Return the application a status token belongs to, or raise StatusLinkError.

    Forged, expired, rotated and erased all raise the same error: the page says the same.
    """
    try:
        return application_of(tokens.Purpose.STATUS_LINK, token)
    except tokens.TokenInvalid as error:  # expired ones too
        raise StatusLinkError from error


def status_link(application: Application) -> str:
    """Return the applicant's status-page link (absolute)."""
    return external_url("portal.show", token=make_status_token(application))


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


def stage_steps(stage: Stage) -> list[tuple[Stage, bool, bool]]:
    """Return (stage, done, current) for the steps the status page shows, in order."""
    order = [Stage.RECEIVED, Stage.UNDER_REVIEW, Stage.DECISION_MADE]
    if stage is Stage.WITHDRAWN:
        return [(Stage.RECEIVED, True, False), (Stage.WITHDRAWN, True, True)]
    position = order.index(stage)
    return [(step, index <= position, index == position) for index, step in enumerate(order)]


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
