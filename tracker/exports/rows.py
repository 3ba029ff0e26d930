"""The rows of a candidate list export: one streaming query, the related values joined in SQL.

Every column is one SQL expression of the application row: regions, languages, topics,
tags and documents are joined by the database (``group_concat`` on SQLite, ``string_agg``
on PostgreSQL, see :func:`joined`), the criterion means come from one grouped join, the
candidate link is the page's address around the id. The rows are read in one pass
(``yield_per``: a server-side cursor on PostgreSQL), never as ORM objects; Python only
names the languages (through a dict filled once per distinct language and level) and
writes the values.

A typed value is a ``str`` (free text and keys), an ``int`` (the rating count), a
``float`` or None (a mean; None where there is none or the reader may not see it) or a
``date`` (the day received): XLSX writes them as typed cells. With ``text=True`` the rows
are CSV cells instead: text guarded against formulas (:func:`neutralise`), means with two
decimals, dates in ISO form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date

from flask_babel import get_locale
from sqlalchemy import Float, Select, String, case, cast, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement

from tracker.enums import DocumentKind, RubricCriterion
from tracker.exports.columns import (
    CONTACT_COLUMNS,
    CRITERION_COLUMNS,
    HEADERS_FOR_PEOPLE,
    check_columns,
    column_headers,
)
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import filtered_rows_statement
from tracker.labels import language_labeller
from tracker.models import (
    ApplicantSafety,
    Application,
    ApplicationLanguage,
    ApplicationRegion,
    ApplicationTopic,
    Document,
    Rating,
    Tag,
    User,
    application_tags,
)
from tracker.urls import external_url

BATCH_SIZE = 1000
SEPARATOR = "; "
Value = str | int | float | date | None
# What a spreadsheet may take as the start of a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_STARTS = frozenset(FORMULA_STARTS)
# A language travels from SQL as code, level and typed name between these separators
# (control characters no form accepts), its items between _ITEM.
_FIELD, _ITEM = "\x1f", "\x1e"
_MEAN_COLUMNS = frozenset(("rating_mean", *CRITERION_COLUMNS))
# Distinct lists of languages named once and kept (100,000 demo applications have 11,000).
_LISTS_KEPT = 20_000
# An id no application has, to cut the candidate page's address around the id.
_SENTINEL_ID = 918273645546372819


def neutralise(cell: str) -> str:
    """Return *cell* so that no spreadsheet runs it as a formula: a leading ``'`` if needed."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def guard(expression) -> ColumnElement:
    """Return *expression* (text) with a leading ``'`` where a spreadsheet would see a
    formula: :func:`neutralise` in SQL."""
    return case(
        (func.substr(expression, 1, 1).in_(FORMULA_STARTS), literal("'") + expression),
        else_=expression,
    )


def joined(
    dialect: str,
    value,
    where: Sequence,
    order: Sequence,
    separator: str = SEPARATOR,
    finish: Callable = lambda aggregate: aggregate,
    outer=Application,
) -> ColumnElement:
    """Return *finish* of the *separator*-joined *value* of the related rows *where*
    selects, in *order*, as a scalar subquery of the *outer* row (an application unless
    said otherwise; NULL for none).

    PostgreSQL orders inside ``string_agg``; SQLite before 3.44 cannot order inside
    ``group_concat``, so it aggregates an ordered subquery (which SQLite keeps in order:
    the query flattener never flattens an ordered subquery into an aggregate). *finish*
    may repeat the aggregate (the guard does): both databases compute it once.
    """
    if dialect == "postgresql":
        aggregate = func.string_agg(value, aggregate_order_by(literal(separator), *order))
        return select(finish(aggregate)).where(*where).scalar_subquery()
    inner = select(value.label("value")).where(*where).order_by(*order).correlate(outer)
    aggregate = func.group_concat(inner.subquery().c.value, separator)
    return select(finish(aggregate)).scalar_subquery()


def _day(dialect: str) -> ColumnElement:
    """Return the day an application was received as ``YYYY-MM-DD`` text."""
    if dialect == "postgresql":
        return func.to_char(Application.created_at, "YYYY-MM-DD")
    return func.date(Application.created_at)


def _codepoint_order(dialect: str, expression) -> ColumnElement:
    """Return *expression* ordered by code point (as Python sorts), whatever the collation."""
    return expression.collate("C") if dialect == "postgresql" else expression


def _link_parts() -> tuple[str, str]:
    """Return the candidate page's address before and after the id (PUBLIC_BASE_URL names
    the site: a request's Host header can be forged)."""
    address = external_url("review.candidate", application_id=_SENTINEL_ID)
    before, _, after = address.partition(str(_SENTINEL_ID))
    return before, after


def _expressions(
    columns: Sequence[str], user: User | None, dialect: str, text: bool, at_risk_contacts: bool
):
    """Return the SQL expression of each of *columns* and the grouped means to join (or None).

    Editors see rating means only of candidates they rated (the blind first pass, as in
    the inbox); admins and the command line see every mean. The contact columns are empty
    for applicants at risk (ApplicantSafety, outer-joined by :func:`export_statement`)
    unless *at_risk_contacts*.
    """
    app_id = Application.id
    visible = None
    if user is not None and not user.is_admin:
        visible = app_id.in_(select(Rating.application_id).where(Rating.user_id == user.id))

    def shown(expression):
        return expression if visible is None else case((visible, expression))

    means = None
    if any(column in CRITERION_COLUMNS for column in columns):
        # SQL AVG skips a NULL score ("can't judge yet"): a mean of the scores given.
        means = (
            select(
                Rating.application_id,
                *(cast(func.avg(getattr(Rating, c.value)), Float).label(c.value)
                  for c in RubricCriterion),
            )
            .group_by(Rating.application_id)
            .subquery()
        )  # fmt: skip
    spoken, topic, region, tagged = (
        ApplicationLanguage, ApplicationTopic, ApplicationRegion, application_tags.c
    )  # fmt: skip
    kinds = [kind.value for kind in DocumentKind]
    before, after = _link_parts()
    if text:
        # The address starts with its site: the guard of the whole link is the site's.
        before = neutralise(before)
    shield = guard if text else (lambda expression: expression)

    def listed(value, where, order) -> ColumnElement:
        return func.coalesce(joined(dialect, value, where, order, finish=shield), "")

    builders: dict[str, Callable[[], ColumnElement]] = {
        "reference": lambda: shield(Application.reference),
        "full_name": lambda: shield(Application.full_name),
        "email": lambda: shield(Application.email),
        "phone": lambda: shield(func.coalesce(Application.phone, "")),
        "country": lambda: shield(Application.country),
        "country_other": lambda: shield(func.coalesce(Application.country_other, "")),
        "city": lambda: shield(Application.city),
        "regions": lambda: listed(
            region.region, [region.application_id == app_id], [region.position]
        ),
        # Code, level and the name of an unlisted language, named in Python (see _Languages).
        "languages": lambda: joined(
            dialect,
            spoken.language + _FIELD + spoken.level + _FIELD + func.coalesce(spoken.name, ""),
            [spoken.application_id == app_id],
            [spoken.position],
            _ITEM,
        ),
        "topics": lambda: listed(
            topic.topic,
            [topic.application_id == app_id],
            [_codepoint_order(dialect, topic.topic)],
        ),  # fmt: skip
        "status": lambda: shield(Application.status),
        "tags": lambda: listed(
            Tag.name, [tagged.application_id == app_id, Tag.id == tagged.tag_id], [Tag.name]
        ),
        "assignee": lambda: func.coalesce(
            select(shield(User.name)).where(User.id == Application.assignee_id).scalar_subquery(),
            "",
        ),
        "rating_count": lambda: Application.rating_count,
        "rating_mean": lambda: shown(Application.rating_mean),
        "received": lambda: _day(dialect),
        "candidate_link": lambda: literal(before) + cast(app_id, String) + after,
        "documents": lambda: listed(
            Document.kind,
            [Document.application_id == app_id, Document.kind.in_(kinds)],
            [case({kind: position for position, kind in enumerate(kinds)}, value=Document.kind)],
        ),
    }
    for criterion, column in zip(RubricCriterion, CRITERION_COLUMNS, strict=True):
        builders[column] = lambda name=criterion.value: shown(means.c[name])
    expressions = [builders[column]() for column in columns]
    if not at_risk_contacts:
        expressions = [
            withheld_for_at_risk(expression, ApplicantSafety.application_id)
            if column in CONTACT_COLUMNS
            else expression
            for column, expression in zip(columns, expressions, strict=True)
        ]
    return expressions, means


def withheld_for_at_risk(expression, safety_id) -> ColumnElement:
    """Return *expression*, or "" where *safety_id* (ApplicantSafety, outer-joined) says
    the person is at risk: a contact cell left out."""
    return case((safety_id.is_(None), expression), else_=literal(""))


def leaves_out_contacts(columns: Sequence[str], at_risk_contacts: bool) -> bool:
    """Tell whether an export of *columns* must join ApplicantSafety to leave cells out."""
    return not at_risk_contacts and any(column in CONTACT_COLUMNS for column in columns)


class _Languages:
    """Names the languages of a row from their SQL form: each distinct list once (up to
    _LISTS_KEPT lists, so that memory stays bounded), each distinct item once."""

    def __init__(self) -> None:
        self.label = language_labeller(str(get_locale()))
        self.names: dict[str, str] = {}
        self.lists: dict[str | None, str] = {None: "", "": ""}

    def __call__(self, items: str | None) -> str:
        named = self.lists.get(items)
        if named is not None:
            return named
        names = self.names
        words = []
        for item in items.split(_ITEM):
            name = names.get(item)
            if name is None:
                code, level, typed = item.split(_FIELD)
                name = names[item] = self.label(code, level, typed)
            words.append(name)
        named = SEPARATOR.join(words)
        if len(self.lists) < _LISTS_KEPT:
            self.lists[items] = named
        return named


def export_statement(
    f: InboxFilter,
    *,
    user: User | None,
    columns: Sequence[str],
    text: bool = False,
    at_risk_contacts: bool = False,
) -> Select:
    """Return the one SELECT an export of *columns* runs for *f*, newest first (see
    :func:`export_rows` for *user*, *text* and *at_risk_contacts*); ``make bench`` dumps
    it as its baseline."""
    dialect = db.session.get_bind().dialect.name
    expressions, means = _expressions(columns, user, dialect, text, at_risk_contacts)
    statement = filtered_rows_statement(f, user=user, columns=expressions, newest_first=True)
    if means is not None:
        statement = statement.outerjoin(means, means.c.application_id == Application.id)
    if leaves_out_contacts(columns, at_risk_contacts):
        # One row per application at most (the key is the application's id): a join, not
        # a query per row.
        statement = statement.outerjoin(
            ApplicantSafety, ApplicantSafety.application_id == Application.id
        )
    return statement


def export_rows(
    f: InboxFilter,
    *,
    user: User | None,
    columns: Sequence[str] | None = None,
    headers: str = HEADERS_FOR_PEOPLE,
    batch: int = BATCH_SIZE,
    text: bool = False,
    progress: Callable[[int], None] | None = None,
    at_risk_contacts: bool = False,
) -> Iterator[list[Value]]:
    """Yield the header, then one row per application *f* matches, newest first.

    One query, streamed *batch* rows at a time; *progress* is called with the number of
    rows after each batch.

    :param user: who exports (the filter's "me"); None on the command line. Editors see
        rating means only of candidates they rated; admins and the command line see all.
    :param columns: a subset of EXPORT_COLUMNS (see :func:`check_columns`); all by default.
    :param headers: ``people`` (words in the current language) or ``keys``.
    :param text: CSV cells (guarded text, means with two decimals, ISO dates) instead of
        typed values.
    :param at_risk_contacts: fill the contact columns (CONTACT_COLUMNS) of applicants at
        risk too; by default their cells are empty.
    """
    columns = check_columns(columns)
    header = column_headers(columns, headers)
    yield [neutralise(title) for title in header] if text else header
    statement = export_statement(
        f, user=user, columns=columns, text=text, at_risk_contacts=at_risk_contacts
    )
    languages = columns.index("languages") if "languages" in columns else None
    name_languages = _Languages()
    if text:
        decimals = [i for i, column in enumerate(columns) if column in _MEAN_COLUMNS]
        days = []
    else:
        decimals = []
        days = [columns.index("received")] if "received" in columns else []
    # Core rows straight from the connection (not through the ORM's loading), *batch* at
    # a time from one cursor (a server-side one on PostgreSQL).
    result = db.session.connection().execute(statement.execution_options(yield_per=batch))
    for chunk in result.partitions():
        for values in chunk:
            row = list(values)
            if languages is not None:
                named = name_languages(row[languages])
                row[languages] = "'" + named if text and named[:1] in _STARTS else named
            for i in decimals:
                if row[i] is not None:
                    row[i] = f"{row[i]:.2f}"
            for i in days:
                row[i] = date.fromisoformat(row[i])
            yield row
        if progress is not None:
            progress(len(chunk))
