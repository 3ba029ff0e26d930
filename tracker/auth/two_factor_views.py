"""Two-factor sign-in: the code after the password, setting up an app, turning it off."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts import two_factor
from tracker.accounts.sessions import safe_next_path
from tracker.auth import bp
from tracker.auth.browser_session import (
    enrolment_secret,
    forget_enrolment_secret,
    forget_pending,
    pending_next_path,
    pending_user,
    start_session,
)
from tracker.auth.forms import TwoFactorDisableForm, TwoFactorForm, TwoFactorSetupForm
from tracker.auth.limits import (
    failed_tries_per_account,
    failed_tries_per_ip,
    note_failed_attempt,
    pending_account,
    signed_in_account,
)
from tracker.auth.pages import after_sign_in, landing, render_form, two_factor_setup_page
from tracker.extensions import csrf
from tracker.models import User
from tracker.web.access import public, reviewer


def _flash_recovery_code_used(user: User) -> None:
    flash(
        _(
            "You signed in with a recovery code. %(count)s codes are left; "
            "set up your app again to get new ones.",
            count=two_factor.remaining_recovery_codes(user),
        ),
        "info",
    )


# The endpoint is "auth.two_factor"; the function has another name so as not to hide the
# two_factor module.
@bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@csrf.exempt  # the form checks its token itself, to answer an expired one kindly
@failed_tries_per_ip()
@failed_tries_per_account(pending_account)
@public  # the visitor is not signed in yet: only the pending state in the session counts
def two_factor_login():
    """Ask for the second factor after a right password; then sign in."""
    user = pending_user()
    if user is None:
        forget_pending()
        flash(_("Please sign in again: the time to enter your code has run out."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if request.method == "GET" or not form.validate():
        return render_form("auth/two_factor.html", form)
    code = form.code.data
    if not two_factor.check_sign_in_code(user, code):
        note_failed_attempt()
        form.code.errors = [_("This code is not right, or it has been used already.")]
        return render_form("auth/two_factor.html", form)
    next_path = pending_next_path()
    # A fresh session, as after a password alone: the pending key goes with the old one.
    start_session(user)
    if not two_factor.is_app_code(code):
        _flash_recovery_code_used(user)
    return redirect(after_sign_in(next_path))


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@failed_tries_per_account(signed_in_account)
@reviewer
def two_factor_setup():
    """Set up an authenticator app: QR code, secret, a confirming code, recovery codes."""
    user = current_user._get_current_object()
    form = TwoFactorSetupForm()
    next_path = safe_next_path(request.values.get("next"))
    fresh = request.method == "GET" and bool(request.args.get("new"))
    secret = enrolment_secret(user, fresh=fresh)
    if request.method == "POST" and form.validate():
        try:
            codes = two_factor.confirm_enrolment(user, secret, form.code.data)
        except two_factor.TwoFactorError as error:
            note_failed_attempt()
            form.code.errors = [str(error)]
        else:
            forget_enrolment_secret()
            # Shown in this answer only (no redirect): the codes are stored as hashes.
            return render_template(
                "auth/two_factor_codes.html", codes=codes, next_path=next_path or landing()
            )
    if request.method == "GET":
        form.next.data = next_path or ""
    return render_form("auth/two_factor_setup.html", form, **two_factor_setup_page(user, secret))


@bp.post("/two-factor/disable")
@failed_tries_per_account(signed_in_account)
@reviewer
def two_factor_disable():
    """Turn two-factor sign-in off, after a current code (not for admins who need it)."""
    user = current_user._get_current_object()
    form = TwoFactorDisableForm()
    if two_factor.is_mandatory(user):
        flash(_("Administrators must keep two-factor sign-in."), "error")
        return redirect(url_for("auth.two_factor_setup"))
    if not form.validate() or not two_factor.verify(user, form.code.data):
        note_failed_attempt()
        flash(_("This code is not right, or it has been used already."), "error")
        return redirect(url_for("auth.two_factor_setup"))
    two_factor.disable(user, by=user)
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("auth.change_password"))
