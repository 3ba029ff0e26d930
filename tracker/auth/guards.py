"""The rules every staff request obeys: sessions run out, and a required password change
or two-factor setup comes before any other page."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker.accounts import two_factor
from tracker.auth import bp
from tracker.auth.browser_session import end_session, expiry, mark_seen, next_here
from tracker.extensions import login_manager
from tracker.web.access import Policy, policy_of

# Pages a signed-in user who must choose a new password may still open.
_PASSWORD_CHANGE_EXEMPT = frozenset({"auth.change_password", "auth.logout", "static"})
# Pages an admin who must set up two-factor sign-in may still open.
_TWO_FACTOR_SETUP_EXEMPT = _PASSWORD_CHANGE_EXEMPT | {"auth.two_factor_setup"}


@bp.record_once
def _configure_login_manager(state) -> None:
    """Send anonymous visitors of staff pages to the sign-in page, with a kind word."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    # The message is flashed into the session, which stores plain strings only.
    login_manager.localize_callback = str


def _expired_message(reason: str) -> str:
    config = current_app.config
    if reason == "idle":
        return _(
            "You were signed out after %(minutes)s minutes without activity. Please sign in again.",
            minutes=config["SESSION_IDLE_MINUTES"],
        )
    return _(
        "You were signed out because you signed in more than %(hours)s hours ago. "
        "Please sign in again.",
        hours=config["SESSION_ABSOLUTE_HOURS"],
    )


@bp.before_app_request
def end_expired_session():
    """Sign out a session that was idle too long or is older than its absolute lifetime."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    now = time.time()
    reason = expiry(now)
    if reason is None:
        mark_seen(now)
        return None
    end_session()
    if policy_of(request.endpoint) is Policy.PUBLIC:
        return None  # an applicant page: carry on, signed out
    flash(_expired_message(reason), "info")
    return redirect(url_for("auth.login", next=next_here()))


@bp.before_app_request
def require_password_change():
    """Keep a user who must choose a new password on that page until they have; then keep
    an admin without two-factor sign-in on its setup page, when the configuration asks."""
    if (
        request.endpoint is None
        or request.endpoint in _PASSWORD_CHANGE_EXEMPT
        or not current_user.is_authenticated
        or policy_of(request.endpoint) is Policy.PUBLIC
    ):
        return None
    if current_user.password_change_required:
        return redirect(url_for("auth.change_password", next=next_here()))
    if request.endpoint not in _TWO_FACTOR_SETUP_EXEMPT and two_factor.is_required(current_user):
        return redirect(url_for("auth.two_factor_setup", next=next_here()))
    return None
