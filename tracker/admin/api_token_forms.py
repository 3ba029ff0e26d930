"""The form that creates an API token: name, scopes, expiry. It validates, never persists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from tracker.admin.export_forms import MultiCheckboxField
from tracker.admin.one_time_forms import SentOnce
from tracker.api_tokens import NAME_MAX_LENGTH
from tracker.apply.forms import SingleLine, choices, strip
from tracker.enums import ApiScope
from tracker.web.forms_common import SiteForm

# What each scope allows, one line each (staff-only words: not in tracker.labels, whose
# labels applicants may see too).
SCOPE_LABELS = {
    ApiScope.APPLICATIONS_READ: _l("Read applications, their documents and the calls"),
    ApiScope.APPLICATIONS_WRITE: _l("Change an application's status, tags and comments"),
    ApiScope.CONTACTS_READ: _l("See email addresses and phone numbers of applicants and experts"),
    ApiScope.EXPERTS_READ: _l("Read the expert pool: expertise, availability, rates"),
    ApiScope.ASSIGNMENTS_READ: _l("Read assignments: fees, deadlines, publication, payment"),
    ApiScope.EXPORTS_READ: _l("Download the exports of candidates, experts and assignments"),
}
# Expiry choices in days; "never" is a token that works until it is revoked.
EXPIRY_CHOICES = (
    ("30", _l("In 30 days")),
    ("90", _l("In 90 days")),
    ("365", _l("In a year")),
    ("never", _l("Never (until revoked)")),
)


class ApiTokenForm(SentOnce, SiteForm):
    """Name, scopes and expiry of a new API token."""

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Please name the token after the program that will use it.")),
            Length(max=NAME_MAX_LENGTH),
            SingleLine(),
        ],
    )
    scopes = MultiCheckboxField(
        _l("What the token may do"),
        choices=choices([(scope.value, SCOPE_LABELS[scope]) for scope in ApiScope]),
    )
    expires = RadioField(
        _l("Expires"), choices=choices(EXPIRY_CHOICES), default="90", validators=[DataRequired()]
    )

    def validate_scopes(self, field):
        # Not DataRequired: its "required" attribute would make the browser demand every box.
        if not field.data:
            raise ValidationError(_l("Choose at least one scope."))

    @property
    def expires_days(self) -> int | None:
        """Return the chosen expiry in days (None: never)."""
        return None if self.expires.data == "never" else int(self.expires.data)
