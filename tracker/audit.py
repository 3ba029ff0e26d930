"""The audit log: one row per change or download, written in the change's transaction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, or_, select

from tracker.extensions import db
from tracker.inbox.filter import InboxFilter
from tracker.models import Application, AuditEvent, Call, User

REDACTED = "[redacted]"
AUDIT_PAGE_SIZE = 100

# The kinds of event the audit log filters by: the one place that maps action names to
# kinds. A name ending in "." stands for every action it starts (export.csv, export.xlsx …).
AUDIT_KINDS: dict[str, tuple[str, ...]] = {
    "exports": ("export.", "application.subject_access_exported"),
    "emails": ("email.", "application.status_link_reissued", "status_link.requested"),
    "downloads": ("document.downloaded",),
    "status_changes": ("application.status_changed",),
    "guests": ("guest.",),
    "api": ("api.", "api_token."),
    "at_risk": ("candidate.at_risk_request", "need_to_know."),
}
AUDIT_KIND_LABELS = {
    "": _l("All events"),
    "exports": _l("Exports"),
    "emails": _l("Emails"),
    "downloads": _l("Downloads"),
    "status_changes": _l("Status changes"),
    "guests": _l("Guest reviewers"),
    "api": _l("API"),
    "at_risk": _l("Applicants at risk"),
}
# The API token acting in this request (id, name), named in every event it causes.
_acting_token: ContextVar[tuple[int, str] | None] = ContextVar("acting_token", default=None)

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
    acting = _acting_token.get()
    if acting is not None:
        details = {**details, "api_token": acting[0], "api_token_name": acting[1]}
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        application_id=application.id if application is not None else None,
        details=details,
    )
    db.session.add(event)
    return event


@contextmanager
def acting_through_token(token_id: int, name: str) -> Iterator[None]:
    """Name the API token *token_id* in every audit event recorded inside the block: a
    status changed through the API says which token changed it, beside its admin."""
    reset = _acting_token.set((token_id, name))
    try:
        yield
    finally:
        _acting_token.reset(reset)


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


def audit_kind(value: str | None) -> str:
    """Return *value* if it names a kind of event, else "" (all events)."""
    return value if value in AUDIT_KINDS else ""


def audit_events_query(
    *,
    application_id: int | None = None,
    kind: str = "",
    action: str | None = None,
    actor_id: int | None = None,
) -> Select:
    """Return the audit events matching the filters, newest first, as a query to paginate.

    Both orderings use an index: ``(application_id, created_at)`` for one candidate and
    ``created_at`` for the whole log.
    """
    query = select(AuditEvent)
    if application_id is not None:
        query = query.where(AuditEvent.application_id == application_id)
    if kind in AUDIT_KINDS:
        query = query.where(
            or_(
                *(
                    AuditEvent.action.startswith(name, autoescape=True)
                    if name.endswith(".")
                    else AuditEvent.action == name
                    for name in AUDIT_KINDS[kind]
                )
            )
        )
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def audit_page(page: int, **filters) -> Pagination:
    """Return page *page* of the events :func:`audit_events_query` selects, newest first.

    AUDIT_PAGE_SIZE a page; a page number below 1 shows the first page, one past the end
    an empty page.
    """
    return db.paginate(
        audit_events_query(**filters),
        page=page,
        per_page=AUDIT_PAGE_SIZE,
        max_per_page=AUDIT_PAGE_SIZE,
        error_out=False,
    )
