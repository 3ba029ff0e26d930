"""Forms of the status page: withdrawing an application, asking for a new link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from tracker.apply.forms import PlainText, SingleLine, ValidEmail, strip
from tracker.apply.text_checks import MaxChars
from tracker.web.forms_common import SiteForm

WITHDRAW_NOTE_MAX = 2000


class WithdrawForm(SiteForm):
    """The applicant withdraws; a reason is welcome but optional."""

    reason = TextAreaField(
        _l("Why are you withdrawing? (optional)"),
        filters=[strip],
        validators=[Optional(), MaxChars(WITHDRAW_NOTE_MAX), PlainText()],
    )
    confirm = BooleanField(_l("Yes, I want to withdraw my application."))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(
                _l("Please tick the box to confirm that you want to withdraw your application.")
            )


class ReissueForm(SiteForm):
    """Ask for a new status link, sent to the address the application was made with."""

    email = StringField(
        _l("Email address"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please enter the email address you applied with.")),
            MaxChars(254),
            SingleLine(),
            ValidEmail(),
        ],
    )


class ErasureRequestForm(SiteForm):
    """Ask for the email whose link confirms that the applicant's data is to be erased."""


class ErasureConfirmForm(SiteForm):
    """Confirm, from the emailed link, that every piece of the applicant's data goes."""
