"""The rows of a candidate list export: typed values, newest first, read in batches.

A value is a ``str`` (free text and keys), an ``int`` (the rating count), a ``float`` or
None (a mean; None where there is none or the reader may not see it) or a ``date`` (the
day received). The writers decide how each type is written: CSV as text, XLSX as typed
cells.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from sqlalchemy import select

from tracker.applications.ratings import criterion_means, rated_by
from tracker.enums import DocumentKind, RubricCriterion
from tracker.exports.columns import (
    CRITERION_COLUMNS,
    HEADERS_FOR_PEOPLE,
    check_columns,
    column_headers,
)
from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.inbox.query import iter_filtered_rows
from tracker.labels import language_with_level
from tracker.models import (
    Application,
    ApplicationLanguage,
    ApplicationRegion,
    ApplicationTopic,
    Document,
    Tag,
    User,
    application_tags,
)
from tracker.urls import external_url

BATCH_SIZE = 1000
Value = str | int | float | date | None
_DOCUMENT_ORDER = [kind.value for kind in DocumentKind]

# Core columns of an application that the export reads: no ORM objects, no identity map.
_APPLICATION_COLUMNS = (
    Application.id,
    Application.reference,
    Application.full_name,
    Application.email,
    Application.phone,
    Application.country,
    Application.country_other,
    Application.city,
    Application.status,
    Application.assignee_id,
    Application.rating_count,
    Application.rating_mean,
    Application.created_at,
)


def _grouped(statement, shape=lambda value: value) -> dict[int, list]:
    """Return application id -> *shape*(the values) of each row of *statement*, in order."""
    grouped: dict[int, list] = {}
    for application_id, *values in db.session.execute(statement):
        grouped.setdefault(application_id, []).append(shape(*values))
    return grouped


def _related(ids: list[int], columns: Sequence[str]) -> dict[str, dict[int, list]]:
    """Return the related values of the applications *ids*: one query per kind and batch."""
    related: dict[str, dict[int, list]] = {}
    spoken, topic, region = ApplicationLanguage, ApplicationTopic, ApplicationRegion
    # Languages in words, in the exporting editor's language; regions in the applicant's order.
    for name, owner, values, order, shape in (
        ("languages", spoken.application_id, (spoken.language, spoken.level, spoken.name),
         spoken.position, language_with_level),
        ("topics", topic.application_id, (topic.topic,), topic.topic, None),
        ("regions", region.application_id, (region.region,), region.position, None),
    ):  # fmt: skip
        if name in columns:
            statement = select(owner, *values).where(owner.in_(ids)).order_by(owner, order)
            related[name] = _grouped(statement, shape or (lambda value: value))
    if "tags" in columns:
        related["tags"] = _grouped(
            select(application_tags.c.application_id, Tag.name)
            .join(Tag, Tag.id == application_tags.c.tag_id)
            .where(application_tags.c.application_id.in_(ids))
            .order_by(application_tags.c.application_id, Tag.name)
        )
    if "documents" in columns:
        related["documents"] = _grouped(
            select(Document.application_id, Document.kind).where(Document.application_id.in_(ids))
        )
    return related


def export_rows(
    f: InboxFilter,
    *,
    user: User | None,
    columns: Sequence[str] | None = None,
    headers: str = HEADERS_FOR_PEOPLE,
    batch: int = BATCH_SIZE,
) -> Iterator[list[Value]]:
    """Yield the header, then one row per application *f* matches, newest first.

    Rows are read with Core, in batches by descending id (the inbox's default order);
    related values (languages, topics, tags, documents, means) with one query per kind
    and batch.

    :param user: who exports (the filter's "me"); None on the command line. Editors see
        rating means only of candidates they rated (the blind first pass, as in the inbox);
        admins and the command line see every mean.
    :param columns: a subset of EXPORT_COLUMNS (see :func:`check_columns`); all by default.
    :param headers: ``people`` (words in the current language) or ``keys``.
    """
    columns = check_columns(columns)
    yield column_headers(columns, headers)
    wants_link = "candidate_link" in columns
    sees_all = user is None or user.is_admin
    assignees: dict[int, str] = {}
    if "assignee" in columns:
        assignees = dict(db.session.execute(select(User.id, User.name)).all())
    wants_means = any(column in CRITERION_COLUMNS for column in columns)
    wants_visible = wants_means or "rating_mean" in columns
    chunks = iter_filtered_rows(
        f, user=user, columns=_APPLICATION_COLUMNS, batch=batch, newest_first=True
    )
    for chunk in chunks:
        ids = [row.id for row in chunk]
        related = _related(ids, columns)
        visible: set[int] = set()
        if wants_visible:
            visible = set(ids) if sees_all else rated_by(user, ids)
        # SQL AVG skips a NULL score ("can't judge yet"): a mean of the scores given.
        means = criterion_means(visible) if wants_means and visible else {}
        for row in chunk:
            values = _values(row, related, visible, means.get(row.id, {}), assignees)
            values["candidate_link"] = (
                # PUBLIC_BASE_URL names the site: a request's Host header can be forged.
                external_url("review.candidate", application_id=row.id) if wants_link else ""
            )
            yield [values[column] for column in columns]


def _values(row, related: dict, visible: set[int], mean: dict, assignees: dict) -> dict:
    """Return column -> value of one application *row* (all but the link)."""
    application_id = row.id

    def joined(name: str) -> str:
        return "; ".join(related.get(name, {}).get(application_id, ()))

    kinds = set(related.get("documents", {}).get(application_id, ()))
    values: dict[str, Value] = {
        "reference": row.reference,
        "full_name": row.full_name,
        "email": row.email,
        "phone": row.phone or "",
        "country": row.country,
        "country_other": row.country_other or "",
        "city": row.city,
        "regions": joined("regions"),
        "languages": joined("languages"),
        "topics": "; ".join(sorted(related.get("topics", {}).get(application_id, ()))),
        "status": row.status,
        "tags": joined("tags"),
        "assignee": assignees.get(row.assignee_id, "") if row.assignee_id else "",
        "rating_count": row.rating_count,
        "rating_mean": (
            float(row.rating_mean)
            if application_id in visible and row.rating_mean is not None
            else None
        ),
        "received": row.created_at.date(),
        "documents": "; ".join(kind for kind in _DOCUMENT_ORDER if kind in kinds),
    }
    for criterion, column in zip(RubricCriterion, CRITERION_COLUMNS, strict=True):
        values[column] = mean.get(criterion.value)
    return values
