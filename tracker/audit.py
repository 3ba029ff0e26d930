"""The audit log: one row per change or download, written in the change's transaction."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from sqlalchemy import select

from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.models import Application, AuditEvent, Call, User

REDACTED = "[redacted]"
# Two or three letters, or "other" (the codes of data/languages.json), cannot name anyone.
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}|other")


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
    content, passwords or tokens, and nothing that names an applicant unless the event
    is about that application (erasure deletes those events with it).
    """
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        application_id=application.id if application is not None else None,
        details=details,
    )
    db.session.add(event)
    return event


def filter_for_audit(f: InboxFilter) -> str:
    """Return *f* as a query string for the audit log, with whatever could name someone
    redacted.

    Events about a list (exports) belong to no application, so erasing a person cannot
    find them: they must not hold anything typed. The search (``q``) and the tag are free
    text – an editor looking for "Nino Beridze", a tag "Nino's contacts" – and become
    ``[redacted]``; a region or topic stays only if a call offers that key, a language
    only as a language code. The rest (call, statuses, assignee, rated, dates, sort,
    page size) are ids, fixed choices and dates. The page is left out.
    """
    args = f.to_args()
    args.pop("page", None)
    for name in ("q", "tag"):
        if name in args:
            args[name] = REDACTED
    if "language" in args and not _LANGUAGE_CODE.fullmatch(str(args["language"])):
        args["language"] = REDACTED
    for name, column in (("region", Call.regions), ("topic", Call.topics)):
        if name in args and args[name] not in _offered_keys(column):
            args[name] = REDACTED
    return urlencode(args, doseq=True, safe="[]")


def _offered_keys(column) -> set[str]:
    """Return the option keys (regions or topics) any call offers."""
    return {
        option["key"] for options in db.session.scalars(select(column)) for option in options or ()
    }
