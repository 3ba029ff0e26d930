"""A guest reviewer's last day: after it they cannot sign in, and an open session ends."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts.guests import access_ended, access_ends_on
from tracker.auth.browser_session import end_session
from tracker.dates import day
from tracker.models import User
from tracker.web.access import Policy, policy_of


def ended_access_message(user: User) -> str | None:
    """Return why *user* may not sign in any more (a guest after their last day), or None."""
    if not access_ended(user):
        return None
    return _(
        "Your access as a guest reviewer ended on %(date)s. If you need it longer, please "
        "ask the editor who invited you.",
        date=day(access_ends_on(user)),
    )


def end_ended_guest_session():
    """Sign out a guest whose access ended, on their first request after it, and say why."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    message = ended_access_message(current_user)
    if message is None:
        return None
    end_session()
    flash(message, "error")
    if policy_of(request.endpoint) is Policy.PUBLIC:
        return None
    return redirect(url_for("auth.login"))
