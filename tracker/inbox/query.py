"""The editors' inbox: filter, sort and page through applications, without N+1 queries.

The whole state of the inbox lives in the query string. :class:`InboxFilter` parses it
(every invalid value is dropped, never an error) and writes it back canonically, so that
links – pagination, sort headers, status tabs, a colleague's bookmark, the candidate page's
``?from=`` – keep it. Queries only use bound parameters and allow-listed sort keys.

The first pass of rating is blind (see ratings.visible_ratings): an editor sees the mean of
a candidate only after rating them. The inbox therefore never shows – nor sorts by – the
mean of a candidate the user has not rated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.orm import defer, raiseload, selectinload

from tracker.applications.ratings import criterion_means, rated_by
from tracker.applications.teamwork import all_tags
from tracker.calls import load_data, localized
from tracker.enums import Status
from tracker.extensions import db
from tracker.models import (
    Application,
    ApplicationLanguage,
    ApplicationTopic,
    Call,
    Document,
    Rating,
    Tag,
    User,
    application_tags,
)
from tracker.search import matching_application_ids

SORT_KEYS = ("name", "region", "status", "rating", "ratings", "assignee", "received")
DEFAULT_SORT = "-received"
# Columns whose first click sorts descending: the newest, best rated, most rated first.
DESCENDING_FIRST = frozenset({"rating", "ratings", "received"})
PER_PAGE = 50
PER_PAGE_MIN, PER_PAGE_MAX = 10, 100
ASSIGNEE_CHOICES = ("me", "nobody", "someone")
RATED_CHOICES = ("me", "not_me")
Q_MAX_LENGTH = 200
# A `?from=` query string longer than this is not one the inbox wrote.
QUERY_STRING_MAX_LENGTH = 4096
# Bulk actions on hand-picked rows: a page holds at most PER_PAGE_MAX of them.
SELECTION_MAX = 1000

STATUS_LABELS = {
    Status.NEW: _l("New"),
    Status.IN_REVIEW: _l("In review"),
    Status.SHORTLISTED: _l("Shortlisted"),
    Status.TRIAL: _l("Trial"),
    Status.ACCEPTED: _l("Accepted"),
    Status.ON_HOLD: _l("On hold"),
    Status.REJECTED: _l("Rejected"),
    Status.WITHDRAWN: _l("Withdrawn"),
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]{1,9}")
_STATUS_ORDER = {status.value: position for position, status in enumerate(Status)}


def status_label(status: str | Status) -> str:
    """Return the translated name of *status*."""
    return str(STATUS_LABELS[Status(status)])


# --- The filter ----------------------------------------------------------------------


def _values(args: Mapping, name: str) -> list[str]:
    """Return every value of *name* in *args* (a MultiDict or a plain mapping)."""
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        value = args.get(name)
        values = list(value) if isinstance(value, list | tuple) else [value]
    return [value for value in values if isinstance(value, str)]


def _first(args: Mapping, name: str) -> str | None:
    for value in _values(args, name):
        value = value.strip()
        if value:
            return value
    return None


def _text(args: Mapping, name: str, max_length: int) -> str | None:
    value = _first(args, name)
    if value is None or len(value) > max_length or _CONTROL.search(value):
        return None
    return value


def _number(args: Mapping, name: str) -> int | None:
    value = _first(args, name)
    return int(value) if value is not None and _DIGITS.fullmatch(value) else None


def _date(args: Mapping, name: str) -> date | None:
    value = _first(args, name)
    if value is None or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _statuses(args: Mapping) -> tuple[Status, ...]:
    wanted = set()
    for value in _values(args, "status"):
        for part in value.split(","):
            if part.strip() in _STATUS_ORDER:
                wanted.add(Status(part.strip()))
    return tuple(status for status in Status if status in wanted)


def _sort(args: Mapping) -> str:
    value = _first(args, "sort")
    if value is not None and value.removeprefix("-") in SORT_KEYS:
        return value
    return DEFAULT_SORT


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows: filters, sort order and page, as the query string holds them."""

    call: int | None = None
    region: str | None = None
    status: tuple[Status, ...] = ()
    language: str | None = None
    topic: str | None = None
    tag: str | None = None
    # "me", "nobody", "someone" or a user id
    assignee: str | int | None = None
    # "me" (rated by me) or "not_me"
    rated: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def from_args(cls, args: Mapping) -> InboxFilter:
        """Parse *args* (request.args or a dict); invalid values are dropped, never raised."""
        assignee = _first(args, "assignee")
        if assignee not in ASSIGNEE_CHOICES:
            assignee = _number(args, "assignee")
        rated = _first(args, "rated")
        q = _first(args, "q")
        if q is not None:
            # A search is text someone typed: control characters are noise, length is capped.
            q = " ".join(_CONTROL.sub(" ", q).split())[:Q_MAX_LENGTH] or None
        per_page = _number(args, "per_page")
        return cls(
            call=_number(args, "call"),
            region=_text(args, "region", 60),
            status=_statuses(args),
            language=_text(args, "language", 10),
            topic=_text(args, "topic", 60),
            tag=_text(args, "tag", 60),
            assignee=assignee,
            rated=rated if rated in RATED_CHOICES else None,
            received_from=_date(args, "received_from"),
            received_to=_date(args, "received_to"),
            q=q,
            sort=_sort(args),
            page=max(1, _number(args, "page") or 1),
            per_page=(
                PER_PAGE if per_page is None else min(PER_PAGE_MAX, max(PER_PAGE_MIN, per_page))
            ),
        )

    @classmethod
    def from_query_string(cls, query_string: str | None) -> InboxFilter:
        """Parse a query string such as :meth:`query_string` wrote (e.g. ``?from=``)."""
        query_string = (query_string or "").lstrip("?")
        if len(query_string) > QUERY_STRING_MAX_LENGTH:
            return cls()
        pairs: dict[str, list[str]] = {}
        for name, value in parse_qsl(query_string, keep_blank_values=False):
            pairs.setdefault(name, []).append(value)
        return cls.from_args(pairs)

    def to_args(self) -> dict[str, str | list[str]]:
        """Return the canonical query arguments of this filter (defaults left out)."""
        args: dict[str, str | list[str]] = {}
        if self.call is not None:
            args["call"] = str(self.call)
        for name in ("region", "language", "topic", "tag"):
            if getattr(self, name):
                args[name] = getattr(self, name)
        if self.status:
            args["status"] = [status.value for status in self.status]
        if self.assignee is not None:
            args["assignee"] = str(self.assignee)
        if self.rated:
            args["rated"] = self.rated
        if self.received_from:
            args["received_from"] = self.received_from.isoformat()
        if self.received_to:
            args["received_to"] = self.received_to.isoformat()
        if self.q:
            args["q"] = self.q
        if self.sort != DEFAULT_SORT:
            args["sort"] = self.sort
        if self.page != 1:
            args["page"] = str(self.page)
        if self.per_page != PER_PAGE:
            args["per_page"] = str(self.per_page)
        return args

    def query_string(self, *, include_page: bool = True) -> str:
        """Return :meth:`to_args` as a query string (without the leading ``?``)."""
        args = self.to_args()
        if not include_page:
            args.pop("page", None)
        return urlencode(args, doseq=True)

    @property
    def sort_key(self) -> str:
        """The column sorted by, e.g. ``received``."""
        return self.sort.removeprefix("-")

    @property
    def sort_descending(self) -> bool:
        """Whether the sort is descending."""
        return self.sort.startswith("-")

    @property
    def is_filtered(self) -> bool:
        """Whether any filter (not sort or page) narrows the inbox."""
        return any(
            (
                self.call is not None,
                self.region,
                self.status,
                self.language,
                self.topic,
                self.tag,
                self.assignee is not None,
                self.rated,
                self.received_from,
                self.received_to,
                self.q,
            )
        )

    def with_page(self, page: int) -> InboxFilter:
        """Return this filter on *page*."""
        return replace(self, page=max(1, page))

    def with_status(self, status: Status | None) -> InboxFilter:
        """Return this filter restricted to *status* (or to no status), on page 1."""
        return replace(self, status=(status,) if status else (), page=1)

    def sorted_by(self, key: str) -> InboxFilter:
        """Return this filter sorted by *key*: the other direction if it is sorted so already."""
        if key == self.sort_key:
            sort = key if self.sort_descending else f"-{key}"
        else:
            sort = f"-{key}" if key in DESCENDING_FIRST else key
        return replace(self, sort=sort, page=1)

    def cleared(self) -> InboxFilter:
        """Return a filter without any filters, keeping the sort and page size."""
        return InboxFilter(sort=self.sort, per_page=self.per_page)


# --- Queries -------------------------------------------------------------------------


def _rated_by_user(user: User) -> ColumnElement[bool]:
    # IN, not a correlated EXISTS: the user's rated ids (index ix_ratings_user_id) are read
    # once and hashed, instead of one probe per row when sorting by rating.
    return Application.id.in_(select(Rating.application_id).where(Rating.user_id == user.id))


def _conditions(f: InboxFilter, user: User, *, with_status: bool = True) -> list:
    """Return the WHERE clauses of *f*, each one served by an index."""
    conditions = []
    if f.call is not None:
        conditions.append(Application.call_id == f.call)
    if f.region:
        conditions.append(Application.region == f.region)
    if with_status and f.status:
        conditions.append(Application.status.in_([status.value for status in f.status]))
    if f.language:
        conditions.append(
            Application.id.in_(
                select(ApplicationLanguage.application_id).where(
                    ApplicationLanguage.language == f.language
                )
            )
        )
    if f.topic:
        conditions.append(
            Application.id.in_(
                select(ApplicationTopic.application_id).where(ApplicationTopic.topic == f.topic)
            )
        )
    if f.tag:
        conditions.append(
            Application.id.in_(
                select(application_tags.c.application_id)
                .join(Tag, Tag.id == application_tags.c.tag_id)
                .where(Tag.name == f.tag)
            )
        )
    if f.assignee == "me":
        conditions.append(Application.assignee_id == user.id)
    elif f.assignee == "nobody":
        conditions.append(Application.assignee_id.is_(None))
    elif f.assignee == "someone":
        conditions.append(Application.assignee_id.is_not(None))
    elif isinstance(f.assignee, int):
        conditions.append(Application.assignee_id == f.assignee)
    if f.rated == "me":
        conditions.append(_rated_by_user(user))
    elif f.rated == "not_me":
        conditions.append(~_rated_by_user(user))
    if f.received_from:
        conditions.append(Application.created_at >= datetime.combine(f.received_from, time.min))
    if f.received_to and f.received_to < date.max:
        until = datetime.combine(f.received_to + timedelta(days=1), time.min)
        conditions.append(Application.created_at < until)
    if f.q:
        conditions.append(Application.id.in_(matching_application_ids(f.q)))
    return conditions


def _order_keys(f: InboxFilter, user: User) -> list[tuple[ColumnElement, bool]]:
    """Return the sort keys of *f* as (expression, descending), ending with the id.

    The keys form a total order, so that :func:`neighbours` can step through it. Where a
    value may be missing (no assignee; a mean the user may not see) a flag key puts those
    rows last in both directions, and the value key is NULL only among them.
    """
    key, descending = f.sort_key, f.sort_descending
    if key == "name":
        keys = [(Application.full_name, descending)]
    elif key == "region":
        keys = [(Application.region, descending)]
    elif key == "status":
        # Pipeline order, not the alphabet of the stored values.
        keys = [(case(_STATUS_ORDER, value=Application.status, else_=99), descending)]
    elif key == "ratings":
        keys = [(Application.rating_count, descending)]
    elif key == "rating":
        # Blind first pass: only candidates the user rated are ordered by their mean; the
        # others follow in id order, so the order reveals nothing about colleagues' scores.
        rated = _rated_by_user(user)
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


def inbox_query(f: InboxFilter, *, user: User) -> Select:
    """Return the SELECT of the applications *f* matches, in its order (all pages)."""
    return (
        select(Application).where(*_conditions(f, user)).order_by(*_order_by(_order_keys(f, user)))
    )


def count_filtered(f: InboxFilter, *, user: User) -> int:
    """Return how many applications *f* matches (all pages)."""
    return db.session.scalar(select(func.count(Application.id)).where(*_conditions(f, user)))


def _counts_key(f: InboxFilter, user: User) -> tuple:
    # What the status counts depend on: the filter without its status, sort and page.
    return (user.id, replace(f, status=(), sort=DEFAULT_SORT, page=1, per_page=PER_PAGE))


def status_counts(f: InboxFilter, *, user: User) -> dict[Status, int]:
    """Return how many applications of *f* are in each status, ignoring *f*'s own status.

    The counts :func:`inbox_page` just computed for the same filter, in the same request,
    are taken once without asking the database again (the inbox shows both).
    """
    if has_app_context():
        cached = g.pop("inbox_status_counts", None)
        if cached is not None and cached[0] == _counts_key(f, user):
            return dict(cached[1])
    return _status_counts(f, user=user)


def _status_counts(f: InboxFilter, *, user: User) -> dict[Status, int]:
    counts = dict.fromkeys(Status, 0)
    rows = db.session.execute(
        select(Application.status, func.count(Application.id))
        .where(*_conditions(f, user, with_status=False))
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
    conditions = _conditions(f, user)
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


def iter_filtered_rows(
    f: InboxFilter, *, user: User | None, columns: Sequence, batch: int = 1000
) -> Iterator[list]:
    """Yield the *columns* of every application *f* matches as Core rows, in id order.

    Batches of *batch* rows, keyed by id like :func:`iter_filtered`, without ORM objects:
    for exports, which read many rows and change none.
    """
    conditions = _conditions(f, user)
    last_id = 0
    while True:
        chunk = db.session.execute(
            select(*columns)
            .where(*conditions, Application.id > last_id)
            .order_by(Application.id)
            .limit(batch)
        ).all()
        if chunk:
            yield chunk
        if len(chunk) < batch:
            return
        last_id = chunk[-1].id


def selected_applications(ids: Iterable[int], *, options: Sequence = ()) -> Iterator[Application]:
    """Yield the applications among *ids* that exist, in id order (others are ignored).

    A generator, like iter_filtered: a bulk function that opens its write transaction
    first then reads the rows inside it, current and in one query.
    """
    ids = sorted(set(ids))[:SELECTION_MAX]
    if ids:
        yield from db.session.scalars(
            select(Application)
            .where(Application.id.in_(ids))
            .order_by(Application.id)
            .options(*options)
        ).all()


def assignable_users() -> list[User]:
    """Return the active staff accounts, by name: who may be assigned a candidate."""
    return list(db.session.scalars(select(User).where(User.active).order_by(User.name, User.id)))


def _beyond(keys, values, *, forward: bool) -> ColumnElement[bool]:
    """Return the condition "after (or before) *values*" in the order of *keys*.

    Lexicographic: key 1 beyond, or key 1 equal and key 2 beyond, and so on. A NULL value
    only occurs where all rows with the same preceding keys share it (see _order_keys), so
    nothing lies strictly beyond it on that key.
    """
    alternatives = []
    equal_so_far = []
    for (expression, descending), value in zip(keys, values, strict=True):
        if value is not None:
            later = expression < value if descending == forward else expression > value
            alternatives.append(and_(*equal_so_far, later))
            equal_so_far.append(expression == value)
        else:
            equal_so_far.append(expression.is_(None))
    first_expression, first_descending = keys[0]
    # Redundant with the alternatives, but lets the database start from an index bound.
    bound = (
        first_expression <= values[0]
        if first_descending == forward
        else first_expression >= values[0]
    )
    return and_(bound, or_(*alternatives))


def neighbours(f: InboxFilter, application_id: int, *, user: User) -> tuple[int | None, int | None]:
    """Return the ids before and after *application_id* in the order of *f* (None at an end).

    Keyset queries on the sort key: one to read the application's key, one per direction,
    each LIMIT 1 – the filter is never loaded. The application itself need not match *f*
    any longer (a status just changed), its place in the order is still known.
    """
    keys = _order_keys(f, user)
    values = db.session.execute(
        select(*(expression for expression, _ in keys)).where(Application.id == application_id)
    ).first()
    if values is None:
        return None, None
    conditions = _conditions(f, user)

    def step(forward: bool) -> int | None:
        """Return the id of the next row in the order (*forward*) or in the reverse."""
        return db.session.scalar(
            select(Application.id)
            .where(*conditions, _beyond(keys, tuple(values), forward=forward))
            .order_by(*_order_by(keys, reverse=not forward))
            .limit(1)
        )

    return step(False), step(True)


# --- One page ------------------------------------------------------------------------


@dataclass
class InboxRow:
    """One line of the inbox: the application and what the table shows about it."""

    application: Application
    region: str
    region_other: str | None
    languages: list[tuple[str, str]]
    topics: list[str]
    status: Status
    rating_count: int
    # None: "not rated by you" – the blind first pass hides the mean until the user rated.
    rating_mean: float | None
    rated_by_me: bool
    criterion_means: dict[str, float] | None
    assignee: str | None
    received: datetime
    documents: list[str]
    has_sample_link: bool
    tags: list[str]

    @property
    def id(self) -> int:
        """The application's id."""
        return self.application.id


@dataclass
class InboxPage:
    """One page of the inbox."""

    filter: InboxFilter  # with the page clamped to the pages there are
    rows: list[InboxRow]
    total: int
    pages: int

    @property
    def page(self) -> int:
        """The number of this page, from 1."""
        return self.filter.page

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a page follows this one."""
        return self.page < self.pages

    @property
    def first_number(self) -> int:
        """The position of the first row on this page, counted from 1 (0 if empty)."""
        return (self.page - 1) * self.filter.per_page + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        """The position of the last row on this page, counted from 1."""
        return (self.page - 1) * self.filter.per_page + len(self.rows)


def _labels(items: list, language: str) -> dict[str, str]:
    return {item["key"]: localized(item["label"], language) for item in items}


def inbox_page(f: InboxFilter, *, user: User, language: str = "de") -> InboxPage:
    """Return the page of *f*: one query for the page, one per related kind, none per row."""
    # One grouped count gives both the total and the status tabs (status_counts reuses it).
    counts = _status_counts(f, user=user)
    if has_app_context():
        g.inbox_status_counts = (_counts_key(f, user), counts)
    total = sum(counts[status] for status in (f.status or Status))
    pages = max(1, math.ceil(total / f.per_page))
    f = f.with_page(min(f.page, pages))
    applications = list(
        db.session.scalars(
            inbox_query(f, user=user)
            .limit(f.per_page)
            .offset((f.page - 1) * f.per_page)
            .options(
                selectinload(Application.call),
                selectinload(Application.languages),
                selectinload(Application.topics),
                selectinload(Application.tags),
                selectinload(Application.assignee),
                defer(Application.cover_letter, raiseload=True),
                # Anything not loaded above would be one query per row: refuse it.
                raiseload("*"),
            )
        )
    )
    ids = [application.id for application in applications]
    documents: dict[int, set[str]] = {}
    rated: set[int] = set()
    means: dict[int, dict[str, float]] = {}
    if ids:
        for application_id, kind in db.session.execute(
            select(Document.application_id, Document.kind).where(Document.application_id.in_(ids))
        ):
            documents.setdefault(application_id, set()).add(kind)
        rated = rated_by(user, ids)
        if rated:
            means = criterion_means(rated)
    labels: dict[int, tuple[dict[str, str], dict[str, str]]] = {}
    rows = []
    for application in applications:
        call = application.call
        if call.id not in labels:
            labels[call.id] = (_labels(call.regions, language), _labels(call.topics, language))
        region_labels, topic_labels = labels[call.id]
        visible = application.id in rated
        kinds = documents.get(application.id, set())
        rows.append(
            InboxRow(
                application=application,
                region=region_labels.get(application.region, application.region),
                region_other=application.region_other,
                languages=[(item.language, item.level) for item in application.languages],
                topics=sorted(
                    (topic_labels.get(item.topic, item.topic) for item in application.topics),
                    key=str.casefold,
                ),
                status=Status(application.status),
                rating_count=application.rating_count,
                rating_mean=application.rating_mean if visible else None,
                rated_by_me=visible,
                criterion_means=means.get(application.id) if visible else None,
                assignee=application.assignee.name if application.assignee else None,
                received=application.created_at,
                documents=[
                    kind for kind in ("cv", "cover_letter", "writing_sample") if kind in kinds
                ],
                has_sample_link=bool(application.writing_sample_url),
                tags=[tag.name for tag in application.tags],
            )
        )
    return InboxPage(filter=f, rows=rows, total=total, pages=pages)


# --- What the filter form offers -----------------------------------------------------


@dataclass
class InboxOptions:
    """The choices of the filter form and the bulk actions."""

    calls: list[tuple[int, str]] = field(default_factory=list)
    regions: list[tuple[str, str]] = field(default_factory=list)
    topics: list[tuple[str, str]] = field(default_factory=list)
    languages: list[tuple[str, str]] = field(default_factory=list)
    users: list[User] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def user_choices(self) -> list[tuple[int, str]]:
        """Every account as (id, name), for the assignee filter (inactive ones included)."""
        return [(user.id, user.name) for user in self.users]

    @property
    def tag_choices(self) -> list[tuple[str, str]]:
        """Every tag as (name, name), for the tag filter."""
        return [(tag, tag) for tag in self.tags]

    @property
    def assignable_users(self) -> list[User]:
        """The active accounts, to whom applications may be assigned."""
        return [user for user in self.users if user.active]


def inbox_options(f: InboxFilter, *, language: str = "de") -> InboxOptions:
    """Return the choices for the filter form: of the filtered call, or of all calls."""
    calls = list(db.session.scalars(select(Call).order_by(Call.id)))
    chosen = [call for call in calls if call.id == f.call] or calls
    regions: dict[str, str] = {}
    topics: dict[str, str] = {}
    for call in chosen:
        for key, label in _labels(call.regions, language).items():
            regions.setdefault(key, label)
        for key, label in _labels(call.topics, language).items():
            topics.setdefault(key, label)
    return InboxOptions(
        calls=[(call.id, localized(call.title, language)) for call in calls],
        regions=list(regions.items()),
        topics=sorted(topics.items(), key=lambda item: item[1].casefold()),
        languages=[
            (item["code"], localized(item["label"], language))
            for item in load_data("languages.json")
        ],
        users=list(db.session.scalars(select(User).order_by(User.name, User.id))),
        tags=[tag.name for tag in all_tags()],
    )
