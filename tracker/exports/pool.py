"""The expert pool and the assignments as CSV or XLSX, for the accounting desk.

The same rules as candidate lists (this package): one query, streamed in batches, the
related values (regions, languages, topics, the last published piece) joined in SQL, so
memory stays flat and the number of queries never depends on the number of rows. In CSV
every text cell that a spreadsheet would run as a formula starts with ``'``
(:func:`tracker.exports.rows.neutralise`); XLSX cells are typed, text as text.

Money is never a float: a fee or rate is written as text with the currency's minor units
("250.00", money.amount_decimal) beside a currency column. Languages are written as the
import reads them (``ka:native; de:B2``), so an exported pool can be imported elsewhere.
Every export is audited with its kind and row count. The email of an expert who came from
an application at risk is left out unless the admin asks for it (audited, as for candidates).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from tracker.audit import record_event
from tracker.dates import export_moment
from tracker.exports import SPOOL_MAX_SIZE, XLSX_TYPE, at_risk_details
from tracker.exports.columns import HEADERS_FOR_PEOPLE
from tracker.exports.documents import iter_file
from tracker.exports.rows import BATCH_SIZE, joined, neutralise, withheld_for_at_risk
from tracker.exports.workbook import write_xlsx
from tracker.exports.writers import write_csv
from tracker.extensions import db
from tracker.models import (
    ApplicantSafety,
    Assignment,
    Expert,
    ExpertLanguage,
    ExpertRegion,
    ExpertTopic,
    User,
)
from tracker.money import amount_decimal

POOL = "experts"
ASSIGNMENTS = "assignments"
KINDS = (POOL, ASSIGNMENTS)

POOL_COLUMNS = {
    "full_name": _l("Name"),
    "email": _l("Email"),
    "regions": _l("Regions"),
    "languages": _l("Languages"),
    "topics": _l("Topics"),
    "availability": _l("Availability"),
    "busy_until": _l("Busy until"),
    "rate": _l("Rate"),
    "rate_currency": _l("Rate currency"),
    "last_published": _l("Last published"),
}
ASSIGNMENT_COLUMNS = {
    "reference": _l("Reference"),
    "expert": _l("Expert"),
    "title": _l("Title"),
    "state": _l("State"),
    "fee": _l("Fee"),
    "currency": _l("Currency"),
    "deadline": _l("Deadline"),
    "timezone": _l("Time zone"),
    "published_url": _l("Published URL"),
    "published_on": _l("Published on"),
    "paid_on": _l("Paid on"),
}
_WIDTHS = {"full_name": 24, "email": 30, "regions": 30, "languages": 30, "topics": 24}
_WIDTHS |= {"expert": 24, "title": 36, "published_url": 40, "deadline": 17, "timezone": 14}
SHEET_TITLES = {POOL: "Experts", ASSIGNMENTS: "Assignments"}


def _pool_statement(dialect: str, at_risk_contacts: bool) -> Select:
    """The pool's one SELECT; an expert who came from an application at risk has their
    email left out unless *at_risk_contacts* (ApplicantSafety joined, not asked per row)."""
    region, spoken, topic = ExpertRegion, ExpertLanguage, ExpertTopic

    def listed(value, where, order):
        return func.coalesce(joined(dialect, value, where, order, outer=Expert), "")

    last_published = (
        select(func.max(Assignment.published_on))
        .where(Assignment.expert_id == Expert.id)
        .scalar_subquery()
    )
    email = Expert.email
    if not at_risk_contacts:
        email = withheld_for_at_risk(email, ApplicantSafety.application_id)
    statement = select(
        Expert.full_name,
        email,
        listed(region.region, [region.expert_id == Expert.id], [region.position]),
        listed(
            spoken.language + ":" + spoken.level, [spoken.expert_id == Expert.id], [spoken.position]
        ),
        listed(topic.topic, [topic.expert_id == Expert.id], [topic.topic]),
        Expert.availability,
        Expert.busy_until,
        Expert.rate_minor,
        Expert.rate_currency,
        last_published,
    ).order_by(Expert.full_name, Expert.id)
    if at_risk_contacts:
        return statement
    return statement.outerjoin(
        ApplicantSafety, ApplicantSafety.application_id == Expert.application_id
    )


def _assignment_statement() -> Select:
    return (
        select(
            Assignment.reference,
            func.coalesce(Expert.full_name, ""),
            Assignment.title,
            Assignment.state,
            Assignment.fee_minor,
            Assignment.currency,
            Assignment.deadline_at,
            Assignment.timezone,
            func.coalesce(Assignment.published_url, ""),
            Assignment.published_on,
            Assignment.paid_on,
        )
        .outerjoin(Expert, Expert.id == Assignment.expert_id)
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
    )


def _money(minor: int | None, currency: str | None) -> str:
    """Return *minor* units as text with the currency's decimals ("250.00"), "" for none."""
    return "" if minor is None or not currency else str(amount_decimal(minor, currency))


def _pool_row(values) -> list:
    row = list(values)
    row[7] = _money(row[7], row[8])
    row[8] = row[8] or ""
    return row


def _assignment_row(values) -> list:
    row = list(values)
    row[4] = _money(row[4], row[5])
    row[6] = export_moment(row[6], row[7])
    return row


def _as_text(value) -> str:
    """Return a CSV cell: dates in ISO form, text guarded against formulas."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def _as_cell(value):
    """Return an XLSX cell: dates typed; text as text (a typed cell runs no formula)."""
    if value is None or isinstance(value, date):
        return value
    return str(value)


def export_rows(
    kind: str,
    *,
    headers: str = HEADERS_FOR_PEOPLE,
    text: bool = False,
    batch: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    at_risk_contacts: bool = False,
) -> Iterator[list]:
    """Yield the header, then one row per expert (*kind* ``experts``) or assignment.

    :param headers: ``people`` (words in the current language) or ``keys``.
    :param text: CSV cells (guarded text, ISO dates) instead of typed XLSX values.
    :param at_risk_contacts: write the email of an expert who came from an application
        at risk too (empty by default). The assignments hold no contact details.
    """
    labels = POOL_COLUMNS if kind == POOL else ASSIGNMENT_COLUMNS
    header = (
        [str(label) for label in labels.values()] if headers == HEADERS_FOR_PEOPLE else list(labels)
    )
    cell = _as_text if text else _as_cell
    yield [cell(title) for title in header]
    dialect = db.session.get_bind().dialect.name
    statement, shape = (
        (_pool_statement(dialect, at_risk_contacts), _pool_row)
        if kind == POOL
        else (_assignment_statement(), _assignment_row)
    )
    result = db.session.connection().execute(statement.execution_options(yield_per=batch))
    for chunk in result.partitions():
        for values in chunk:
            yield [cell(value) for value in shape(values)]
        if progress is not None:
            progress(len(chunk))


def count_rows(kind: str) -> int:
    """Return how many rows an export of *kind* holds."""
    model = Expert if kind == POOL else Assignment
    return db.session.scalar(select(func.count(model.id)))


def count_at_risk(kind: str) -> int:
    """Return how many experts of the pool came from an application at risk (0 for the
    assignments, which hold no contact details)."""
    if kind != POOL:
        return 0
    return db.session.scalar(
        select(func.count(Expert.id)).join(
            ApplicantSafety, ApplicantSafety.application_id == Expert.application_id
        )
    )


def record_pool_export(
    kind: str, file_format: str, *, user: User | None, at_risk_contacts: bool = False
) -> int:
    """Audit the export of *kind* as *file_format* (``export.<kind>.<format>``), commit,
    and return its row count. The audit row holds no personal data; for a pool with
    experts at risk (or their contacts asked for) it says how many and whether their
    contact details were included (:func:`tracker.exports.at_risk_details`)."""
    count = count_rows(kind)
    details = at_risk_details(count_at_risk(kind), at_risk_contacts and kind == POOL)
    record_event(f"export.{kind}.{file_format}", actor=user, rows=count, **details)
    db.session.commit()
    return count


def column_widths(kind: str) -> list[int]:
    """Return the typical width of each column of *kind*."""
    labels = POOL_COLUMNS if kind == POOL else ASSIGNMENT_COLUMNS
    return [_WIDTHS.get(column, 12) for column in labels]


def pool_export_file(
    kind: str,
    file_format: str,
    *,
    user: User,
    today: date | None = None,
    at_risk_contacts: bool = False,
):
    """Audit and build the export of *kind* (experts, assignments) as csv or xlsx; the
    email of an expert who came from an application at risk only with *at_risk_contacts*.

    Returns (chunks, content type, file name): a CSV is written while it streams, an XLSX
    first, spooled to disk.
    """
    record_pool_export(kind, file_format, user=user, at_risk_contacts=at_risk_contacts)
    stem = f"{kind}-{(today or date.today()).isoformat()}"
    if file_format == "xlsx":
        workbook = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)  # noqa: SIM115
        rows = export_rows(kind, at_risk_contacts=at_risk_contacts)
        write_xlsx(rows, workbook, column_widths(kind), title=SHEET_TITLES[kind])
        workbook.seek(0)
        return iter_file(workbook), XLSX_TYPE, f"{stem}.xlsx"
    rows = export_rows(kind, text=True, at_risk_contacts=at_risk_contacts)
    return write_csv(rows), "text/csv; charset=utf-8", f"{stem}.csv"
