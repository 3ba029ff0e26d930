"""The inbox table's rows, drawn in Python: the one piece of HTML not in a template.

A page of 50 rows drawn by Jinja cost more than a quarter of the inbox's work (17 of the
request's 64 million instructions): every ``{{ }}`` passes through MarkupSafe's
``escape``, which makes a new ``Markup`` each time, some 35 a row, whether the value came
from an applicant or from our own catalogue. Here only what an applicant or an editor wrote
is escaped, once; the rows' words are escaped once per language (:func:`row_words`), and
numbers, keys and labels already safe go in as they are: the request takes 55.6 million.
The table's head, the form around it and everything else stay in
``templates/review/inbox.html``; a column added there must be added here too (the inbox
tests read the cells of every column).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from tracker.enums import Status
from tracker.inbox.columns import OPTIONAL_COLUMNS
from tracker.labels import CRITERION_SHORT_LABELS, DOCUMENT_SHORT_LABELS, resolved, status_label
from tracker.review.inbox_page import InboxRow
from tracker.web.templating import isolate


@dataclass(frozen=True)
class RowWords:
    """The words every row repeats, in one language, escaped (``Markup``: the template
    shows the column labels and statuses in the table's head and tabs as they are)."""

    column_labels: dict[str, Markup]
    statuses: dict[Status, Markup]
    document_labels: dict[str, Markup]
    criterion_labels: dict[str, Markup]
    new_reply: Markup
    tags: Markup
    lives_in: Markup
    cannot_judge: Markup
    not_rated: Markup
    per_criterion: Markup
    nobody: Markup
    sample_link: Markup
    no_documents: Markup
    copy_yes: Markup
    copy_no: Markup
    # "Select %(name)s", the checkbox's accessible name, before and after the name.
    select_before: Markup
    select_after: Markup


@cache
def row_words(language: str) -> RowWords:
    """Return the rows' words in *language*, translated once per language and process
    (the catalogues do not change while it runs)."""

    def safe(labels: dict) -> dict:
        return {key: escape(label) for key, label in labels.items()}

    with force_locale(language):
        select_before, _name, select_after = _("Select %(name)s").partition("%(name)s")
        return RowWords(
            column_labels=safe(resolved(OPTIONAL_COLUMNS)),
            statuses=safe({status: status_label(status) for status in Status}),
            document_labels=safe(resolved(DOCUMENT_SHORT_LABELS)),
            criterion_labels=safe(resolved(CRITERION_SHORT_LABELS)),
            **safe(
                {
                    "new_reply": _("New reply"),
                    "tags": _("Tags"),
                    "lives_in": _("Lives in:"),
                    "cannot_judge": _("can't judge yet"),
                    "not_rated": _("not rated by you"),
                    "per_criterion": _("Per criterion"),
                    "nobody": _("nobody"),
                    "sample_link": _("Sample link"),
                    "no_documents": _("none"),
                    "copy_yes": _("yes"),
                    "copy_no": _("no"),
                    "select_before": select_before,
                    "select_after": select_after,
                }
            ),
        )


@dataclass(frozen=True)
class RowContext:
    """What every row of one request is drawn with."""

    words: RowWords
    link: Callable[[int], str]  # a candidate's page by id, within the inbox's filter
    day: Callable[[datetime], str]  # a received day, in the page's language and zone
    mean: Callable[[float], str]  # a rating mean, in the page's language


def draw_rows(
    rows: list[InboxRow], *, columns: tuple[str, ...], team: bool, context: RowContext
) -> Markup:
    """Return the ``<tr>`` of each row, showing the optional *columns*; *team*: the
    checkbox, badges and tags a guest reviewer does not get."""
    drawn = "".join(_row(row, columns, team, context) for row in rows)
    return Markup(drawn)  # noqa: S704 - every value escaped in _row and its cells


def _joined(values: list[str], separator: str = ", ") -> str:
    return separator.join(str(escape(value)) for value in values)


def _row(row: InboxRow, columns: tuple[str, ...], team: bool, context: RowContext) -> str:
    application, words = row.application, context.words
    cells = [f'<tr data-application-id="{row.id}">']
    if team:
        # The name alone is escaped and isolated (FSI … PDI) between the sentence's parts.
        select = f"{words.select_before}{isolate(application.full_name)}{words.select_after}"
        cells.append(
            f'<td class="col-select"><input type="checkbox" class="checkbox" name="ids"'
            f' value="{row.id}" id="select-{row.id}" aria-label="{select}"></td>'
        )
    name = (
        f'<td class="col-name"><a class="candidate-link" href="{escape(context.link(row.id))}">'
        f"<bdi>{escape(application.full_name)}</bdi></a>"
        f' <span class="row-reference">{escape(application.reference)}</span>'
    )
    if team and row.unread_reply:
        name += f' <span class="badge badge-reply">{words.new_reply}</span>'
    if team and row.version_label:
        name += f' <span class="badge version-badge">{escape(row.version_label)}</span>'
    if team and row.tags:
        tags = "".join(f'<li class="tag">{escape(tag)}</li>' for tag in row.tags)
        name += f' <ul class="tag-list" aria-label="{words.tags}">{tags}</ul>'
    cells.append(name + "</td>")
    # data-label: the column's name, shown before the value where rows become cards (phones).
    for column in columns:
        label = words.column_labels[column]
        cells.append(
            f'<td class="col-{column.replace("_", "-")}" data-label="{label}">'
            f"{_CELLS[column](row, context)}</td>"
        )
    cells.append("</tr>\n")
    return "".join(cells)


def _regions(row: InboxRow, context: RowContext) -> str:
    return (
        f'{_joined(row.regions) or "–"}<br><span class="muted">{context.words.lives_in}'
        f" <bdi>{escape(row.application.city)}</bdi>, <bdi>{escape(row.country)}</bdi></span>"
    )


def _languages(row: InboxRow, _context: RowContext) -> str:
    return ", ".join(
        f'<span class="language"><bdi>{escape(language)}</bdi></span>' for language in row.languages
    )


def _status(row: InboxRow, context: RowContext) -> str:
    label = context.words.statuses[row.status]
    return f'<span class="badge badge-{row.status.value}">{label}</span>'


def _rating(row: InboxRow, context: RowContext) -> str:
    words, mean = context.words, context.mean
    if row.rating_mean is not None:
        shown = f'<span class="rating-mean">{mean(row.rating_mean)}</span>'
    elif row.rated_by_me:
        # Every rating so far judged no criterion: there is no mean to show.
        shown = f'<span class="muted rating-mean">{words.cannot_judge}</span>'
    else:
        shown = f'<span class="muted not-rated">{words.not_rated}</span>'
    shown += f' <span class="rating-count">({row.rating_count})</span>'
    if row.criterion_means:
        means = "".join(
            f"<li>{words.criterion_labels[criterion]}: "
            f"{words.cannot_judge if value is None else mean(value)}</li>"
            for criterion, value in row.criterion_means.items()
        )
        shown += (
            f'<details class="criterion-means"><summary>{words.per_criterion}</summary>'
            f"<ul>{means}</ul></details>"
        )
    return shown


def _assignee(row: InboxRow, context: RowContext) -> str:
    if row.assignee:
        return str(escape(row.assignee))
    return f'<span class="muted">{context.words.nobody}</span>'


def _received(row: InboxRow, context: RowContext) -> str:
    iso = row.received.date().isoformat()
    return f'<time datetime="{iso}">{escape(context.day(row.received))}</time>'


def _documents(row: InboxRow, context: RowContext) -> str:
    words = context.words
    shown = "".join(
        f'<span class="doc-marker doc-{kind}">{words.document_labels[kind]}</span> '
        for kind in row.documents
    )
    if row.has_sample_link:
        shown += f'<span class="doc-marker doc-link">{words.sample_link}</span>'
    if not row.documents and not row.has_sample_link:
        shown += f'<span class="muted">{words.no_documents}</span>'
    return shown


def _possible_copy(row: InboxRow, context: RowContext) -> str:
    words = context.words
    return f"<strong>{words.copy_yes}</strong>" if row.possible_copy else words.copy_no


# Each optional column's cell (tracker.inbox.columns.OPTIONAL_COLUMNS), without its <td>.
_CELLS: dict[str, Callable[[InboxRow, RowContext], str]] = {
    "regions": _regions,
    "languages": _languages,
    "topics": lambda row, _context: _joined(row.topics),
    "status": _status,
    "rating": _rating,
    "assignee": _assignee,
    "received": _received,
    "documents": _documents,
    "sample_language": lambda row, _context: _joined(row.sample_languages),
    "possible_copy": _possible_copy,
}
