"""What the sign-in pages render and where they send people: shared by the auth views."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from tracker.accounts import two_factor
from tracker.accounts.common import PASSWORD_MIN_LENGTH
from tracker.auth.forms import TwoFactorDisableForm
from tracker.inbox.saved_views import start_filter
from tracker.models import User
from tracker.web.forms_common import error_summary


def render_form(template: str, form, *, problem: str | None = None, status: int = 200, **context):
    """Render a form page with its error summary; answer 400 when something is wrong."""
    errors = error_summary(form)
    if getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
        # The session's token is gone (the cookie expired or was cleared): say so plainly.
        problem = _("This page had expired. Please try again.")
    if (errors or problem) and status == 200:
        status = 400
    return (
        render_template(
            template,
            form=form,
            errors=errors,
            problem=problem,
            password_min_length=PASSWORD_MIN_LENGTH,
            **context,
        ),
        status,
    )


def no_store(body: str, status: int):
    """Answer a page whose address holds a token: kept out of caches and Referers."""
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def landing() -> str:
    """Return where a staff member goes after signing in when no page was asked for: the
    inbox, or the saved view they chose as their start page."""
    start = start_filter(current_user)
    return url_for("review.inbox", **(start.to_args() if start else {}))


def after_sign_in(next_path: str | None) -> str:
    """Return where the signed-in user goes now: a required step first, else *next_path*."""
    if current_user.password_change_required:
        return url_for("auth.change_password", next=next_path)
    if two_factor.is_required(current_user):
        return url_for("auth.two_factor_setup", next=next_path)
    return next_path or landing()


def two_factor_setup_page(user: User, secret: str) -> dict:
    """Return what the two-factor setup page shows *user*, who is enrolling *secret*."""
    uri = two_factor.provisioning_uri(user, secret)
    return {
        "secret": secret,
        # Our own markup from segno (no user text in it: the address is inside the QR
        # modules, not in any text node), so it may go into the page unescaped.
        "qr_code": Markup(two_factor.qr_svg(uri)),  # noqa: S704
        "enrolled": bool(user.totp_secret),
        "required": two_factor.is_required(user),
        "remaining": two_factor.remaining_recovery_codes(user) if user.totp_secret else 0,
        "disable_form": TwoFactorDisableForm(formdata=None),
        "may_disable": bool(user.totp_secret) and not two_factor.is_mandatory(user),
    }
