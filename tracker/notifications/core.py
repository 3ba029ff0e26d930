"""Write notifications and queue the emails of those chosen "at once", in the caller's
transaction: :func:`notify` is the one way anyone is told anything."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from tracker.assignments.deadlines import deadline_text
from tracker.database import PREPARE
from tracker.enums import STAFF_ROLES, Delivery, NotificationEvent, Status
from tracker.extensions import db
from tracker.inbox.scope import may_see
from tracker.labels import status_label
from tracker.mail.discretion import discretion_for
from tracker.mail.outbox import queue_rendered
from tracker.mail.templates import render_file
from tracker.models import (
    Application,
    Assignment,
    Comment,
    Notification,
    NotificationChoice,
    OutboxEmail,
    Rating,
    UnfollowedRegion,
    User,
)
from tracker.urls import external_url

NOTIFICATION_TEMPLATE = "notification"


def language_of(user: User) -> str:
    """Return the language of *user*'s emails: their choice, else the app's default."""
    return user.language or current_app.config["BABEL_DEFAULT_LOCALE"]


# Run by every submission (and most changes a colleague makes): built once.
_CHOSEN = (
    select(NotificationChoice.user_id, NotificationChoice.delivery)
    .where(
        NotificationChoice.user_id.in_(bindparam("ids", expanding=True)),
        NotificationChoice.event == bindparam("event"),
    )
    .execution_options(**PREPARE)
)


def deliveries(users: Iterable[User], event: NotificationEvent) -> dict[int, Delivery]:
    """Return each user's email choice for *event* (the daily digest unless they chose)."""
    ids = [user.id for user in users]
    chosen = dict(db.session.execute(_CHOSEN, {"ids": ids, "event": event.value}).all())
    return {user_id: Delivery(chosen.get(user_id, Delivery.DIGEST)) for user_id in ids}


def notify(
    event: NotificationEvent | str,
    *,
    users: Iterable[User | None],
    application: Application | None = None,
    comment: Comment | None = None,
    assignment: Assignment | None = None,
    actor: User | None = None,
    detail: str | None = None,
) -> list[Notification]:
    """Tell each of *users* about *event*, in the caller's transaction (nothing is committed).

    The actor is never told of their own action, inactive accounts, guest reviewers,
    duplicates and those who may not see the candidate (an applicant at risk: need to know,
    tracker.inbox.scope) are skipped; each person gets one row, and those who chose "at
    once" for *event* one email in their language through the outbox.

    :param detail: the new status of a ``status_changed`` event.
    :param assignment: the assignment a ``deadline_near`` or ``edit_waiting`` is about.
    :returns: the rows written.
    """
    event = NotificationEvent(event)
    # The candidate it is about, also through an assignment.
    candidate = application or (assignment.candidate if assignment is not None else None)
    recipients: dict[int, User] = {}
    for user in users:
        if user is None or not user.active or user.is_guest:
            continue  # guest reviewers are told nothing: the team's work is not theirs
        if actor is not None and user.id == actor.id:
            continue
        if not may_see(user, candidate):
            continue
        recipients.setdefault(user.id, user)
    if not recipients:
        return []
    if comment is not None and comment.id is None:
        db.session.flush()
    choices = deliveries(recipients.values(), event)
    rows = []
    for user in recipients.values():
        row = Notification(
            user_id=user.id,
            event=event.value,
            application=application,
            comment_id=comment.id if comment is not None else None,
            assignment_id=assignment.id if assignment is not None else None,
            actor_id=actor.id if actor is not None else None,
            detail=detail,
        )
        db.session.add(row)
        rows.append(row)
        if choices[user.id] is Delivery.AT_ONCE:
            _queue_email(row, user, actor)
    return rows


def _queue_email(row: Notification, user: User, actor: User | None) -> None:
    language = language_of(user)
    with force_locale(language):
        sentence = describe(row, actor_name=actor.name if actor is not None else None)
    rendered = render_file(
        NOTIFICATION_TEMPLATE,
        language,
        discretion=discretion_for(row.application),
        person=user.name,
        sentence=sentence,
        link=candidate_link(row),
        settings_link=external_url("review.settings"),
        site_name=current_app.config["SITE_NAME"],
    )
    # Tied to the application: erasing the applicant takes the email with it.
    queue_rendered(rendered, to_address=user.email, application=row.application, user=user)


def candidate_link(row: Notification, *, external: bool = True) -> str:
    """Return the link a notification leads to: the assignment it is about, else the
    candidate, at the comment if any."""
    if row.assignment_id is not None:
        endpoint, values = "review.assignment", {"assignment_id": row.assignment_id}
        return external_url(endpoint, **values) if external else url_for(endpoint, **values)
    if row.application is None and row.application_id is None:
        return external_url("review.notifications") if external else ""
    application_id = row.application_id or row.application.id
    if external:
        link = external_url("review.candidate", application_id=application_id)
    else:
        link = url_for("review.candidate", application_id=application_id)
    return f"{link}#comment-{row.comment_id}" if row.comment_id else link


def describe(row: Notification, *, actor_name: str | None = None) -> str:
    """Return what *row* says, in the current language, in one sentence."""
    application = row.application
    values = {
        "name": application.full_name if application else "",
        "reference": application.reference if application else "",
        "actor": actor_name or _("A colleague"),
    }
    event = NotificationEvent(row.event)
    if event in (NotificationEvent.DEADLINE_NEAR, NotificationEvent.EDIT_WAITING):
        return describe_assignment(row, event)
    if event is NotificationEvent.NEW_APPLICATION:
        return _("New application: %(name)s (%(reference)s)", **values)
    if event is NotificationEvent.ASSIGNED:
        return _("%(actor)s assigned %(name)s (%(reference)s) to you", **values)
    if event is NotificationEvent.MENTIONED:
        return _("%(actor)s mentioned you in a comment on %(name)s (%(reference)s)", **values)
    if event is NotificationEvent.STATUS_CHANGED:
        status = status_label(row.detail) if row.detail in set(Status) else ""
        return _("%(name)s (%(reference)s) is now “%(status)s”", status=status, **values)
    if event is NotificationEvent.WITHDREW:
        return _("%(name)s (%(reference)s) withdrew their application", **values)
    if event is NotificationEvent.REPLIED:
        return _("%(name)s (%(reference)s) replied to our email", **values)
    return _("An email to %(name)s (%(reference)s) could not be delivered", **values)


def describe_assignment(row: Notification, event: NotificationEvent) -> str:
    """Return what a reminder about an assignment says, in the current language."""
    assignment = db.session.get(Assignment, row.assignment_id) if row.assignment_id else None
    if assignment is None:
        return _("An assignment's deadline is near")
    values = {"title": assignment.title, "reference": assignment.reference}
    if event is NotificationEvent.EDIT_WAITING:
        return _(
            "“%(title)s” (%(reference)s) was delivered three days ago and waits for an edit",
            **values,
        )
    return _(
        "The deadline of “%(title)s” (%(reference)s) is in less than two days: %(deadline)s",
        deadline=deadline_text(assignment.deadline_at, assignment.timezone),
        **values,
    )


# --- who is told -------------------------------------------------------------------------


# How many of the regions each account unfollowed (it follows the rest). Asked at every
# submission: built once (the regions an expanding list) and prepared on PostgreSQL.
_UNFOLLOWED = (
    select(func.count())
    .where(
        UnfollowedRegion.user_id == User.id,
        UnfollowedRegion.call_id == bindparam("call_id"),
        UnfollowedRegion.region.in_(bindparam("regions", expanding=True)),
    )
    .scalar_subquery()
)
_FOLLOWERS = (
    select(User)
    .where(User.active, User.role.in_(STAFF_ROLES), bindparam("region_count") > _UNFOLLOWED)
    .order_by(User.id)
    .execution_options(**PREPARE)
)


def followers(application: Application, regions: Iterable[str] | None = None) -> list[User]:
    """Return the active staff who follow a region *application* covers in its call.

    Everyone follows every region of every open call unless they unfollowed it
    (UnfollowedRegion): so a new call or a new colleague needs no row. *regions* are the
    covered regions when the caller has them at hand (default: read them).
    """
    regions = sorted(set(application.regions if regions is None else regions))
    if not regions:
        return []
    values = {"call_id": application.call_id, "regions": regions, "region_count": len(regions)}
    return list(db.session.scalars(_FOLLOWERS, values))


def assignee_and_raters(application: Application) -> list[User]:
    """Return the candidate's assignee and everyone who rated them (the people it concerns)."""
    raters = db.session.scalars(
        select(User)
        .join(Rating, Rating.user_id == User.id)
        .where(Rating.application_id == application.id)
    )
    assignee = db.session.get(User, application.assignee_id) if application.assignee_id else None
    return [assignee, *raters]


def notify_bounce(email: OutboxEmail) -> None:
    """Tell the editor who wrote *email* to an applicant that it failed for good (else the
    candidate's assignee), in the caller's transaction.

    Emails to staff (notifications, digests, invitations) tell nobody: a colleague's dead
    address would otherwise be written to about itself without end.
    """
    application = email.application
    if email.user_id is not None or application is None:
        return
    writer = db.session.get(User, email.created_by_id) if email.created_by_id else None
    if writer is None or not writer.active:
        writer = db.session.get(User, application.assignee_id) if application.assignee_id else None
    notify(NotificationEvent.BOUNCED, users=[writer], application=application)
