"""The measure that matters: from application to first published piece (the dashboard).

Beside tracker.insights (which counts applications), these numbers follow candidates on
to their work: per region, how many applications reached the shortlist, a trial and a
first published piece; the median days from an application to its first published
piece; the fees paid per month and currency; and the experts per region who published
in the last 90 days. An application "has a published piece" when an assignment given to
it (a trial) or to the expert it became (Expert.application_id) has a publication date.

Every function runs a fixed number of queries, aggregated in SQL, however many rows
exist; the median is taken in Python from one query's list of day counts. With a
*viewer*, the applicants at risk they may not see, their assignments and the experts they
became are counted nowhere (need to know, tracker.inbox.scope).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, literal, or_, select, union_all

from tracker.dates import sql_month
from tracker.enums import Status
from tracker.experts.filter import ACTIVE_DAYS
from tracker.extensions import db
from tracker.inbox.scope import experts_need_to_know, need_to_know
from tracker.insights import SHORTLIST_OR_LATER, as_date, count_if
from tracker.models import (
    Application,
    ApplicationRegion,
    Assignment,
    Expert,
    ExpertRegion,
    StatusChange,
    User,
    utcnow,
)

FEE_MONTHS = 12
# Reached a trial (as insights.SHORTLIST_OR_LATER reached the shortlist): acceptance
# lies beyond both, even where a pipeline skipped a step.
TRIAL_OR_LATER = (Status.TRIAL.value, Status.ACCEPTED.value)


def _first_pieces():
    """Return a subquery: (application_id, first published_on) over both ways to a piece."""
    published = Assignment.published_on.is_not(None)
    pieces = union_all(
        select(
            Assignment.application_id.label("application_id"),
            Assignment.published_on.label("published_on"),
        ).where(published, Assignment.application_id.is_not(None)),
        select(Expert.application_id, Assignment.published_on)
        .join(Assignment, Assignment.expert_id == Expert.id)
        .where(published, Expert.application_id.is_not(None)),
    ).subquery()
    return (
        select(pieces.c.application_id, func.min(pieces.c.published_on).label("first"))
        .group_by(pieces.c.application_id)
        .subquery()
    )


def _reached():
    """Return a subquery: per application, whether its history reached shortlist and trial."""
    return (
        select(
            StatusChange.application_id.label("application_id"),
            func.max(case((StatusChange.to_status.in_(SHORTLIST_OR_LATER), 1), else_=0)).label(
                "shortlisted"
            ),
            func.max(case((StatusChange.to_status.in_(TRIAL_OR_LATER), 1), else_=0)).label("trial"),
        )
        .group_by(StatusChange.application_id)
        .subquery()
    )


@dataclass
class PieceStages:
    """Applications of a region (or all) that reached each stage up to a published piece."""

    key: str
    applications: int
    shortlisted: int
    trial: int
    published: int


def _stages_query(call_id: int | None, *, by_region: bool, viewer: User | None) -> Select:
    reached, first = _reached(), _first_pieces()
    counts = (
        func.count(Application.id),
        count_if(or_(reached.c.shortlisted == 1, Application.status.in_(SHORTLIST_OR_LATER))),
        count_if(or_(reached.c.trial == 1, Application.status.in_(TRIAL_OR_LATER))),
        count_if(first.c.application_id.is_not(None)),
    )
    key = ApplicationRegion.region if by_region else literal("")
    query = (
        select(key, *counts)
        .select_from(Application)
        .outerjoin(reached, reached.c.application_id == Application.id)
        .outerjoin(first, first.c.application_id == Application.id)
        .where(*need_to_know(Application.id, viewer))
    )
    if by_region:
        query = (
            query.join(ApplicationRegion, ApplicationRegion.application_id == Application.id)
            .group_by(ApplicationRegion.region)
            .order_by(func.count(Application.id).desc(), ApplicationRegion.region)
        )
    return query if call_id is None else query.where(Application.call_id == call_id)


def piece_stages(
    call_id: int | None = None, *, viewer: User | None = None
) -> tuple[list[PieceStages], PieceStages]:
    """Return the stages per region (most applications first) and over all applications.

    An applicant who covers two regions counts in both; the total counts them once.
    Two queries.
    """
    by_region = db.session.execute(_stages_query(call_id, by_region=True, viewer=viewer))
    rows = [PieceStages(key, *(int(n) for n in counts)) for key, *counts in by_region]
    key, *counts = db.session.execute(_stages_query(call_id, by_region=False, viewer=viewer)).one()
    return rows, PieceStages("", *(int(n) for n in counts))


@dataclass
class FirstPieces:
    """The median days from an application to its first published piece, and how many."""

    median_days: float | None
    count: int


def days_to_first_piece(call_id: int | None = None, *, viewer: User | None = None) -> FirstPieces:
    """Return the median days from application (created_at) to first published piece.

    One query lists (arrival, first publication) of every application with a piece; the
    days are counted between calendar days (UTC) and the median taken here.
    """
    first = _first_pieces()
    query = (
        select(Application.created_at, first.c.first)
        .join(first, first.c.application_id == Application.id)
        .where(*need_to_know(Application.id, viewer))
    )
    if call_id is not None:
        query = query.where(Application.call_id == call_id)
    days = [
        (as_date(published) - as_date(created)).days
        for created, published in db.session.execute(query)
    ]
    return FirstPieces(statistics.median(days) if days else None, len(days))


def fees_paid(
    call_id: int | None = None,
    *,
    now: datetime | None = None,
    months: int = FEE_MONTHS,
    viewer: User | None = None,
) -> list[tuple[date, str, int]]:
    """Return (first day of month, currency, fees paid in minor units) for the last
    *months* months with payments, newest first, currencies A–Z. One query.

    With a call: the assignments of its candidates (a trial) and of the experts who came
    from its applications.
    """
    today = (now or utcnow()).date()
    start_index = today.year * 12 + today.month - 1 - (months - 1)
    start = date(start_index // 12, start_index % 12 + 1, 1)
    month = sql_month(Assignment.paid_on, db.session.get_bind().dialect.name).label("month")
    query = (
        select(month, Assignment.currency, func.sum(Assignment.fee_minor))
        .where(Assignment.paid_on.is_not(None), Assignment.paid_on >= start)
        .where(*need_to_know(Assignment.application_id, viewer))
        .where(*experts_need_to_know(Assignment.expert_id, viewer))
        .group_by(month, Assignment.currency)
        .order_by(month.desc(), Assignment.currency)
    )
    if call_id is not None:
        via_expert = select(Expert.id).join(Application, Application.id == Expert.application_id)
        of_call = select(Application.id).where(Application.call_id == call_id)
        query = query.where(
            or_(
                Assignment.application_id.in_(of_call),
                Assignment.expert_id.in_(via_expert.where(Application.call_id == call_id)),
            )
        )
    return [
        (date.fromisoformat(f"{value}-01"), currency, int(total))
        for value, currency, total in db.session.execute(query)
    ]


def active_experts(
    *, now: datetime | None = None, days: int = ACTIVE_DAYS, viewer: User | None = None
) -> dict[str, int]:
    """Return {region: experts of the pool covering it who published in the last *days*
    days}. An expert who covers two regions counts in both. One query."""
    since = (now or utcnow()).date() - timedelta(days=days)
    query = (
        select(ExpertRegion.region, func.count(func.distinct(ExpertRegion.expert_id)))
        .join(Assignment, Assignment.expert_id == ExpertRegion.expert_id)
        .where(Assignment.published_on >= since)
        .where(*experts_need_to_know(ExpertRegion.expert_id, viewer))
        .group_by(ExpertRegion.region)
    )
    return {region: int(count) for region, count in db.session.execute(query)}
