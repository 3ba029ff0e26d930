"""Helpers that every page template can call."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

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


# Marks, embeddings, overrides and isolates: the characters that change text direction.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def isolate(text) -> Markup:
    """Return *text* escaped and wrapped in FSI … PDI, its own direction controls removed.

    For plain-text places where no ``<bdi>`` can go, such as a page's ``<title>``: a
    right-to-left override in an applicant's text then cannot reorder what follows it.
    """
    inner = _BIDI_CONTROLS.sub("", str(text if text is not None else ""))
    return Markup("\u2068") + escape(inner) + Markup("\u2069")
