"""Reading the notification settings form (its fields depend on the open calls)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from tracker.enums import Delivery, NotificationEvent
from tracker.models import Call
from tracker.notifications.settings import NotificationSettings

EVENT_LABELS = {
    NotificationEvent.NEW_APPLICATION: _l("A new application in a region you follow"),
    NotificationEvent.ASSIGNED: _l("A candidate is assigned to you"),
    NotificationEvent.MENTIONED: _l("Someone mentions you in a comment"),
    NotificationEvent.STATUS_CHANGED: _l("A candidate you rated or are assigned changes status"),
    NotificationEvent.WITHDREW: _l("A candidate you rated or are assigned withdraws"),
    NotificationEvent.REPLIED: _l("A candidate you are assigned replies"),
    NotificationEvent.BOUNCED: _l("An email you wrote to a candidate cannot be delivered"),
    NotificationEvent.DEADLINE_NEAR: _l("An assignment you are responsible for is due in two days"),
    NotificationEvent.EDIT_WAITING: _l(
        "A piece you are responsible for has waited three days for an edit"
    ),
}
DELIVERY_LABELS = {
    Delivery.AT_ONCE: _l("Email at once"),
    Delivery.DIGEST: _l("In the daily digest"),
    Delivery.NEVER: _l("Never (only here in the app)"),
}


def delivery_field(event: NotificationEvent) -> str:
    """Return the name of the form field that holds the choice for *event*."""
    return f"delivery-{event.value}"


def follow_field(call: Call) -> str:
    """Return the name of the checkboxes of the regions followed in *call*."""
    return f"follow-{call.id}"


def read_settings(form: MultiDict, calls: list[Call]) -> NotificationSettings | None:
    """Return the settings *form* holds, or None if a value is not one offered."""
    choices = {}
    for event in NotificationEvent:
        value = form.get(delivery_field(event), Delivery.DIGEST.value)
        if value not in set(Delivery):
            return None
        choices[event] = Delivery(value)
    followed = {call.id: set(form.getlist(follow_field(call))) for call in calls}
    return NotificationSettings(form.get("language", ""), choices, followed)
