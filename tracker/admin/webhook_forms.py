"""The webhook endpoint form: address, description, events. It validates, never persists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from tracker.admin.export_forms import MultiCheckboxField
from tracker.admin.one_time_forms import SentOnce
from tracker.apply.forms import SingleLine, choices, strip
from tracker.enums import WebhookDeliveryStatus, WebhookEvent
from tracker.web.forms_common import SiteForm

# Staff pages only, so here rather than in tracker/labels.py (whose strings applicants see
# and which need every page language).
# What each webhook event tells a receiver (tracker.webhooks), beside its technical name.
WEBHOOK_EVENT_LABELS = {
    WebhookEvent.APPLICATION_CREATED: _l("An application was sent"),
    WebhookEvent.APPLICATION_STATUS_CHANGED: _l("An application's status changed"),
    WebhookEvent.APPLICATION_WITHDRAWN: _l("An application was withdrawn"),
    WebhookEvent.APPLICATION_ERASED: _l("An application was erased (its reference only)"),
    WebhookEvent.ASSIGNMENT_CREATED: _l("An assignment was given"),
    WebhookEvent.ASSIGNMENT_STATE_CHANGED: _l("An assignment moved on"),
}
WEBHOOK_DELIVERY_STATUS_LABELS = {
    WebhookDeliveryStatus.QUEUED: _l("Waiting"),
    WebhookDeliveryStatus.SENDING: _l("Sending"),
    WebhookDeliveryStatus.DELIVERED: _l("Delivered"),
    WebhookDeliveryStatus.FAILED: _l("Failed"),
}


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


class NewEndpointForm(SentOnce, EndpointForm):
    """A new endpoint's form: its answer shows the signing secret, once."""


class EditEndpointForm(EndpointForm):
    """An endpoint's form when it exists: also whether it receives events (not paused)."""

    active = BooleanField(_l("Active (uncheck to pause: nothing is sent while paused)"))
