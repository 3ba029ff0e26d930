"""Numbers for the insight dashboard, each counted by the database in one grouped query.

Every function takes an optional call id (None: all calls) and runs a fixed number of
queries however many applications exist: the rows are aggregated in SQL, never loaded.
With a *viewer*, the applicants at risk they may not see are counted nowhere (need to
know, tracker.inbox.scope); without one (admins, the command line) everyone is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, literal, or_, select, union_all

from tracker.enums import EmailStatus, Status
from tracker.extensions import db
from tracker.inbox.scope import need_to_know
from tracker.models import (
    ApplicantReply,
    Application,
    ApplicationRegion,
    Call,
    OutboxEmail,
    StatusChange,
    User,
    utcnow,
)

WEEKS = 26
# An application "reached the shortlist" if it was ever shortlisted, on trial or accepted:
# trial and acceptance lie beyond the shortlist even where a pipeline skipped it (on hold →
# trial), so the funnel never narrows the wrong way.
SHORTLIST_OR_LATER = (Status.SHORTLISTED.value, Status.TRIAL.value, Status.ACCEPTED.value)
# Coverage: experts on the shortlist (or on trial) now, and experts accepted now.
SHORTLISTED_NOW = (Status.SHORTLISTED.value, Status.TRIAL.value)
# Emails sent automatically (on arrival, on the applicant's request for a new status link,
# on their withdrawal) are no answer from the team.
AUTOMATIC_TEMPLATES = ("acknowledgement", "status_link", "withdrawal_confirmation")
# Emails that left, or will leave, the outbox: drafts and failures reached nobody.
ANSWER_EMAIL_STATUSES = (
    EmailStatus.QUEUED.value,
    EmailStatus.SENDING.value,
    EmailStatus.SENT.value,
)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def for_call(query: Select, call_id: int | None, viewer: User | None = None) -> Select:
    """Return *query* of applications narrowed to *call_id* (None: all) and to those
    *viewer* may see (None: all)."""
    query = query.where(*need_to_know(Application.id, viewer))
    return query if call_id is None else query.where(Application.call_id == call_id)


def count_if(condition):
    """Return SQL counting the rows where *condition* holds (0 for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass
class Totals:
    """The large numbers at the top of the dashboard."""

    received: int
    last_7_days: int
    awaiting_review: int
    shortlisted: int
    accepted: int


def totals(
    call_id: int | None = None, *, now: datetime | None = None, viewer: User | None = None
) -> Totals:
    """Count all applications, those of the last 7 days, and those new, shortlisted
    (or on trial) and accepted now."""
    since = (now or utcnow()) - timedelta(days=7)
    row = db.session.execute(
        for_call(
            select(
                func.count(Application.id),
                count_if(Application.created_at >= since),
                count_if(Application.status == Status.NEW.value),
                count_if(Application.status.in_(SHORTLISTED_NOW)),
                count_if(Application.status == Status.ACCEPTED.value),
            ),
            call_id,
            viewer,
        )
    ).one()
    return Totals(*(int(value) for value in row))


def status_counts(
    call_id: int | None = None, *, viewer: User | None = None
) -> list[tuple[Status, int]]:
    """Return (status, applications now in it) for every status, in pipeline order."""
    rows = db.session.execute(
        for_call(
            select(Application.status, func.count()).group_by(Application.status),
            call_id,
            viewer,
        )
    )
    counts = dict(rows.all())
    return [(status, int(counts.get(status.value, 0))) for status in Status]


def region_counts(
    call_id: int | None = None, *, viewer: User | None = None
) -> list[tuple[str, int]]:
    """Return (region key, applications covering it) for every region with any, most first.

    An applicant who covers two regions counts in both.
    """
    region = ApplicationRegion.region
    rows = db.session.execute(
        for_call(
            select(region, func.count().label("n"))
            .join(Application, Application.id == ApplicationRegion.application_id)
            .group_by(region)
            .order_by(func.count().desc(), region),
            call_id,
            viewer,
        )
    )
    return [(region, int(count)) for region, count in rows]


def call_counts(*, viewer: User | None = None) -> list[tuple[Call, int]]:
    """Return (call, applications) for every call, newest call first."""
    counts = dict(
        db.session.execute(
            for_call(
                select(Application.call_id, func.count()).group_by(Application.call_id),
                None,
                viewer,
            )
        ).all()
    )
    calls = db.session.scalars(select(Call).order_by(Call.created_at.desc(), Call.id.desc()))
    return [(call, int(counts.get(call.id, 0))) for call in calls]


@dataclass
class Funnel:
    """How many applications ever reached each stage.

    *received*: all; *reviewed*: left ``new`` (any status change, or a status other than
    new); *shortlisted*: ever shortlisted, on trial or accepted; *accepted*: ever accepted
    – even if withdrawn or put on hold later. Read from the status history, with the
    current status as a fallback for rows without history.
    """

    received: int
    reviewed: int
    shortlisted: int
    accepted: int

    def stages(self) -> list[tuple[str, int]]:
        """Return (stage name, count) in funnel order."""
        return [
            ("received", self.received),
            ("reviewed", self.reviewed),
            ("shortlisted", self.shortlisted),
            ("accepted", self.accepted),
        ]


def funnel(call_id: int | None = None, *, viewer: User | None = None) -> Funnel:
    """Count the applications that ever reached each stage (see Funnel), in one query."""
    history = for_call(
        select(
            StatusChange.application_id.label("application_id"),
            func.max(case((StatusChange.to_status.in_(SHORTLIST_OR_LATER), 1), else_=0)).label(
                "shortlisted"
            ),
            func.max(case((StatusChange.to_status == Status.ACCEPTED.value, 1), else_=0)).label(
                "accepted"
            ),
        )
        .join(Application, Application.id == StatusChange.application_id)
        .group_by(StatusChange.application_id),
        call_id,
        viewer,
    ).subquery()
    query = for_call(
        select(
            func.count(Application.id),
            count_if(
                or_(history.c.application_id.is_not(None), Application.status != Status.NEW.value)
            ),
            count_if(or_(history.c.shortlisted == 1, Application.status.in_(SHORTLIST_OR_LATER))),
            count_if(or_(history.c.accepted == 1, Application.status == Status.ACCEPTED.value)),
        )
        .select_from(Application)
        .outerjoin(history, history.c.application_id == Application.id),
        call_id,
        viewer,
    )
    return Funnel(*(int(value) for value in db.session.execute(query).one()))


def week_start(day: date) -> date:
    """Return the Monday of *day*'s week."""
    return day - timedelta(days=day.weekday())


def _week_expression(column):
    """Return SQL for the Monday (00:00) of the week of *column*."""
    if _dialect() == "postgresql":
        return func.date(func.date_trunc("week", column))
    # SQLite: go back six days, then forward to the next Monday (weekday 1), which is the
    # day itself when it is a Monday.
    return func.date(column, "-6 days", "weekday 1")


def weekly_counts(
    call_id: int | None = None,
    *,
    weeks: int = WEEKS,
    now: datetime | None = None,
    viewer: User | None = None,
) -> list[tuple[date, int]]:
    """Return (Monday, applications received that week) for the last *weeks* weeks,
    oldest first, including the current week and weeks without any."""
    current = week_start((now or utcnow()).date())
    first = current - timedelta(weeks=weeks - 1)
    week = _week_expression(Application.created_at).label("week")
    rows = db.session.execute(
        for_call(
            select(week, func.count())
            .where(Application.created_at >= datetime.combine(first, datetime.min.time()))
            .group_by(week),
            call_id,
            viewer,
        )
    )
    counts = {as_date(value): int(count) for value, count in rows}
    return [
        (first + timedelta(weeks=index), counts.get(first + timedelta(weeks=index), 0))
        for index in range(weeks)
    ]


def as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass
class FirstAnswer:
    """How long applicants wait for a first answer (see first_answer_times)."""

    median_seconds: int | None
    answered: int
    waiting: int


def _seconds_between(later, earlier):
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * literal(86400.0)


def first_answer_times(call_id: int | None = None, *, viewer: User | None = None) -> FirstAnswer:
    """Return the median time from an application's arrival to its first answer.

    The first answer is the earliest of: the first email to the applicant that is not an
    automatic one (acknowledgement, status link, withdrawal confirmation) and was queued
    or sent (drafts, failed and bounced emails reached nobody); the first change of its
    status by the team (an applicant's own withdrawal does not count); and the first
    reply of the applicant that is not automatic (tracker.replies), which shows they had
    an answer – one the desk may have sent from its own mailbox. Applications without
    any are counted as *waiting* and left out of the median.
    """
    answers = union_all(
        select(
            OutboxEmail.application_id.label("application_id"),
            OutboxEmail.created_at.label("at"),
        ).where(
            OutboxEmail.application_id.is_not(None),
            OutboxEmail.template.not_in(AUTOMATIC_TEMPLATES),
            OutboxEmail.status.in_(ANSWER_EMAIL_STATUSES),
        ),
        select(StatusChange.application_id, StatusChange.created_at).where(
            # The applicant withdrawing (no staff actor) is no answer either.
            or_(
                StatusChange.to_status != Status.WITHDRAWN.value,
                StatusChange.actor_id.is_not(None),
            )
        ),
        # An out-of-office reply says nothing about an answer.
        select(ApplicantReply.application_id, ApplicantReply.sent_at).where(
            ApplicantReply.automatic.is_(False)
        ),
    ).subquery()
    first = (
        select(answers.c.application_id, func.min(answers.c.at).label("at"))
        .group_by(answers.c.application_id)
        .subquery()
    )
    seconds = _seconds_between(first.c.at, Application.created_at)
    with_answers = for_call(
        select()
        .select_from(Application)
        .outerjoin(first, first.c.application_id == Application.id),
        call_id,
        viewer,
    )
    counted = [func.count(Application.id), func.count(first.c.application_id)]
    if _dialect() == "postgresql":
        # One pass: the count and the median (NULLs – no answer yet – are left out).
        total, answered_count, median = db.session.execute(
            with_answers.add_columns(*counted, func.percentile_cont(0.5).within_group(seconds))
        ).one()
        total, answered_count = int(total), int(answered_count)
    else:
        total, answered_count = (
            int(n) for n in db.session.execute(with_answers.add_columns(*counted)).one()
        )
        median = None
        if answered_count:
            # The middle row (or the two middle rows) of the sorted durations, as SQLite
            # has no percentile function.
            middle = db.session.scalars(
                with_answers.add_columns(seconds.label("seconds"))
                .where(first.c.application_id.is_not(None))
                .order_by(seconds)
                .offset((answered_count - 1) // 2)
                .limit(1 if answered_count % 2 else 2)
            ).all()
            median = sum(float(value) for value in middle) / len(middle)
    # Whole seconds: SQLite's julianday arithmetic is off by microseconds.
    median = None if median is None else round(float(median))
    return FirstAnswer(median, answered_count, total - answered_count)
