"""The audit log: one row per change or download, written in the change's transaction."""

from __future__ import annotations

from tracker.extensions import db
from tracker.models import Application, AuditEvent, User


def record_event(
    action: str,
    *,
    actor: User | None,
    application: Application | None = None,
    **details,
) -> AuditEvent:
    """Add an audit row to the session (no commit: it belongs to the caller's transaction).

    *action* is a dotted name such as ``application.status_changed`` or
    ``document.downloaded``; *details* must be JSON-serialisable and hold no document
    content, passwords or tokens.
    """
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        application_id=application.id if application is not None else None,
        details=details,
    )
    db.session.add(event)
    return event
