"""Forms for the team page: inviting, changing roles, and choosing a first password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from tracker.accounts.common import EMAIL_MAX_LENGTH
from tracker.apply.forms import SingleLine, ValidEmail, choices, strip
from tracker.auth.forms import new_password_fields
from tracker.enums import Role
from tracker.labels import option_labels
from tracker.ui_languages import LANGUAGE_NAMES, STAFF_LANGUAGES, localized
from tracker.web.forms_common import SiteForm


def role_choices():
    """Return the roles, labelled for people."""
    return choices(
        [
            (Role.EDITOR.value, _l("Editor: reads, rates and answers applications")),
            (Role.ADMIN.value, _l("Administrator: also manages calls and the team")),
        ]
    )


class PersonForm(SiteForm):
    """Who to invite, and in which language to write to them."""

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Please enter the person's name.")),
            Length(max=200),
            SingleLine(),
        ],
    )
    email = StringField(
        _l("Email address"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Please enter the person's email address.")),
            Length(max=EMAIL_MAX_LENGTH),
            SingleLine(),
            ValidEmail(),
        ],
    )
    language = SelectField(
        _l("Language of the invitation email"),
        choices=choices((code, LANGUAGE_NAMES[code]) for code in STAFF_LANGUAGES),
    )


class InviteForm(PersonForm):
    """A team member to invite: the person, and their role."""

    role = SelectField(_l("Role"), choices=role_choices(), default=Role.EDITOR.value)


class GuestScopeForm(SiteForm):
    """What a guest reviewer may see: one call, some of its regions (none: all), until a day.

    The choices are set by :meth:`offer`, from the calls that exist.
    """

    call = SelectField(_l("Call"), coerce=int, validate_choice=True)
    regions = SelectMultipleField(
        _l("Regions (none chosen: all regions of the call)"), validate_choice=True
    )
    ends_on = DateField(
        _l("Last day of access"),
        validators=[DataRequired(message=_l("Please enter the last day of access."))],
    )

    def offer(self, calls: list, language: str) -> GuestScopeForm:
        """Offer *calls* and every region of theirs, labelled in *language*."""
        self.call.choices = [(call.id, localized(call.title, language)) for call in calls]
        regions: dict[str, str] = {}
        for call in calls:
            for key, label in option_labels(call.regions, language).items():
                regions.setdefault(key, label)
        self.regions.choices = list(regions.items())
        return self


class GuestInviteForm(PersonForm, GuestScopeForm):
    """A guest reviewer to invite: the person, and what they may see."""


class RoleForm(SiteForm):
    """A new role for one account."""

    role = SelectField(_l("Role"), choices=role_choices())


class JoinForm(SiteForm):
    """The invitee's first password, typed twice."""

    new_password, confirm_password = new_password_fields(
        _l("Choose a password"), _l("The same password again")
    )
