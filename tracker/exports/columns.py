"""The export's columns: the allow-list, in order, and their headers for people or machines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import gettext as _

from tracker.enums import RubricCriterion
from tracker.labels import COLUMN_LABELS, CRITERION_LABELS

CRITERION_COLUMNS = tuple(f"mean_{criterion.value}" for criterion in RubricCriterion)
# The allow-list of columns, in the order they are written. Nothing else can be exported.
EXPORT_COLUMNS = (
    "reference",
    "full_name",
    "email",
    "phone",
    "country",
    "country_other",
    "city",
    "regions",
    "languages",
    "topics",
    "status",
    "tags",
    "assignee",
    "rating_count",
    "rating_mean",
    *CRITERION_COLUMNS,
    "received",
    "candidate_link",
    "documents",
)
# The columns that tell how to reach a candidate. Left empty for applicants at risk
# (Application.at_risk) unless the exporting admin asks for them (and is audited for it);
# a contact column added to EXPORT_COLUMNS belongs here too.
CONTACT_COLUMNS = ("email", "phone")
# Column headers: words in the exporting user's language, or the keys (stable, for scripts).
HEADERS_FOR_PEOPLE = "people"
HEADERS_AS_KEYS = "keys"
HEADER_CHOICES = (HEADERS_FOR_PEOPLE, HEADERS_AS_KEYS)


class ExportError(ValueError):
    """The export cannot be made as asked (unknown column, format or header choice)."""


def check_columns(columns: Iterable[str] | None) -> list[str]:
    """Return *columns* in export order, every one allow-listed; all columns for None.

    :raises ExportError: for an unknown column or an empty choice.
    """
    if columns is None:
        return list(EXPORT_COLUMNS)
    wanted = set(columns)
    unknown = wanted - set(EXPORT_COLUMNS)
    if unknown:
        raise ExportError(f"unknown columns: {', '.join(sorted(unknown))}")
    if not wanted:
        raise ExportError("choose at least one column")
    return [column for column in EXPORT_COLUMNS if column in wanted]


def column_label(column: str) -> str:
    """Return the header of *column* in the current language: a criterion's mean is named
    as the rating form names the criterion."""
    if column in CRITERION_COLUMNS:
        criterion = RubricCriterion(column.removeprefix("mean_"))
        return _("Mean: %(criterion)s", criterion=CRITERION_LABELS[criterion])
    return str(COLUMN_LABELS[column])


def column_headers(columns: Sequence[str], headers: str = HEADERS_FOR_PEOPLE) -> list[str]:
    """Return the header row of *columns*: words (``people``) or the keys (``keys``).

    :raises ExportError: for another choice.
    """
    if headers not in HEADER_CHOICES:
        raise ExportError(f"unknown headers: {headers}")
    if headers == HEADERS_AS_KEYS:
        return list(columns)
    return [column_label(column) for column in columns]


# Typical width of a column's values in characters, for XLSX (a streamed sheet cannot
# measure its values before writing the column widths); 12 for the rest.
_VALUE_WIDTHS = {
    "reference": 14,
    "full_name": 24,
    "email": 30,
    "phone": 18,
    "country_other": 18,
    "city": 16,
    "regions": 30,
    "languages": 40,
    "topics": 24,
    "tags": 20,
    "assignee": 18,
    "candidate_link": 40,
    "documents": 30,
}


def column_widths(columns: Sequence[str]) -> list[int]:
    """Return the typical value width of each of *columns*."""
    return [_VALUE_WIDTHS.get(column, 12) for column in columns]
