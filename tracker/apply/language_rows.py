"""The form's further languages: numbered rows, "Add another language", an unlisted one.

A fresh form has one row; every re-display shows the rows filled in plus an empty one, and
"Add another language" (a submit button without JavaScript) one more row than posted.
Labels are numbered per row ("Language 2", "Level 2"), so the error summary and screen
readers can tell the rows apart.
"""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from wtforms import Form, Label, SelectChoice
from wtforms.validators import Optional, Regexp, ValidationError

from tracker.applications.submit import SpokenLanguage
from tracker.apply.text_checks import MaxChars
from tracker.labels import (
    LEVEL_LABELS,
    OTHER_LANGUAGE,
    language_with_level,
    spoken_language_names,
)
from tracker.web.widgets import PlainSelectField, PlainStringField

# Further languages besides German: enough for anyone from the Caucasus, few enough to read.
MAX_OTHER_LANGUAGES = 10
LANGUAGE_NAME_MAX = 60
# The placeholders JavaScript replaces in the row it copies.
INDEX_PLACEHOLDER = "__index__"
NUMBER_PLACEHOLDER = "__number__"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LanguageRow(Form):
    """One further language, the applicant's level in it, and its name if our list lacks it."""

    language = PlainSelectField(_l("Language"), validators=[Optional()])
    level = PlainSelectField(_l("Level"), validators=[Optional()])
    # Not "name": a FormField row has a name of its own, which would hide this field.
    language_name = PlainStringField(
        _l("Name of the language"),
        filters=[_strip],
        validators=[
            MaxChars(LANGUAGE_NAME_MAX),
            # One line of printable text: the name is shown in lists and exports.
            Regexp(
                r"^[^\x00-\x1f\x7f]*$",
                message=_l("Please write this on one line, without special characters."),
            ),
        ],
    )

    def validate(self, extra_validators=None) -> bool:
        """Validate the row; a level or a name without a language is asked about, not dropped.

        (Here, not in validate_language: Optional() ends an empty field's checks.)
        """
        valid = super().validate(extra_validators)
        if not self.language.data and (self.level.data or self.language_name.data):
            message = _l("Please choose the language, or leave this row empty.")
            self.language.errors = [*self.language.errors, message]
            return False
        return valid

    def validate_level(self, field):
        if self.language.data and not field.data:
            raise ValidationError(_l("Please choose your level in this language."))

    def validate_language_name(self, field):
        if self.language.data == OTHER_LANGUAGE and not field.data:
            raise ValidationError(_l("Please write the name of the language."))

    def in_words(self) -> str | None:
        """Return the row as every page shows a language ("Svan: native"), or None if empty."""
        if not (self.language.data and self.level.data):
            return None
        return language_with_level(
            self.language.data, self.level.data, self.language_name.data or None
        )

    def is_empty(self) -> bool:
        """Tell whether nothing was chosen or typed in this row."""
        return not (self.language.data or self.level.data or self.language_name.data)


@functools.lru_cache(maxsize=16)
def _language_choices(language: str) -> tuple[SelectChoice, ...]:
    """Return the further languages to choose from, labelled in *language*, read once.

    "Other language" asks for the name in the row, and its option says so.
    """
    names = spoken_language_names(language)
    names[OTHER_LANGUAGE] = _l("Other language (please name it)")
    return (
        SelectChoice("", _l("Choose a language")),
        *(SelectChoice(code, name) for code, name in names.items() if code != "de"),
    )


def _level_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("Choose a level"))] + [
        SelectChoice(level.value, label) for level, label in LEVEL_LABELS.items()
    ]


def _label_row(row, language: str, number) -> None:
    """Give *row* its choices and labels numbered *number* ("Language 2", "Level 2")."""
    row.language.choices = list(_language_choices(language))
    row.level.choices = _level_choices()
    row.language.label = Label(row.language.id, _l("Language %(number)s", number=number))
    row.level.label = Label(row.level.id, _l("Level %(number)s", number=number))
    row.language_name.label = Label(
        row.language_name.id, _l("Name of language %(number)s", number=number)
    )


def prepare_language_rows(rows, language: str, *, add_row: bool = False) -> LanguageRow:
    """Settle the rows of FieldList *rows*, label them; return the row JavaScript copies.

    The rows filled in are kept with one empty row after them; with *add_row* (the
    applicant pressed "Add another language") one more row than posted, focused.
    Never more than MAX_OTHER_LANGUAGES rows are offered.
    """
    if not add_row:
        while len(rows) > 1 and rows[-1].is_empty() and rows[-2].is_empty():
            rows.pop_entry()
    if (add_row or not rows[-1].is_empty()) and len(rows) < MAX_OTHER_LANGUAGES:
        rows.append_entry()
        if add_row:
            # Without JavaScript the page reloads: bring the applicant to the new row.
            rows[-1].language.render_kw = {"autofocus": True}
    for number, row in enumerate(rows, start=1):
        _label_row(row, language, number)
    template = LanguageRow(prefix=f"{rows.name}-{INDEX_PLACEHOLDER}-")
    _label_row(template, language, NUMBER_PLACEHOLDER)
    return template


def refuse_extra_languages(rows) -> bool:
    """Mark an eleventh language, and a second unlisted one; tell whether any was."""
    filled = [row for row in rows if not row.is_empty()]
    refused = []
    if len(filled) > MAX_OTHER_LANGUAGES:
        message = _l(
            "You can name at most %(n)s further languages. Please leave one out.",
            n=MAX_OTHER_LANGUAGES,
        )
        refused.append((filled[MAX_OTHER_LANGUAGES], message))
    # One row per language is stored, "other" included: further names go to the letter.
    unlisted = [row for row in filled if row.language.data == OTHER_LANGUAGE]
    message = _l(
        "Please name only one language that is not in the list; you can mention others "
        "in your cover letter."
    )
    refused += [(row, message) for row in unlisted[1:]]
    for row, reason in refused:
        row.language.errors = [*row.language.errors, reason]
    return bool(refused)


def spoken_languages(rows) -> list[SpokenLanguage]:
    """Return each filled row (a name only for "other"), without German and duplicates."""
    seen = {"de"}
    answers = []
    for row in rows:
        language, level = row.language.data, row.level.data
        if language and level and language not in seen:
            seen.add(language)
            name = row.language_name.data if language == OTHER_LANGUAGE else None
            answers.append(SpokenLanguage(language, level, name or None))
    return answers
