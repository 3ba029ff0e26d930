"""The WHERE clauses of the listings: an inbox filter's within a scope, and the EXISTS of a
row of another table that names the application.

Kept apart from tracker.inbox.query, which orders, pages, counts and steps through what
these clauses select.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Exists, exists, select, true

from tracker.inbox.filter import InboxFilter
from tracker.inbox.scope import InboxScope, for_guest, hidden_at_risk
from tracker.models import (
    Application,
    ApplicationLanguage,
    ApplicationRegion,
    ApplicationTopic,
    Rating,
    Recusal,
    SampleFacts,
    SampleMatch,
    Tag,
    application_tags,
)
from tracker.quoted_search import inbox_search_ids


def has_row(foreign_key: ColumnElement, condition: ColumnElement, owner=Application.id) -> Exists:
    """Return "*owner* (an application, or an expert) has a row whose *foreign_key* names it
    and matching *condition*" as EXISTS: correlated, so a page walks the list's order and
    stops after its 50 rows instead of collecting every match first (a region a third of
    100,000 applicants cover: 45 ms as ``IN (…)``, 2 ms as EXISTS; PostgreSQL: alike)."""
    return exists().where(foreign_key == owner, condition)


def copies_in_scope(scope: InboxScope | None) -> ColumnElement[bool]:
    """Return the condition on SampleMatch "the other sample is one *scope* may see": a
    copy of an applicant at risk one may not see is no copy to them (None: admins, all)."""
    if scope is None:
        return true()
    return SampleMatch.other_application_id.not_in(hidden_at_risk(scope.viewer_id))


def sample_conditions(f: InboxFilter, scope: InboxScope | None = None) -> list:
    """Return the conditions of *f*'s writing-sample filters (tracker.sample_facts), the
    possible copies within *scope*."""
    conditions = []
    if f.sample_language:
        conditions.append(
            has_row(SampleFacts.application_id, SampleFacts.language == f.sample_language)
        )
    # Only matches above the threshold are stored: any row is a flag.
    if f.possible_copy == "yes":
        # Few samples are copies: IN reads those few index entries once, where EXISTS would
        # probe the index for each of 100,000 applications (SQLite, make bench: a page
        # 0.2 against 3 ms, the status counts 0.4 against 30 ms).
        copies = select(SampleMatch.application_id).where(copies_in_scope(scope))
        conditions.append(Application.id.in_(copies))
    elif f.possible_copy == "no":
        conditions.append(~has_row(SampleMatch.application_id, copies_in_scope(scope)))
    return conditions


def rated_by_user(user_id: int | None) -> ColumnElement[bool]:
    # IN, not a correlated EXISTS: the user's rated ids (index ix_ratings_user_id) are read
    # once and hashed, instead of one probe per row when sorting by rating.
    return Application.id.in_(select(Rating.application_id).where(Rating.user_id == user_id))


def recused_by_user(user_id: int | None) -> ColumnElement[bool]:
    return Application.id.in_(select(Recusal.application_id).where(Recusal.user_id == user_id))


def filter_conditions(
    f: InboxFilter, user_id: int | None, scope: InboxScope | None, status=True, at_risk=True
) -> list:
    """Return the WHERE clauses of *f* within *scope* (a guest's: no contact search), indexed;
    without *status*, those of every status; without *at_risk*, see InboxScope.conditions."""
    guest = for_guest(scope)
    conditions = scope.conditions(at_risk=at_risk) if scope is not None else []
    if f.call is not None:
        conditions.append(Application.call_id == f.call)
    if f.region:
        # Everyone who covers the region, checked per row through the table's primary key.
        conditions.append(
            has_row(ApplicationRegion.application_id, ApplicationRegion.region == f.region)
        )
    if status and f.status:
        conditions.append(Application.status.in_([status.value for status in f.status]))
    if f.language:
        conditions.append(
            has_row(ApplicationLanguage.application_id, ApplicationLanguage.language == f.language)
        )
    if f.topic:
        conditions.append(
            has_row(ApplicationTopic.application_id, ApplicationTopic.topic == f.topic)
        )
    conditions += sample_conditions(f, scope)
    if f.tag and not guest:  # tags are the team's labels, not for guests
        conditions.append(
            has_row(
                application_tags.c.application_id,
                application_tags.c.tag_id.in_(select(Tag.id).where(Tag.name == f.tag)),
            )
        )
    if f.assignee == "me":
        conditions.append(Application.assignee_id == user_id)
    elif f.assignee == "nobody":
        conditions.append(Application.assignee_id.is_(None))
    elif f.assignee == "someone":
        conditions.append(Application.assignee_id.is_not(None))
    elif isinstance(f.assignee, int):
        conditions.append(Application.assignee_id == f.assignee)
    if f.rated == "me":
        conditions.append(rated_by_user(user_id))
    elif f.rated == "not_me":
        # What is left for the user to rate: not the candidates they recused themselves from.
        conditions.append(~rated_by_user(user_id))
        conditions.append(~recused_by_user(user_id))
    if f.received_from:
        conditions.append(Application.created_at >= datetime.combine(f.received_from, time.min))
    if f.received_to and f.received_to < date.max:
        until = datetime.combine(f.received_to + timedelta(days=1), time.min)
        conditions.append(Application.created_at < until)
    if f.q:
        # Full-text words, and a reference, phone number or address in any spelling.
        conditions.append(Application.id.in_(inbox_search_ids(f.q, contact=not guest)))
    return conditions
