"""The audit log pages' rows: people and candidates by name and link, not by id.

Events keep ids (an event must not change when a name does); the page resolves them with
one query per table for the whole page. An erased application leaves only its tombstone
event, whose id no longer names anyone: it is shown as "erased application", without a
link (the candidate page would be a 404).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit import AUDIT_KIND_LABELS
from tracker.extensions import db
from tracker.models import Application, AuditEvent, Call, User
from tracker.ui_languages import localized

# Details that hold a user id, and the word the page shows instead of the key.
_USER_DETAILS = {"assignee_id": "assignee", "user_id": "account"}


@dataclass(frozen=True)
class Shown:
    """A value as the page shows it: a text, and a link when there is a page to go to."""

    text: str
    url: str | None = None


@dataclass(frozen=True)
class AuditRow:
    """One event: who did it, about which candidate, and its details in words."""

    event: AuditEvent
    actor: str
    # None for events about no application (exports, accounts, calls).
    candidate: Shown | None
    details: list[tuple[str, Shown]]


def _by_id(model, ids: set) -> dict:
    ids = {value for value in ids if isinstance(value, int)}
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def _user(users: dict[int, User], user_id) -> Shown:
    if user_id is None:
        return Shown(_("nobody"))
    user = users.get(user_id)
    return Shown(user.name) if user else Shown(_("unknown account %(id)s", id=user_id))


def _candidate(applications: dict[int, Application], application_id: int | None):
    if application_id is None:
        return None
    application = applications.get(application_id)
    if application is None:
        # Erased: the tombstone's id points at nothing, and nothing may name the person.
        return Shown(_("erased application"))
    return Shown(
        f"{application.full_name} ({application.reference})",
        url_for("review.candidate", application_id=application_id),
    )


def _details(event, users, calls, language: str) -> list[tuple[str, Shown]]:
    shown = []
    for key, value in sorted((event.details or {}).items()):
        if key in _USER_DETAILS:
            shown.append((_USER_DETAILS[key], _user(users, value)))
        elif key == "call_id" and value in calls:
            call = calls[value]
            url = url_for("admin.edit_call", call_id=value)
            shown.append(("call", Shown(localized(call.title, language), url)))
        else:
            shown.append((key, Shown("–" if value is None else str(value))))
    return shown


def audit_rows(events: list[AuditEvent], *, language: str) -> list[AuditRow]:
    """Return *events* as the audit log shows them, names resolved in one query per table."""
    user_ids = {event.actor_id for event in events}
    for event in events:
        user_ids |= {(event.details or {}).get(key) for key in _USER_DETAILS}
    users = _by_id(User, user_ids)
    applications = _by_id(Application, {event.application_id for event in events})
    calls = _by_id(Call, {(event.details or {}).get("call_id") for event in events})
    return [
        AuditRow(
            event=event,
            actor=users[event.actor_id].name
            if event.actor_id in users
            else _("system or applicant"),
            candidate=_candidate(applications, event.application_id),
            details=_details(event, users, calls, language),
        )
        for event in events
    ]


def audit_context(page, kind: str) -> dict:
    """Return what both audit log pages show of *page*: its rows in words, the kinds."""
    rows = audit_rows(page.items, language=str(get_locale()))
    return {"page": page, "rows": rows, "kind": kind, "kinds": AUDIT_KIND_LABELS}
