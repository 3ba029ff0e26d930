"""The expert directory: the experts an :class:`ExpertFilter` matches, a page of them, and
what each row shows.

The region, language and topic conditions are the inbox's (tracker.inbox.conditions.has_row:
correlated EXISTS) on the expert tables. The search compares name, address, city and
notes case-insensitively (LIKE; the pool is small beside the inbox). Sort keys come from
an allow-list (ExpertFilter.SORT_KEYS) and end with the id: a total order.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, case, func, null, or_, select
from sqlalchemy.orm import selectinload

from tracker.enums import AssignmentState, Availability
from tracker.experts.filter import ACTIVE_DAYS, ExpertFilter, levels_from
from tracker.extensions import db
from tracker.inbox.conditions import has_row
from tracker.inbox.scope import need_to_know
from tracker.models import (
    Application,
    Assignment,
    Expert,
    ExpertLanguage,
    ExpertRegion,
    ExpertTopic,
    User,
    utcnow,
)

OPEN_STATES = (
    AssignmentState.OFFERED.value,
    AssignmentState.ACCEPTED.value,
    AssignmentState.DELIVERED.value,
    AssignmentState.EDITED.value,
)
PUBLISHED_STATES = (AssignmentState.PUBLISHED.value, AssignmentState.PAID.value)
_AVAILABILITY_ORDER = {value.value: position for position, value in enumerate(Availability)}


def today() -> date:
    """Return today's date in UTC (what "busy until" and "active" count from)."""
    return utcnow().date()


def _busy_ended(day: date) -> ColumnElement[bool]:
    """Return "busy, but the last busy day has passed": available again."""
    return and_(Expert.availability == Availability.BUSY.value, Expert.busy_until < day)


def _available(value: str, day: date) -> ColumnElement[bool]:
    """Return the condition "available now" (a busy spell that ended counts), "busy" or
    "paused"."""
    if value == Availability.AVAILABLE.value:
        return or_(Expert.availability == value, _busy_ended(day))
    if value == Availability.BUSY.value:
        return and_(Expert.availability == value, ~_busy_ended(day))
    return Expert.availability == value


def _search(q: str) -> ColumnElement[bool]:
    columns = (Expert.full_name, Expert.email, Expert.city, Expert.notes)
    return or_(*(column.icontains(q, autoescape=True) for column in columns))


def expert_conditions(
    f: ExpertFilter, *, day: date | None = None, viewer: User | None = None
) -> list:
    """Return the WHERE clauses of *f*, without the experts who came from an applicant at
    risk *viewer* may not see (tracker.inbox.scope; None: the command line, all)."""
    day = day or today()
    conditions = need_to_know(Expert.application_id, viewer)
    if f.call is not None:
        # Whoever applied to the call: the application they came from, or any application
        # from their address.
        applied = select(Application.id).where(Application.call_id == f.call)
        by_address = select(Application.email).where(Application.call_id == f.call)
        conditions.append(or_(Expert.application_id.in_(applied), Expert.email.in_(by_address)))
    if f.region:
        conditions.append(
            has_row(ExpertRegion.expert_id, ExpertRegion.region == f.region, Expert.id)
        )
    if f.language:
        matches = and_(
            ExpertLanguage.language == f.language, ExpertLanguage.level.in_(levels_from(f.level))
        )
        conditions.append(has_row(ExpertLanguage.expert_id, matches, Expert.id))
    if f.topic:
        conditions.append(has_row(ExpertTopic.expert_id, ExpertTopic.topic == f.topic, Expert.id))
    if f.availability:
        conditions.append(_available(f.availability, day))
    if f.active:
        recent = Assignment.published_on >= day - timedelta(days=ACTIVE_DAYS)
        conditions.append(has_row(Assignment.expert_id, recent, Expert.id))
    if f.q:
        conditions.append(_search(f.q))
    return conditions


def _last_published():
    return (
        select(func.max(Assignment.published_on))
        .where(Assignment.expert_id == Expert.id)
        .scalar_subquery()
    )


def _order_by(f: ExpertFilter) -> list:
    key, descending = f.sort_key, f.sort_descending
    if key == "published":
        last = _last_published()
        # Experts who never published come last in both directions.
        keys = [(case((last.is_(None), 1), else_=0), False), (last, descending)]
    elif key == "availability":
        # As the filter counts: a busy spell that ended is available; the busy by their
        # last busy day (None for everyone else, so no database's NULL order matters).
        ended, busy = _busy_ended(today()), _available(Availability.BUSY.value, today())
        stored = case(_AVAILABILITY_ORDER, value=Expert.availability, else_=99)
        keys = [
            (case((ended, 0), else_=stored), descending),
            (case((busy, Expert.busy_until), else_=null()), descending),
        ]
    else:
        keys = [(func.lower(Expert.full_name), descending)]
    keys.append((Expert.id, descending))
    return [expression.desc() if down else expression.asc() for expression, down in keys]


def experts_query(f: ExpertFilter, *, viewer: User | None = None) -> Select:
    """Return the SELECT of the experts *f* matches for *viewer*, in its order (all pages)."""
    return select(Expert).where(*expert_conditions(f, viewer=viewer)).order_by(*_order_by(f))


@dataclass
class ExpertRow:
    """One line of the directory: the expert and their assignments' counts."""

    expert: Expert
    open_assignments: int
    published_assignments: int
    # The most recently published piece: (date, URL as stored – text, never fetched).
    last_published: tuple[date, str | None] | None


@dataclass
class DirectoryPage:
    """One page of the directory."""

    filter: ExpertFilter
    rows: list[ExpertRow]
    total: int

    @property
    def pages(self) -> int:
        """How many pages the filter fills (at least one)."""
        return max(1, math.ceil(self.total / self.filter.per_page))


def assignment_summary(expert_ids: list[int]) -> dict[int, tuple[int, int, tuple | None]]:
    """Return {expert id: (open, published, (last published day, URL) or None)}."""
    counts: dict[int, list] = defaultdict(lambda: [0, 0, None])
    rows = db.session.execute(
        select(
            Assignment.expert_id,
            Assignment.state,
            Assignment.published_on,
            Assignment.published_url,
        )
        .where(Assignment.expert_id.in_(expert_ids))
        .order_by(Assignment.published_on.desc().nulls_last(), Assignment.id.desc())
    )
    for expert_id, state, published_on, url in rows:
        entry = counts[expert_id]
        entry[0] += state in OPEN_STATES
        entry[1] += state in PUBLISHED_STATES
        if published_on is not None and entry[2] is None:
            entry[2] = (published_on, url)
    return {expert_id: tuple(entry) for expert_id, entry in counts.items()}


def directory_page(f: ExpertFilter, *, viewer: User | None = None) -> DirectoryPage:
    """Return the page of the directory *f* asks for, as *viewer* may see it."""
    conditions = expert_conditions(f, viewer=viewer)
    total = db.session.scalar(select(func.count(Expert.id)).where(*conditions))
    experts = db.session.scalars(
        experts_query(f, viewer=viewer)
        .options(
            selectinload(Expert.covered_regions),
            selectinload(Expert.languages),
            selectinload(Expert.topics),
        )
        .limit(f.per_page)
        .offset((f.page - 1) * f.per_page)
    ).all()
    summary = assignment_summary([expert.id for expert in experts])
    rows = [ExpertRow(expert, *summary.get(expert.id, (0, 0, None))) for expert in experts]
    return DirectoryPage(filter=f, rows=rows, total=total)


def experts_after(f: ExpertFilter, after: int, limit: int) -> list[Expert]:
    """Return up to *limit* experts *f* matches whose id is above *after*, by id (the
    API's cursor pages), their regions, languages and topics loaded."""
    return list(
        db.session.scalars(
            select(Expert)
            .where(*expert_conditions(f), Expert.id > after)
            .options(
                selectinload(Expert.covered_regions),
                selectinload(Expert.languages),
                selectinload(Expert.topics),
            )
            .order_by(Expert.id)
            .limit(limit)
        )
    )
