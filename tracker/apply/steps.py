"""The application form's steps: what is kept between re-displays, and the answers to check.

The form is shown again many times before it is sent. Some posts only ask for the form
again (:data:`REDISPLAY_BUTTONS`: a language switch, "change" on the check page, one more
language row): they are not validated, not rate-limited and store nothing. Every post
keeps the files that passed the checks (documents/kept.py), so only a refused file must
be chosen again. A valid form is shown as a list of answers to check, carried in hidden
fields, and only "Send application" on that page stores it — after validating it all again.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    FormField,
    SelectFieldBase,
    SelectMultipleField,
)

from tracker.applications.form_tickets import form_token_of, issue_form_ticket
from tracker.applications.submit import FILE_FIELDS
from tracker.documents.kept import forget, keep, kept_files
from tracker.documents.refusals import UploadError, too_large, wrong_type
from tracker.ui_languages import LANGUAGE_NAMES

# The buttons that ask for the form again instead of sending it. A new one (say, "add a
# language row") is added here, and the view's re-display handles it: the form comes back
# with every answer and kept file, nothing validated or stored, no rate limit spent.
REDISPLAY_BUTTONS = ("switch_language", "change", "add_language")

# Fields that are no answer of the applicant's: the bot trap (always empty for people).
NOT_ANSWERS = frozenset({"website"})

_MACHINE_TYPES = frozenset({"HiddenField", "CSRFTokenField", "SubmitField"})


def redisplay_button() -> str | None:
    """Return the name of the button that asked for the form again, or None for a submission."""
    if request.method != "POST":
        return None
    return next((name for name in REDISPLAY_BUTTONS if name in request.form), None)


def redisplaying() -> bool:
    """Tell whether this POST only asks for the form again (exempt from the rate limits)."""
    return redisplay_button() is not None


def ensure_ticket(form) -> str:
    """Return the form's token; a form whose ticket is gone or expired gets a fresh one."""
    token = form_token_of(form.form_ticket.data)
    if token is None:
        form.form_ticket.data = issue_form_ticket()
        token = form_token_of(form.form_ticket.data)
    return token


def keep_uploads(form, token: str | None) -> None:
    """Keep the files chosen in this post under *token*; note on the form what is kept.

    A file that is refused is not kept, and the file it was to replace is dropped too:
    the applicant meant to send another one. Without a token nothing is kept or shown.
    """
    refused = {}
    if token:
        for kind, upload in form.attached_documents().items():
            try:
                keep(token, kind, upload)
            except UploadError as error:
                forget(token, kind)
                refused[FILE_FIELDS[kind]] = error.message
    form.kept_documents = kept_files(token)
    form.refused_uploads = refused


def show_refused_uploads(form) -> None:
    """Put each refused file's message at its field (on a form that was not validated)."""
    for name, message in form.refused_uploads.items():
        form[name].errors = [message]


def kept_by_field(form) -> dict:
    """Return the kept files by the name of the field that carries each kind."""
    return {FILE_FIELDS[kind]: kept for kind, kept in form.kept_documents.items()}


def browser_file_messages() -> dict[str, str]:
    """Return the server's words for a wrong type and a file too large (form.js says them)."""
    return {
        "type": str(wrong_type().message),
        "size": str(too_large(current_app.config["MAX_FILE_SIZE"]).message),
    }


def follow_language(form, language: str) -> None:
    """Write to the applicant in *language* unless they chose the correspondence language.

    The page posts the language it was shown in (``page_language``); a correspondence
    language still equal to it was left as offered, so it follows the switch.
    """
    chosen = form.preferred_language.data
    if language in LANGUAGE_NAMES and chosen in (None, "", form.page_language.data):
        form.preferred_language.data = language


# -- check your answers -------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    """One answer on the check page: the question, the answer as shown, the field to change."""

    label: str
    value: str
    field_id: str


def _choice_labels(field: SelectFieldBase) -> list[str]:
    return [
        str(choice.label) for choice in field.iter_choices() if choice.selected and choice.value
    ]


def shown_value(field: Field, kept: dict) -> str:
    """Return *field*'s answer as the applicant saw it: labels, not keys; lines joined by LF."""
    if field.type == "FileField":
        return f"{kept[field.name].filename} ✓" if field.name in kept else ""
    if isinstance(field, BooleanField):
        return _("Yes") if field.data else ""
    if isinstance(field, SelectFieldBase):
        return "\n".join(_choice_labels(field))
    return str(field.data or "").strip()


def _row_of_subform(entry: FormField, kept: dict) -> AnswerRow | None:
    """Return one row for a sub-form (a language and its level), labelled by its first field.

    A sub-form that can say itself in words (a language row: "Svan: native") does so.
    """
    fields = list(entry)
    in_words = getattr(entry.form, "in_words", None)
    if in_words is not None:
        shown = in_words()
        return AnswerRow(str(fields[0].label.text), shown, fields[0].id) if shown else None
    values = [shown_value(field, kept) for field in fields if field.type not in _MACHINE_TYPES]
    if not any(values):
        return None
    return AnswerRow(str(fields[0].label.text), " – ".join(v for v in values if v), fields[0].id)


def answer_rows(form) -> list[AnswerRow]:
    """Return every answer of *form* in the order of the form (empty answers left out)."""
    kept = kept_by_field(form)
    rows = []
    for field in form:
        if field.type in _MACHINE_TYPES or field.name in NOT_ANSWERS:
            continue
        entries = list(field) if isinstance(field, FieldList) else [field]
        for entry in entries:
            if isinstance(entry, FormField):
                row = _row_of_subform(entry, kept)
            else:
                value = shown_value(entry, kept)
                row = AnswerRow(str(entry.label.text), value, entry.id) if value else None
            if row is not None:
                rows.append(row)
    return rows


def field_named(form, name: str) -> Field | None:
    """Return the field of *form* posted as *name* (a sub-form's too: ``safety-safe_channel``),
    or None if the form has none: where a message about that answer is shown."""
    if name in form:
        return form[name]
    head, _dash, rest = name.partition("-")
    if head in form and isinstance(form[head], FormField) and rest in form[head].form:
        return form[head][rest]
    return None


def _leaves(fields):
    for field in fields:
        if isinstance(field, FieldList | FormField):
            yield from _leaves(field)
        else:
            yield field


def carried_fields(form) -> list[tuple[str, str]]:
    """Return (name, value) for every posted value of *form* but files: the check page's
    hidden fields, from which the form is rebuilt (and validated again) when it is sent."""
    carried = []
    for field in _leaves(form):
        if field.type == "FileField":
            continue
        if isinstance(field, SelectMultipleField):
            values = [str(value) for value in field.data or []]
        elif isinstance(field, BooleanField):
            values = ["y"] if field.data else []
        elif hasattr(field, "_value"):
            values = [str(field._value())]  # what WTForms itself would render as value
        else:
            values = ["" if field.data is None else str(field.data)]
        carried += [(field.name, value) for value in values]
    return carried


__all__ = [
    "NOT_ANSWERS",
    "REDISPLAY_BUTTONS",
    "AnswerRow",
    "answer_rows",
    "browser_file_messages",
    "carried_fields",
    "ensure_ticket",
    "field_named",
    "follow_language",
    "keep_uploads",
    "kept_by_field",
    "redisplay_button",
    "redisplaying",
    "show_refused_uploads",
    "shown_value",
]
