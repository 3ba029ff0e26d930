"""Forms for the team page: inviting, changing roles, and choosing a first password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..accounts import EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from ..apply.forms import SingleLine, ValidEmail, choices, strip
from ..enums import Role


def role_choices():
    """Return the roles, labelled for people."""
    return choices(
        [
            (Role.EDITOR.value, _l("Editor: reads, rates and answers applications")),
            (Role.ADMIN.value, _l("Administrator: also manages calls and the team")),
        ]
    )


class InviteForm(FlaskForm):
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
        choices=choices([("de", "Deutsch"), ("en", "English")]),
    )


class RoleForm(FlaskForm):
    """A new role for one account."""

    role = SelectField(_l("Role"), choices=role_choices())


class JoinForm(FlaskForm):
    """The invitee's first password, typed twice."""

    # Passwords are never stripped: a space at either end is part of the password.
    new_password = PasswordField(
        _l("Choose a password"),
        validators=[
            DataRequired(message=_l("Please choose a password.")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=PASSWORD_MAX_LENGTH,
                message=_l(
                    "Your password must have %(min)s to %(max)s characters.",
                    min=PASSWORD_MIN_LENGTH,
                    max=PASSWORD_MAX_LENGTH,
                ),
            ),
        ],
    )
    confirm_password = PasswordField(
        _l("The same password again"),
        validators=[
            DataRequired(message=_l("Please type the password again.")),
            EqualTo("new_password", message=_l("The two passwords are not the same.")),
        ],
    )
