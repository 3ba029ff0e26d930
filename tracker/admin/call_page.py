"""The calls page's model: every call with its state, its applications and the next action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from tracker.calls import application_counts, deadline_passed, list_calls
from tracker.models import Call
from tracker.ui_languages import localized


@dataclass
class CallRow:
    """One call in the list."""

    call: Call
    title: str
    # A machine name (open, scheduled, closed) and a label.
    state: tuple[str, str]
    applications: int
    # The button the list offers: open, close or reopen.
    action: str


def call_state(call: Call, now: datetime) -> tuple[str, str]:
    """Return a machine name and a label for where the call stands."""
    if not call.is_open:
        return "closed", _("Closed")
    if deadline_passed(call, now):
        return "closed", _("Closed: the deadline has passed")
    if call.opens_at and now < call.opens_at:
        return "scheduled", _("Opens later")
    return "open", _("Open")


def next_action(call: Call, applications: int, now: datetime) -> str:
    """Return which button the list offers: open, close or reopen."""
    if deadline_passed(call, now):
        return "reopen"
    if call.is_open:
        return "close"
    return "reopen" if applications else "open"


def call_rows(*, language: str, now: datetime) -> list[CallRow]:
    """Return every call, newest first, as the calls page lists it."""
    counts = application_counts()
    return [
        CallRow(
            call=call,
            title=localized(call.title, language),
            state=call_state(call, now),
            applications=counts.get(call.id, 0),
            action=next_action(call, counts.get(call.id, 0), now),
        )
        for call in list_calls()
    ]
