"""Forms of the expert pool: editing an expert, inviting the filtered experts to a call,
confirming an erasure. They validate what a browser sends; tracker.experts checks the rest."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import HiddenInput

from tracker.apply.forms import MultiCheckboxField, PlainText, SingleLine, choices, strip
from tracker.enums import EXPERT_TIMEZONES, Availability, Currency
from tracker.experts.editing import ExpertChanges, languages_text
from tracker.models import Expert
from tracker.money import edit_text
from tracker.web.forms_common import SiteForm
from tracker.web.widgets import PlainTextAreaField

AVAILABILITY_LABELS = {
    Availability.AVAILABLE: _l("Available"),
    Availability.BUSY: _l("Busy until …"),
    Availability.PAUSED: _l("Paused (not offered work, not invited)"),
}


class ExpertForm(SiteForm):
    """What an editor may change about an expert of the pool."""

    availability = SelectField(
        _l("Availability"),
        choices=choices((value.value, label) for value, label in AVAILABILITY_LABELS.items()),
    )
    busy_until = DateField(_l("Busy until (last busy day)"), validators=[Optional()])
    rate = StringField(
        _l("Rate agreed per piece (optional)"), filters=[strip], validators=[SingleLine()]
    )
    currency = SelectField(
        _l("Currency"),
        choices=choices([("", "–")] + [(value.value, value.value) for value in Currency]),
    )
    timezone = SelectField(
        _l("Time zone"), choices=choices((zone, zone) for zone in EXPERT_TIMEZONES)
    )
    phone = StringField(_l("Phone (optional)"), filters=[strip], validators=[SingleLine()])
    city = StringField(_l("City (optional)"), filters=[strip], validators=[SingleLine()])
    languages = StringField(_l("Languages with levels"), filters=[strip], validators=[SingleLine()])
    regions = MultiCheckboxField(_l("Regions covered"), validate_choice=False)
    topics = MultiCheckboxField(_l("Topics"), validate_choice=False)
    notes = PlainTextAreaField(_l("Notes (optional)"), validators=[PlainText()])
    expected_version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    def offer(self, regions: list, topics: list) -> ExpertForm:
        """Offer *regions* and *topics* ((key, label) pairs) as checkboxes."""
        self.regions.choices = choices(regions)
        self.topics.choices = choices(topics)
        return self

    def fill(self, expert: Expert) -> ExpertForm:
        """Show *expert*'s current values (for a page not sent yet)."""
        self.availability.data = expert.availability
        self.busy_until.data = expert.busy_until
        self.rate.data = edit_text(expert.rate_minor, expert.rate_currency or Currency.EUR)
        self.currency.data = expert.rate_currency or ""
        self.timezone.data = expert.timezone
        self.phone.data = expert.phone or ""
        self.city.data = expert.city or ""
        self.languages.data = languages_text(expert)
        self.regions.data = expert.regions
        self.topics.data = [row.topic for row in expert.topics]
        self.notes.data = expert.notes or ""
        self.expected_version.data = expert.version_id
        return self

    def changes(self) -> ExpertChanges:
        """Return what was sent, for tracker.experts.editing.update_expert."""
        return ExpertChanges(
            availability=self.availability.data or "",
            busy_until=self.busy_until.data,
            rate=self.rate.data or "",
            currency=self.currency.data or "",
            timezone=self.timezone.data or "",
            phone=self.phone.data or "",
            city=self.city.data or "",
            notes=self.notes.data or "",
            languages=self.languages.data or "",
            regions=list(self.regions.data or []),
            topics=list(self.topics.data or []),
        )

    def show_errors(self, errors: dict) -> None:
        """Show the domain's *errors* (field name → message) at their fields."""
        for name, message in errors.items():
            getattr(self, name).errors = [*getattr(self, name).errors, str(message)]


class InviteForm(SiteForm):
    """Send the invitations the preview showed (the filter rides in the query string)."""

    call = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class EraseExpertForm(SiteForm):
    """Confirm that an expert is to be erased."""

    confirm = BooleanField(
        _l("Yes, erase this expert and their assignments (paid ones stay as payment records)"),
        validators=[DataRequired(message=_l("Please confirm the erasure."))],
    )
