"""Forms for signing in and for changing or resetting a password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from tracker.accounts.common import EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from tracker.web.forms_common import SiteForm


def strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field() -> StringField:
    return StringField(
        _l("Email address"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Please enter your email address.")),
            Length(max=EMAIL_MAX_LENGTH, message=_l("This email address is too long.")),
        ],
    )


def new_password_fields(label=None, again=None) -> tuple[PasswordField, PasswordField]:
    """Return a new password field and its confirmation, with the account length rules."""
    # Passwords are never stripped: a space at either end is part of the password.
    new = PasswordField(
        label or _l("New password"),
        validators=[
            DataRequired(message=_l("Please choose a new password.")),
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
    confirm = PasswordField(
        again or _l("New password again"),
        validators=[
            DataRequired(message=_l("Please type the new password again.")),
            EqualTo("new_password", message=_l("The two passwords are not the same.")),
        ],
    )
    return new, confirm


class LoginForm(SiteForm):
    """A staff member's address and password, and where to go afterwards."""

    email = _email_field()
    # No length rule here: every wrong password, however long, gets the same answer, and
    # accounts.sessions.authenticate refuses overlong ones before hashing.
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Please enter your password."))]
    )
    next = HiddenField()


class ChangePasswordForm(SiteForm):
    """The current password and a new one, typed twice."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Please enter your current password."))],
    )
    new_password, confirm_password = new_password_fields()
    next = HiddenField()


class ResetRequestForm(SiteForm):
    """The address to send a reset link to."""

    email = _email_field()


class ResetPasswordForm(SiteForm):
    """A new password, typed twice, set with a reset link."""

    new_password, confirm_password = new_password_fields()


class TwoFactorForm(SiteForm):
    """The six-digit code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Please enter the code from your app or a recovery code.")),
            # Longest accepted form: a recovery code written with spaces around its dashes.
            Length(max=32, message=_l("This code is too long.")),
        ],
    )


class TwoFactorSetupForm(SiteForm):
    """The code the newly set-up app shows, proving it holds the secret."""

    code = StringField(
        _l("Code from your app"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Please enter the code your app shows.")),
            Length(max=16, message=_l("This code is too long.")),
        ],
    )
    next = HiddenField()


class TwoFactorDisableForm(SiteForm):
    """A current code, to confirm turning two-factor sign-in off."""

    code = StringField(
        _l("Current code from your app"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Please enter the code your app shows.")),
            Length(max=16, message=_l("This code is too long.")),
        ],
    )
