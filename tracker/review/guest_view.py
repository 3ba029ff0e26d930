"""What a guest reviewer sees of a candidate: the documents and answers without contact
details, only the comments shared with guests and their own, and no team business.

Hidden from guests: the email address, the phone number and every link the applicant gave
(profile and social links, and the writing sample's URL: it may well be a personal page);
the email address and phone number are also blanked out of the text shown from the cover
letter and the documents. Not shown at all: the other applications and versions of the
person (found by email address), emails, assignments, tags and recusals in the timeline,
and the notes of status changes. The files themselves are sent as they were uploaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext

from tracker.applications.timeline import TimelineEntry
from tracker.models import Application, User
from tracker.quoted_search import MIN_PHONE_DIGITS

# The timeline kinds a guest sees (comments only where they may, see comment_visible).
GUEST_TIMELINE_KINDS = frozenset({"submitted", "status", "rating", "comment"})


def comment_visible(comment, viewer: User) -> bool:
    """Tell whether *viewer* may read *comment*: the staff all, a guest the shared and their own."""
    return not viewer.is_guest or comment.shared_with_guests or comment.author_id == viewer.id


def guest_entries(entries: list[TimelineEntry], viewer: User) -> list[TimelineEntry]:
    """Return the timeline entries *viewer* may see (all of them for the staff)."""
    if not viewer.is_guest:
        return entries
    return [
        entry
        for entry in entries
        if entry.kind in GUEST_TIMELINE_KINDS
        and (entry.kind != "comment" or comment_visible(entry.item, viewer))
    ]


def redactor(application: Application, viewer: User) -> Callable[[str | None], str]:
    """Return a function that blanks the applicant's email address and phone number out of
    a text, for a guest; for the staff it returns the text unchanged."""
    if not viewer.is_guest:
        return lambda text: text or ""
    hidden = gettext("[hidden]")
    patterns = [re.escape(application.email)] if application.email else []
    digits = re.sub(r"[^0-9]", "", application.phone or "")
    if len(digits) >= MIN_PHONE_DIGITS:
        # The number's digits with anything people write between them.
        patterns.append(r"\+?" + r"[\s\-./()]*".join(digits))
    if not patterns:
        return lambda text: text or ""
    expression = re.compile("|".join(patterns), re.IGNORECASE)
    return lambda text: expression.sub(hidden, text or "")
