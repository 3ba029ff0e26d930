"""What every form of the site shares: its base class, the error summary and the field of
ticked ids."""

from __future__ import annotations

import functools

from babel import support
from flask import current_app, flash
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField
from wtforms.i18n import messages_path
from wtforms.widgets import HiddenInput

from tracker.inbox.query import SELECTION_MAX
from tracker.web.widgets import PlainHiddenInput


@functools.lru_cache(maxsize=8)
def _wtforms_catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def wtforms_messages(default):
    """Return WTForms' own messages ("Not a valid choice") in the page's language.

    Read once per language and process: Flask-WTF reads and parses WTForms' catalogue
    again on every request, 0.5 ms each time. *default* (Flask-WTF's answer) is kept
    when translation is off (``WTF_I18N_ENABLED``) or no request has a language.
    """
    locale = get_locale()
    if not current_app.config.get("WTF_I18N_ENABLED", True) or locale is None:
        return default
    return _wtforms_catalog(str(locale))


class SiteForm(FlaskForm):
    """The base of every form of the site: Flask-WTF's form (CSRF, request data) whose
    WTForms messages are read once per language (:func:`wtforms_messages`)."""

    class Meta:
        def get_translations(self, form):
            return wtforms_messages(super().get_translations(form))

        def render_field(self, field, render_kw):
            # Hidden fields, the CSRF token first of all (every form has one; the inbox
            # draws four), written by the plain widget: the same bytes without WTForms'
            # Markup.format per attribute.
            if type(field.widget) is HiddenInput:
                return _PLAIN_HIDDEN(field, **{**(field.render_kw or {}), **render_kw})
            return super().render_field(field, render_kw)


_PLAIN_HIDDEN = PlainHiddenInput()


def _leaf_fields(fields):
    """Yield the fields a person fills in, opening lists and sub-forms, without CSRF tokens."""
    for field in fields:
        if isinstance(field, FieldList | FormField):
            yield from _leaf_fields(field)
        elif field.name != "csrf_token" and not field.name.endswith("-csrf_token"):
            yield field


def error_summary(form) -> list[tuple[str, str, str]]:
    """Return (field id, label, message) for each error of *form*, in the order of the form.

    A field's description, when it has one, is the short name the summary uses for a long
    label (the consent box); fields inside lists and sub-forms are listed one by one.
    """
    return [
        (field.id, str(field.description or field.label.text), str(message))
        for field in _leaf_fields(form)
        for message in field.errors
    ]


# A label ending in one of these takes no colon ("Where? (optional)" does; "…in?" does not).
_LABEL_ENDS = (":", "?", "!", ".", "…")
# A message ending in one of these is a finished sentence; closing quotes do not count.
_SENTENCE_ENDS = (".", "?", "!", "…")


def summary_line(label: str, message: str) -> str:
    """Return one line of the error summary: "Label: message." without doubled punctuation.

    The colon is left out after a label that already ends in a sign ("Which language
    should we write to you in? Choose …"), and the full stop after a message that already
    ends a sentence, so the summary never shows "?:" or "..".
    """
    label, message = str(label).strip(), str(message).strip()
    joined = f"{label} {message}" if label.endswith(_LABEL_ENDS) else f"{label}: {message}"
    return joined if message.endswith(_SENTENCE_ENDS) else f"{joined}."


class IdListField(Field):
    """The ticked rows: every submitted value that is an id, without duplicates.

    Rendered by the table's checkboxes, not by WTForms. Values that are not ids are
    dropped rather than refused: they can only come from a tampered request.
    """

    def process_formdata(self, valuelist):
        """Keep the values that are ids, at most SELECTION_MAX of them."""
        ids = []
        for value in valuelist[:SELECTION_MAX]:
            if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
                ids.append(int(value))
        self.data = list(dict.fromkeys(ids))

    def _value(self):
        return ""


def flash_errors(form) -> None:
    """Flash each of *form*'s error messages, for a form that answers with a redirect."""
    for messages in form.errors.values():
        for message in messages:
            flash(message, "error")
