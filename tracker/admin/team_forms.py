"""Forms for the team page: inviting, changing roles, and choosing a first password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from tracker.accounts.common import EMAIL_MAX_LENGTH
from tracker.apply.forms import SingleLine, ValidEmail, choices, strip
from tracker.auth.forms import new_password_fields
from tracker.enums import Role
from tracker.labels import LANGUAGE_LABELS
from tracker.web.forms_common import SiteForm


def role_choices():
    """Return the roles, labelled for people."""
    return choices(
        [
            (Role.EDITOR.value, _l("Editor: reads, rates and answers applications")),
            (Role.ADMIN.value, _l("Administrator: also manages calls and the team")),
        ]
    )


class InviteForm(SiteForm):
    """Who to invite, with which role, and in which language to write to them."""

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
    role = SelectField(_l("Role"), choices=role_choices(), default=Role.EDITOR.value)
    language = SelectField(
        _l("Language of the invitation email"),
        choices=choices((code, LANGUAGE_LABELS[code]) for code in ("de", "en")),
    )


class RoleForm(SiteForm):
    """A new role for one account."""

    role = SelectField(_l("Role"), choices=role_choices())


class JoinForm(SiteForm):
    """The invitee's first password, typed twice."""

    new_password, confirm_password = new_password_fields(
        _l("Choose a password"), _l("The same password again")
    )
