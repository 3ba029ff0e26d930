"""A call's regions and topics as rows of a form: key, group, country and three labels.

The rows are stored as the call always stored them (a list of option dicts, see
data/default_call.json), so the form only changes how an administrator writes them.
"Add a region" and the remove buttons are submit buttons that work without JavaScript: the
page comes back with the rows rearranged and nothing saved. A row whose key applications
use cannot be removed, and its key cannot be changed (:func:`tracker.calls.check_used_keys`
refuses it again when saving, whoever calls).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import Length

from tracker.apply.forms import SingleLine, strip
from tracker.call_options import OPTION_KEY_PATTERN, OPTION_LABEL_MAX_LENGTH, OPTION_MAX_LINES
from tracker.enums import ELSEWHERE, REGION_GROUPS
from tracker.labels import REGION_GROUP_LABELS, language_name
from tracker.ui_languages import STAFF_LANGUAGES, UI_LANGUAGES

# The buttons that rearrange the rows and show the page again, saving nothing.
ROW_BUTTONS = ("add_region", "add_topic", "remove_region", "remove_topic")


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def _label(language_label) -> StringField:
    return StringField(
        language_label,
        filters=[strip],
        validators=[Length(max=OPTION_LABEL_MAX_LENGTH), SingleLine()],
    )


def _add_error(field, message) -> None:
    field.errors = [*field.errors, message]


class TopicRow(Form):
    """One topic: the key applications store and its label in each page language."""

    # The key the row had when the page was first shown: applications may use it.
    saved_key = HiddenField(filters=[_lower])
    key = StringField(_l("Key"), filters=[_lower])

    def is_empty(self) -> bool:
        """Tell whether nothing was typed in this row (an empty row is left out)."""
        return not any(
            self[name].data for name in ("key", *(f"label_{code}" for code in UI_LANGUAGES))
        )

    def validate(self, extra_validators=None) -> bool:
        """Validate the row; a row that is not empty needs a valid key and every staff
        language's label."""
        valid = super().validate(extra_validators)
        if self.is_empty():
            return valid
        if not OPTION_KEY_PATTERN.match(self.key.data or ""):
            _add_error(
                self.key,
                _l(
                    "Please write a key of lower-case letters a–z, digits and “_”, such as "
                    "north_ossetia."
                ),
            )
        for code in STAFF_LANGUAGES:
            field = self[f"label_{code}"]
            if not field.data and not field.errors:
                _add_error(field, _l("Please fill in this label."))
        return valid and not self.errors

    def option(self) -> dict:
        """Return the row as the call stores a topic."""
        labels = {
            code: self[f"label_{code}"].data for code in UI_LANGUAGES if self[f"label_{code}"].data
        }
        return {"key": self.key.data, "label": labels}


# A label per page language (tracker/ui_languages.py), set before RegionRow inherits them:
# required in the staff languages, whose pages show it; elsewhere applicants see a fallback.
for _code in UI_LANGUAGES:
    setattr(TopicRow, f"label_{_code}", _label(language_name(_code)))


class RegionRow(TopicRow):
    """One region: a topic's fields plus its country and the group the form lists it under."""

    country = StringField(_l("Country key (optional)"), filters=[_lower])
    group = SelectField(
        _l("Group"),
        choices=[
            SelectChoice("", _l("No group")),
            *(SelectChoice(key, REGION_GROUP_LABELS[key]) for key in REGION_GROUPS),
        ],
    )

    def is_empty(self) -> bool:
        """Tell whether nothing was typed in this row (the group alone does not count)."""
        return super().is_empty() and not self.country.data

    def validate(self, extra_validators=None) -> bool:
        """Validate the row; the country is a key too, and never "elsewhere"."""
        valid = super().validate(extra_validators)
        if self.is_empty():
            return valid
        if self.country.data and not OPTION_KEY_PATTERN.match(self.country.data):
            _add_error(
                self.country,
                _l("The country may only contain lower-case letters a–z, digits and “_”."),
            )
        if ELSEWHERE in (self.key.data, self.country.data):
            # "elsewhere" is the home country of applicants outside the call's countries.
            _add_error(
                self.key,
                _l(
                    "“elsewhere” cannot be a region or its country; applicants who live "
                    "elsewhere name their country themselves."
                ),
            )
        return valid and not self.errors

    def option(self) -> dict:
        """Return the row as the call stores a region (the country defaults to the key)."""
        option = {**super().option(), "country": self.country.data or self.key.data}
        if self.group.data:
            option["group"] = self.group.data
        return option


def option_rows(row_form) -> FieldList:
    """Return the list field of *row_form* rows that a call form declares."""
    return FieldList(FormField(row_form), min_entries=1, max_entries=OPTION_MAX_LINES)


def fill_rows(rows: FieldList, options: list[dict]) -> None:
    """Replace the rows of *rows* by *options* (a call's regions or topics)."""
    datas = [
        {
            "saved_key": option["key"],
            "key": option["key"],
            "country": option.get("country") or "",
            "group": option.get("group") or "",
            **{f"label_{code}": option["label"].get(code, "") for code in UI_LANGUAGES},
        }
        for option in options
    ]
    while rows.entries:
        rows.pop_entry()
    rows.last_index = -1
    for data in datas or [{}]:
        rows.append_entry(data)


def label_rows(rows: FieldList, heading) -> None:
    """Give each row its heading ("Region 2", from *heading(number)*) and name its fields
    for the error summary after it ("Region 2, Key")."""
    for number, row in enumerate(rows, start=1):
        row.number = number
        row.heading = heading(number)
        for field in row:
            field.description = f"{row.heading}, {field.label.text}"


def add_row(rows: FieldList) -> None:
    """Add an empty row at the end (at most OPTION_MAX_LINES rows), focused."""
    if len(rows) < OPTION_MAX_LINES:
        rows.append_entry()
        # Without JavaScript the page reloads: bring the administrator to the new row.
        rows[-1].key.render_kw = {"autofocus": True}


def remove_row(rows: FieldList, index: int, used: set[str]) -> None:
    """Remove row *index* unless applications use its key; then mark the row instead."""
    if not 0 <= index < len(rows):
        return
    row = rows[index]
    key = row.saved_key.data or row.key.data
    if key in used:
        _add_error(
            row.key,
            _l(
                "Applications use the key “%(key)s”: this row cannot be removed (you may "
                "change its labels).",
                key=key,
            ),
        )
        return
    kept = [entry.data for position, entry in enumerate(rows) if position != index]
    while rows.entries:
        rows.pop_entry()
    rows.last_index = -1
    for data in kept or [{}]:
        rows.append_entry(data)


def options_of(rows: FieldList, used: set[str], *, none_message) -> list[dict] | None:
    """Return the filled rows as stored options, or None after marking what is wrong.

    Marks a key used twice, a used key that was changed (:func:`tracker.calls.check_used_keys`
    would refuse it on saving) and an empty list.
    """
    filled = [row for row in rows if not row.is_empty()]
    problems = False
    seen: set[str] = set()
    for row in filled:
        key = row.key.data
        if key in seen:
            _add_error(row.key, _l("The key “%(key)s” is used twice.", key=key))
            problems = True
        seen.add(key)
    for row in rows:
        saved = row.saved_key.data
        if saved in used and row.key.data != saved:
            _add_error(
                row.key,
                _l(
                    "Applications use the key “%(key)s”: keep it (you may change its labels).",
                    key=saved,
                ),
            )
            problems = True
    if not filled:
        _add_error(rows[0].key, none_message)
        return None
    if problems or any(row.errors for row in rows):
        return None
    return [row.option() for row in filled]
