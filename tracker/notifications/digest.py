"""The daily digest: one email a day per person, with what they chose to read once a day.

:func:`send_due_digests` sends the digests due now (``flask digest send``; the worker runs
it every hour through the recurring ``send_digests`` job, and a digest is due from
``DIGEST_HOUR`` o'clock in the app's time zone). Each person gets at most one a day however
many workers run it at once: the :class:`~tracker.models.DigestSent` row of the person and
the day is the primary key, written in the same transaction as the email, so a second
writer's row is refused and its transaction — email and all — rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.database import begin_write
from tracker.enums import STAFF_ROLES, Delivery, NotificationEvent
from tracker.extensions import db
from tracker.inbox.scope import need_to_know
from tracker.jobs.registry import ClaimedJob, job_kind
from tracker.labels import option_labels
from tracker.mail.outbox import queue_rendered
from tracker.mail.templates import render_file
from tracker.models import (
    Application,
    DigestSent,
    Notification,
    NotificationChoice,
    OutboxEmail,
    UnfollowedRegion,
    User,
    utcnow,
)
from tracker.notifications.core import candidate_link, describe, language_of
from tracker.urls import external_url

DIGEST_TEMPLATE = "digest"
SEND_DIGESTS = "send_digests"


@dataclass(frozen=True)
class DigestEntry:
    """A new application as the digest lists it."""

    reference: str
    name: str
    regions: str
    link: str


def local_day(now: datetime) -> tuple[date, int]:
    """Return the day and the hour of *now* (naive UTC) in the app's time zone."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    local = now.replace(tzinfo=UTC).astimezone(zone)
    return local.date(), local.hour


def due_users(now: datetime) -> list[User]:
    """Return the active staff whose digest of today is due at *now* and not written yet."""
    day, hour = local_day(now)
    if hour < current_app.config["DIGEST_HOUR"]:
        return []
    written = exists().where(DigestSent.user_id == User.id, DigestSent.day == day)
    return list(
        db.session.scalars(
            select(User).where(User.active, User.role.in_(STAFF_ROLES), ~written).order_by(User.id)
        )
    )


def send_due_digests(now: datetime | None = None) -> int:
    """Send the digests due at *now* (naive UTC; default now); return how many were sent."""
    now = now or utcnow()
    users = due_users(now)
    db.session.commit()
    return sum(send_digest(user, now) for user in users)


def send_digest(user: User, now: datetime) -> bool:
    """Write *user*'s digest of the day of *now*, and commit; False if there was nothing
    to say (no email) or another run wrote it first (nothing written)."""
    day, _hour = local_day(now)
    begin_write()
    last = db.session.scalar(
        select(DigestSent.created_at)
        .where(DigestSent.user_id == user.id)
        .order_by(DigestSent.created_at.desc())
        .limit(1)
    )
    db.session.add(DigestSent(user_id=user.id, day=day, created_at=now))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # another worker wrote this person's digest of the day
        return False
    rows = digest_notifications(user, since=last or now - timedelta(days=1), until=now)
    if rows:
        queue_rendered(render_digest(user, rows), to_address=user.email, user=user)
    db.session.commit()
    return bool(rows)


def digest_notifications(user: User, *, since: datetime, until: datetime) -> list[Notification]:
    """Return *user*'s notifications in (*since*, *until*] of the events they read daily
    (but those about an applicant at risk *user* may no longer see)."""
    other_choice = exists().where(
        NotificationChoice.user_id == user.id,
        NotificationChoice.event == Notification.event,
        NotificationChoice.delivery != Delivery.DIGEST.value,
    )
    return list(
        db.session.scalars(
            select(Notification)
            .options(
                joinedload(Notification.application).joinedload(Application.call),
                joinedload(Notification.actor),
            )
            .where(
                Notification.user_id == user.id,
                Notification.created_at > since,
                Notification.created_at <= until,
                ~other_choice,
                *need_to_know(Notification.application_id, user),
            )
            .order_by(Notification.created_at, Notification.id)
        ).unique()
    )


def render_digest(user: User, rows: list[Notification]):
    """Render *user*'s digest of *rows* in their language."""
    language = language_of(user)
    unfollowed = set(
        db.session.execute(
            select(UnfollowedRegion.call_id, UnfollowedRegion.region).where(
                UnfollowedRegion.user_id == user.id
            )
        ).all()
    )
    regions: dict[str, list[DigestEntry]] = {}
    events = []
    with force_locale(language):
        for row in rows:
            application = row.application
            if row.event == NotificationEvent.NEW_APPLICATION and application is not None:
                labels = option_labels(application.call.regions, language)
                covered = application.regions
                followed = [
                    key for key in covered if (application.call_id, key) not in unfollowed
                ] or covered
                entry = DigestEntry(
                    reference=application.reference,
                    name=application.full_name,
                    regions=", ".join(labels.get(key, key) for key in covered),
                    link=candidate_link(row),
                )
                for key in followed:
                    regions.setdefault(labels.get(key, key), []).append(entry)
            else:
                actor = row.actor.name if row.actor is not None else None
                events.append((describe(row, actor_name=actor), candidate_link(row)))
    return render_file(
        DIGEST_TEMPLATE,
        language,
        person=user.name,
        regions=sorted(regions.items()),
        events=events,
        settings_link=external_url("review.settings"),
        site_name=current_app.config["SITE_NAME"],
    )


def remove_from_digests(application_ids: list[int]) -> None:
    """Delete the digest emails that list any of *application_ids* (in the caller's
    transaction): an erasure leaves no name behind in a colleague's digest."""
    references = db.session.scalars(
        select(Application.reference).where(Application.id.in_(application_ids))
    ).all()
    for reference in references:
        db.session.execute(
            delete(OutboxEmail)
            .where(
                OutboxEmail.template == DIGEST_TEMPLATE,
                OutboxEmail.body_text.contains(reference, autoescape=True),
            )
            .execution_options(synchronize_session=False)
        )


@job_kind(SEND_DIGESTS, label=_l("Send the daily digests"), every=timedelta(hours=1))
def run_digests(job: ClaimedJob, _resource) -> bool:
    """Send the digests due when the job was claimed; False if none was due."""
    return send_due_digests(job.claimed_at) > 0
