"""The export form: which columns, which format. It validates, never persists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectMultipleField
from wtforms.validators import DataRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.apply.forms import choices
from tracker.exports import EXPORT_COLUMNS, HEADERS_AS_KEYS, HEADERS_FOR_PEOPLE
from tracker.labels import COLUMN_LABELS
from tracker.web.forms_common import SiteForm


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# The formats of a list: CSV or XLSX.
TABLE_FORMATS = [("csv", _l("CSV (spreadsheet, UTF-8)")), ("xlsx", _l("Excel workbook (XLSX)"))]


def at_risk_contacts_field() -> BooleanField:
    """Return the box that puts the contact details of applicants at risk into an export
    (left out unless ticked; the export's audit row records the choice)."""
    return BooleanField(
        _l("Include contact details of applicants at risk"),
        description=_l(
            "They asked us to protect them. Without this box, their email address, phone "
            "number and other contact details are left empty. Your choice is recorded in the "
            "audit log."
        ),
    )


def format_field() -> RadioField:
    """Return the format choice of a list export (CSV by default)."""
    return RadioField(
        _l("Format"), choices=choices(TABLE_FORMATS), default="csv", validators=[DataRequired()]
    )


class ExportForm(SiteForm):
    """Columns (all ticked at first), format and header kind of a candidate list export."""

    columns = MultiCheckboxField(
        _l("Columns"),
        choices=choices([(column, COLUMN_LABELS[column]) for column in EXPORT_COLUMNS]),
        default=list(EXPORT_COLUMNS),
    )
    format = RadioField(
        _l("Format"),
        choices=choices([*TABLE_FORMATS, ("documents", _l("ZIP of the candidates' documents"))]),
        default="csv",
        validators=[DataRequired()],
    )
    headers = RadioField(
        _l("Column headers"),
        choices=choices(
            [
                (HEADERS_FOR_PEOPLE, _l("For people, in your language (“Name”, “Email”)")),
                (HEADERS_AS_KEYS, _l("Keys, for machines (“full_name”, “email”)")),
            ]
        ),
        default=HEADERS_FOR_PEOPLE,
        validators=[DataRequired()],
    )
    at_risk_contacts = at_risk_contacts_field()
    # The inbox filter, as the inbox's query string (?from=…).
    source = HiddenField()

    def validate_columns(self, field):
        # Not DataRequired: its "required" attribute would make the browser demand every box.
        if not field.data:
            raise ValidationError(_l("Choose at least one column."))


class PoolExportForm(SiteForm):
    """Which list – the expert pool or the assignments – and which format."""

    kind = RadioField(
        _l("List"),
        choices=choices(
            [
                ("experts", _l("The expert pool")),
                ("assignments", _l("Assignments, for the accounting desk")),
            ]
        ),
        default="experts",
        validators=[DataRequired()],
    )
    format = format_field()
    at_risk_contacts = at_risk_contacts_field()
