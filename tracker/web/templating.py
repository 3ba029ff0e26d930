"""Helpers that every page template can call."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The staff menu: (endpoint, label, admins only).
STAFF_NAVIGATION = (
    ("review.inbox", _l("Inbox"), False),
    ("review.outbox", _l("Outbox"), False),
    ("admin.dashboard", _l("Dashboard"), False),
    ("admin.calls", _l("Calls"), True),
    ("admin.team", _l("Team"), True),
    ("admin.email_templates", _l("Email templates"), True),
    ("review.audit_log", _l("Audit log"), True),
)


def field_aria(field, hint: bool = False) -> dict[str, str]:
    """Return the ARIA attributes that tie *field* to its hint and error message."""
    described = []
    if hint:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
    attributes = {}
    if described:
        attributes["aria-describedby"] = " ".join(described)
    if field.errors:
        attributes["aria-invalid"] = "true"
    return attributes
