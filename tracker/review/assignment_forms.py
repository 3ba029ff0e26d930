"""Forms of the assignment pages: they validate and parse, never persist.

The fee is parsed by :func:`tracker.money.parse_amount` (never a float), the deadline is
a day and a time in the chosen zone, turned into naive UTC by
:mod:`tracker.assignments.deadlines`.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from tracker.apply.forms import SingleLine, choices, strip
from tracker.assignments.deadlines import local_parts, to_utc
from tracker.assignments.records import BRIEF_MAX_LENGTH, TITLE_MAX_LENGTH
from tracker.assignments.states import URL_MAX_LENGTH
from tracker.enums import EXPERT_TIMEZONES, Currency
from tracker.labels import TIMEZONE_LABELS
from tracker.models import Assignment, User
from tracker.money import AmountError, edit_text, parse_amount
from tracker.web.forms_common import SiteForm
from tracker.web.widgets import PlainSelectField, PlainTextAreaField


class AssignmentForm(SiteForm):
    """What an assignment is: title, brief, fee, deadline in the author's zone, editor."""

    expected_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    title = StringField(
        _l("Working title"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please write a working title.")),
            Length(max=TITLE_MAX_LENGTH),
            SingleLine(),
        ],
    )
    brief = PlainTextAreaField(
        _l("Brief (optional)"), validators=[Optional(), Length(max=BRIEF_MAX_LENGTH)]
    )
    fee = StringField(_l("Fee"), validators=[DataRequired(_l("Please write the fee."))])
    currency = PlainSelectField(
        _l("Currency"), choices=choices((c.value, c.value) for c in Currency), default="EUR"
    )
    deadline_day = DateField(
        _l("Deadline: day"),
        validators=[InputRequired(_l("Please give the day of the deadline."))],
    )
    deadline_time = TimeField(
        _l("Deadline: time"),
        default=datetime.strptime("18:00", "%H:%M").time(),
        validators=[InputRequired(_l("Please give the time of the deadline, e.g. 18:00."))],
    )
    timezone = PlainSelectField(
        _l("Time zone of the deadline"),
        choices=choices((zone, TIMEZONE_LABELS[zone]) for zone in EXPERT_TIMEZONES),
    )
    remind_expert = BooleanField(_l("Remind the author by email two days before the deadline"))
    editor = PlainSelectField(_l("Editor responsible"), validators=[Optional()])

    fee_minor: int | None = None

    def offer(self, users: list[User]) -> None:
        """Offer *users* as the editor responsible."""
        self.editor.choices = choices((str(user.id), user.name) for user in users)

    def chosen_editor(self, users: list[User]) -> User | None:
        """Return the chosen editor among the *users* offered."""
        return next((user for user in users if str(user.id) == self.editor.data), None)

    def validate_fee(self, field) -> None:
        """Parse the fee in the chosen currency's minor unit."""
        if self.currency.data not in set(Currency):
            return  # the currency's own error says it
        try:
            self.fee_minor = parse_amount(field.data, self.currency.data)
        except AmountError as error:
            raise ValidationError(str(error)) from error

    def fill(self, assignment: Assignment) -> None:
        """Show *assignment* in the form, the deadline in its zone."""
        self.expected_version.data = assignment.version_id
        self.title.data, self.brief.data = assignment.title, assignment.brief
        self.fee.data = edit_text(assignment.fee_minor, assignment.currency)
        self.currency.data, self.timezone.data = assignment.currency, assignment.timezone
        self.deadline_day.data, self.deadline_time.data = local_parts(
            assignment.deadline_at, assignment.timezone
        )
        self.remind_expert.data = assignment.remind_expert
        self.editor.data = str(assignment.editor_id or "")

    def values(self, users: list[User]) -> dict:
        """Return the assignment's fields as the domain takes them."""
        return {
            "title": self.title.data,
            "brief": self.brief.data or "",
            "fee_minor": self.fee_minor,
            "currency": self.currency.data,
            "deadline_at": to_utc(
                self.deadline_day.data, self.deadline_time.data, self.timezone.data
            ),
            "timezone": self.timezone.data,
            "remind_expert": self.remind_expert.data,
            "editor": self.chosen_editor(users),
        }


class AdvanceForm(SiteForm):
    """Move the assignment on: one button per next state; publication and payment ask more."""

    expected_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    new_state = StringField(validators=[DataRequired()])
    published_url = StringField(
        _l("Published at (web address)"),
        filters=[strip],
        validators=[Optional(), Length(max=URL_MAX_LENGTH)],
    )
    published_on = DateField(_l("Published on"), validators=[Optional()])
    paid_on = DateField(_l("Paid on"), validators=[Optional()])
