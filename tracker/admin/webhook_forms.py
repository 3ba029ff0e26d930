"""The webhook endpoint form: address, description, events. It validates, never persists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from tracker.admin.export_forms import MultiCheckboxField
from tracker.apply.forms import SingleLine, choices, strip
from tracker.enums import WebhookEvent
from tracker.labels import WEBHOOK_EVENT_LABELS
from tracker.web.forms_common import SiteForm


class EndpointForm(SiteForm):
    """Where to post, what it is, and which events it receives."""

    url = StringField(
        _l("Address (https://…)"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Please enter the address to send events to.")),
            Length(max=2000),
            SingleLine(),
        ],
    )
    description = StringField(
        _l("Description"), filters=[strip], validators=[Length(max=200), SingleLine()]
    )
    events = MultiCheckboxField(
        _l("Events"),
        choices=choices((event.value, WEBHOOK_EVENT_LABELS[event]) for event in WebhookEvent),
        validators=[DataRequired(message=_l("Please choose at least one event."))],
    )


class EditEndpointForm(EndpointForm):
    """An endpoint's form when it exists: also whether it receives events (not paused)."""

    active = BooleanField(_l("Active (uncheck to pause: nothing is sent while paused)"))
