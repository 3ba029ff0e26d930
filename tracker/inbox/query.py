"""The one query of the inbox: listings, exports, bulk actions and the candidate page share it.

Conditions, order, counts, batched iteration and neighbours of an :class:`InboxFilter`,
without N+1 queries. Queries only use bound parameters and allow-listed sort keys.

The first pass of rating is blind (see ratings.visible_ratings): an editor sees the mean of
a candidate only after rating them, so the order never sorts by the mean of a candidate the
user has not rated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    case,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.orm import selectinload

from tracker.database import PREPARE, on_postgresql
from tracker.enums import Status
from tracker.extensions import db
from tracker.inbox.conditions import filter_conditions, rated_by_user
from tracker.inbox.filter import InboxFilter
from tracker.inbox.scope import scope_of
from tracker.models import Application, ApplicationRegion, User

# Bulk actions on hand-picked rows: a page holds at most PER_PAGE_MAX of them.
SELECTION_MAX = 1000

_STATUS_ORDER = {status.value: position for position, status in enumerate(Status)}


def _id_of(user: User | None) -> int | None:  # exports from the command line: nobody
    return user.id if user is not None else None


def _order_keys(f: InboxFilter, user_id: int | None) -> list[tuple[ColumnElement, bool]]:
    """Return the sort keys of *f* as (expression, descending), ending with the id.

    The keys form a total order, so that :func:`neighbours` can step through it. Where a
    value may be missing (no assignee; a mean the user may not see) a flag key puts those
    rows last in both directions, and the value key is NULL only among them.
    """
    key, descending = f.sort_key, f.sort_descending
    if key == "name":
        keys = [(Application.full_name, descending)]
    elif key == "region":
        # By the first covered region; applicants who cover none (moved from the old
        # "elsewhere") come last in both directions.
        first = (
            select(ApplicationRegion.region)
            .where(ApplicationRegion.application_id == Application.id)
            .where(ApplicationRegion.position == 0)
            .scalar_subquery()
        )
        keys = [(case((first.is_(None), 1), else_=0), False), (first, descending)]
    elif key == "status":
        # Pipeline order, not the alphabet of the stored values.
        keys = [(case(_STATUS_ORDER, value=Application.status, else_=99), descending)]
    elif key == "ratings":
        keys = [(Application.rating_count, descending)]
    elif key == "rating":
        # Blind first pass: only candidates the user rated are ordered by their mean; the
        # others follow in id order, so the order reveals nothing about colleagues' scores.
        rated = rated_by_user(user_id)
        keys = [
            (case((rated, 0), else_=1), False),
            (case((rated, Application.rating_mean), else_=null()), descending),
        ]
    elif key == "assignee":
        name = select(User.name).where(User.id == Application.assignee_id).scalar_subquery()
        keys = [
            (case((Application.assignee_id.is_(None), 1), else_=0), False),
            (name, descending),
        ]
    else:
        keys = [(Application.created_at, descending)]
    return [*keys, (Application.id, descending)]


def _order_by(keys: Sequence[tuple[ColumnElement, bool]], *, reverse: bool = False) -> list:
    return [
        expression.desc() if descending != reverse else expression.asc()
        for expression, descending in keys
    ]


def inbox_query(f: InboxFilter, *, user: User, after_id: int | None = None) -> Select:
    """Return the SELECT of the applications *f* matches, in its order (all pages); with
    *after_id*, of those after that application in the order, as :func:`neighbours` steps
    (keyset pages for the API: however deep, they neither skip nor repeat a row)."""
    user_id = _id_of(user)
    keys = _order_keys(f, user_id)
    conditions = filter_conditions(f, user_id, scope_of(user))
    if after_id is not None:
        conditions.append(_beyond(keys, _anchor_values(keys, after_id), forward=True))
    return select(Application).where(*conditions).order_by(*_order_by(keys))


# What a page of the inbox shows of each application, and what a search by reference,
# phone number or address compares (review.inbox_page): core rows, not ORM objects, whose
# loading cost more than reading them.
PAGE_COLUMNS = (
    Application.id,
    Application.call_id,
    Application.reference,
    Application.full_name,
    Application.email,
    Application.phone,
    Application.country,
    Application.country_other,
    Application.city,
    Application.status,
    Application.rating_count,
    Application.rating_mean,
    Application.assignee_id,
    Application.created_at,
    Application.writing_sample_url,
)


def page_rows(f: InboxFilter, *, user: User, hides_anyone: bool = True) -> list[Row]:
    """Return the PAGE_COLUMNS of the applications on *f*'s page, in its order.

    *hides_anyone*: whether the user's scope hides any applicant at risk, as
    inbox.counts.hides_anyone last found (see :func:`_page_statement`).
    """
    scope = scope_of(user)
    statement = _page_statement(
        f.with_page(1), _id_of(user), scope, hides_anyone, _statement_context()
    )
    offset = (f.page - 1) * f.per_page
    return db.session.connection().execute(statement, {"limit": f.per_page, "offset": offset}).all()


@lru_cache(maxsize=256)
def _page_statement(
    f: InboxFilter, user_id: int | None, scope, hides_anyone: bool, _context: tuple
) -> Select:
    """Return the SELECT of :func:`page_rows` (``limit`` and ``offset`` bound at execution),
    built once per filter, user, scope, *hides_anyone* and :func:`_statement_context`.

    The page's ids are found first, then only their rows are read: the ids come from an
    index alone where the order allows, so a deep page steps over index entries, not over
    whole rows (page 1,000 of 100,000 on PostgreSQL: 44 → 5 ms).

    The rows read are always tested against the applicants at risk the scope hides; the
    ids' scan only if it hides anyone. Testing each index entry it steps over took most of
    a deep page's SQL (page 1,000 of 100,000 on SQLite: 2.7 against 0.7 ms). An applicant
    marked at risk after *hides_anyone* was found is still never shown: the page is then
    one row short until the change count that marking raised is read.
    """
    order = _order_by(_order_keys(f, user_id))
    ids = (
        select(Application.id)
        .where(*filter_conditions(f, user_id, scope, at_risk=hides_anyone))
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    page = select(*PAGE_COLUMNS).join(ids, Application.id == ids.c.id).order_by(*order)
    return page.where(scope.not_hidden()) if scope is not None else page


def _statement_context() -> tuple[bool, str]:
    """Return what a statement built for a filter depends on besides the filter: the
    database (a search is written for one of the two) and the app's reference prefix (a
    search by reference)."""
    return on_postgresql(), current_app.config["REFERENCE_PREFIX"]


def count_filtered(f: InboxFilter, *, user: User) -> int:
    """Return how many applications *f* matches (all pages)."""
    return db.session.scalar(
        select(func.count(Application.id)).where(
            *filter_conditions(f, _id_of(user), scope_of(user))
        )
    )


def status_counts(f: InboxFilter, *, user: User) -> dict[Status, int]:
    """Return how many applications of *f* are in each status, ignoring *f*'s own status."""
    counts = dict.fromkeys(Status, 0)
    # count(*), not count(id): PostgreSQL then counts from the index on status alone
    # (an index-only scan, 15 ms at 100,000 rows) instead of reading every row (60 ms).
    rows = db.session.execute(
        select(Application.status, func.count())
        .where(*filter_conditions(f, _id_of(user), scope_of(user), status=False))
        .group_by(Application.status)
    )
    for status, count in rows:
        counts[Status(status)] = count
    return counts


# Loader options for a bulk action that reads every row's tags (bulk_add_tag).
WITH_TAGS = (selectinload(Application.tags),)


def iter_filtered(
    f: InboxFilter, *, user: User, batch: int = 1000, options: Sequence = ()
) -> Iterator[Application]:
    """Yield every application *f* matches, in id order, loading *batch* rows at a time.

    Batches are keyed by id, not by offset: a bulk action that moves rows out of the filter
    while it iterates neither skips nor repeats any.
    """
    conditions = filter_conditions(f, _id_of(user), scope_of(user))
    last_id = 0
    while True:
        chunk = db.session.scalars(
            select(Application)
            .where(*conditions, Application.id > last_id)
            .order_by(Application.id)
            .limit(batch)
            .options(*options)
        ).all()
        yield from chunk
        if len(chunk) < batch:
            return
        last_id = chunk[-1].id


def filtered_rows_statement(
    f: InboxFilter, *, user: User | None, columns: Sequence, newest_first: bool = False
) -> Select:
    """Return the SELECT of *columns* of every application *f* matches, in id order
    (descending with *newest_first*: ids grow with the time of arrival, as in the inbox).

    Core rows, no ORM objects: for exports, which read many rows in one streaming pass
    and change none. *columns* may hold correlated subqueries of Application.
    """
    order = Application.id.desc() if newest_first else Application.id
    conditions = filter_conditions(f, _id_of(user), scope_of(user))
    return select(*columns).select_from(Application).where(*conditions).order_by(order)


def selected_applications(
    ids: Iterable[int], *, user: User | None, options: Sequence = ()
) -> Iterator[Application]:
    """Yield the applications among *ids* that exist within *user*'s scope, in id order
    (others are ignored: a hidden applicant at risk is never touched by a bulk action).

    A generator, like iter_filtered: a bulk function that opens its write transaction
    first then reads the rows inside it, current and in one query.
    """
    ids = sorted(set(ids))[:SELECTION_MAX]
    scope = scope_of(user)
    if ids:
        yield from db.session.scalars(
            select(Application)
            .where(Application.id.in_(ids), *(scope.conditions() if scope is not None else ()))
            .order_by(Application.id)
            .options(*options)
        ).all()


def _beyond(keys, values, *, forward: bool) -> ColumnElement[bool]:
    """Return the condition "after (or before) *values*" in the order of *keys*.

    Lexicographic: key 1 beyond, or key 1 equal and key 2 beyond, and so on. *values* are
    SQL expressions (the application's own keys, read in the same statement), so a NULL is
    handled in SQL: nothing lies strictly beyond it (the comparison is NULL), and "equal"
    means "also NULL" (``IS NOT DISTINCT FROM``). A NULL value only occurs where all rows
    with the same preceding keys share it (see _order_keys).
    """
    alternatives = []
    equal_so_far = []
    for (expression, descending), value in zip(keys, values, strict=True):
        later = expression < value if descending == forward else expression > value
        alternatives.append(and_(*equal_so_far, later))
        equal_so_far.append(expression.is_not_distinct_from(value))
    first_expression, first_descending = keys[0]
    # Redundant with the alternatives, but lets the database start from an index bound
    # (the first key is never NULL).
    bound = (
        first_expression <= values[0]
        if first_descending == forward
        else first_expression >= values[0]
    )
    return and_(bound, or_(*alternatives))


def neighbours(f: InboxFilter, application_id: int, *, user: User) -> tuple[int | None, int | None]:
    """Return the ids before and after *application_id* in the order of *f* (None at an end).

    One statement (each costs a round trip on PostgreSQL): the application's sort key read
    in a subquery, and one keyset step per direction beside it, each LIMIT 1 – the filter
    is never loaded. The application itself need not match *f* any longer (a status just
    changed), its place in the order is still known.
    """
    statement = _neighbours_statement(f, user.id, scope_of(user), _statement_context())
    found = db.session.execute(statement, {"application_id": application_id}).first()
    return (found[0], found[1]) if found is not None else (None, None)


@lru_cache(maxsize=256)
def _neighbours_statement(f: InboxFilter, user_id: int, scope, _context: tuple) -> Select:
    """Return the SELECT of :func:`neighbours` for *f* and the user (``application_id``
    bound at execution).

    Built once per filter, user and :func:`_statement_context`: building it and
    SQLAlchemy's cache key for a new statement object cost ten times what running it costs
    (0.8 against 0.07 ms).
    """
    keys = _order_keys(f, user_id)
    values = _anchor_values(keys, bindparam("application_id"))
    conditions = filter_conditions(f, user_id, scope)

    def step(forward: bool):
        """Return the id of the next row in the order (*forward*) or in the reverse."""
        return (
            select(Application.id)
            .where(*conditions, _beyond(keys, values, forward=forward))
            .order_by(*_order_by(keys, reverse=not forward))
            .limit(1)
            .scalar_subquery()
        )

    # Prepared on PostgreSQL: where a filter's values matter, the server still plans for them.
    return select(step(False), step(True)).select_from(values[0].table).execution_options(**PREPARE)


def _anchor_values(keys, application_id) -> list:
    """Return the sort *keys* of the application *application_id* as the columns of a
    one-row subquery (the anchor a keyset step starts from; none if it does not exist)."""
    keyed = select(*(expression.label(f"key_{n}") for n, (expression, _) in enumerate(keys)))
    return list(keyed.where(Application.id == application_id).subquery("anchor").c)
