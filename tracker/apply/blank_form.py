"""The blank application form, drawn once per call and language, then only filled in.

Every applicant starts from the same page: the call's text, its regions and topics, the
labels in one language. Only two values differ from one visit to the next, the CSRF token
and the form ticket. Drawing the page's ~60 fields and ~100 translated strings took most
of a GET's time, so each app keeps the page drawn with stand-ins for those two values
(`tracker.app_cache`) and puts each request's own values in their place: the bytes are
exactly those a fresh drawing would give. The call's own content is part of the key, so an
edited call is drawn anew.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

from flask import request, session
from markupsafe import escape

from tracker.app_cache import kept
from tracker.models import Call


def blank_page(
    call: Call, language: str, *, token: str, ticket: str, draw: Callable[[str, str], str]
) -> str:
    """Return the blank form page of *call* in *language* with this visit's CSRF *token*
    and form *ticket*; ``draw(token, ticket)`` renders it when needed.

    Only a drawing builds the form: a page from the cache needs nothing but the two values.
    A page with a message flashed to this visitor is always drawn afresh.
    """
    if "_flashes" in session:
        return draw(token, ticket)
    key = (language, request.script_root, _content_of(call))
    parts = kept("blank_pages", key, lambda: _drawn_with_stand_ins(draw))
    # None: the page cannot be filled in (see below) and is drawn for each request.
    if parts is None:
        return draw(token, ticket)
    before, between, after = parts
    return f"{before}{escape(token)}{between}{escape(ticket)}{after}"


def _content_of(call: Call) -> str:
    """Return everything of *call* the form page shows, as one string to key it by."""
    return json.dumps(
        [
            call.id,
            call.slug,
            call.title,
            call.description,
            call.regions,
            call.topics,
            call.privacy_notice,
            call.privacy_version,
        ],
        sort_keys=True,
    )


def _drawn_with_stand_ins(draw: Callable[[str, str], str]) -> tuple[str, str, str] | None:
    """Draw the page with stand-ins for the token and the ticket; return the text around
    them, or None if either does not appear exactly once, in that order."""
    token_mark, ticket_mark = (f"blank-form-{secrets.token_hex(16)}" for _ in range(2))
    page = draw(token_mark, ticket_mark)
    if page.count(token_mark) != 1 or page.count(ticket_mark) != 1:
        return None
    before, _mark, rest = page.partition(token_mark)
    between, _mark, after = rest.partition(ticket_mark)
    if ticket_mark in before:
        return None
    return before, between, after
