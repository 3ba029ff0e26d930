"""Staff sign-in and sign-out, and resetting a forgotten password by email."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts import passwords
from tracker.accounts.common import AccountError
from tracker.accounts.sessions import authenticate, safe_next_path, sign_out
from tracker.auth import bp
from tracker.auth.browser_session import begin_second_factor, end_session, start_session
from tracker.auth.forms import LoginForm, ResetPasswordForm, ResetRequestForm
from tracker.auth.guest_guard import ended_access_message
from tracker.auth.limits import (
    failed_tries_per_account,
    failed_tries_per_ip,
    note_failed_attempt,
    reset_limit_per_ip,
    submitted_account,
)
from tracker.auth.pages import after_sign_in, no_store, render_form
from tracker.extensions import csrf, limiter
from tracker.web.access import public, reviewer


@bp.route("/login", methods=["GET", "POST"])
# The form checks its own CSRF token, so that an expired one gets a kind message.
@csrf.exempt
@failed_tries_per_ip()
@failed_tries_per_account(submitted_account)
@public
def login():
    """Show the sign-in form; sign a staff member in."""
    form = LoginForm()
    if current_user.is_authenticated:
        return redirect(after_sign_in(safe_next_path(request.args.get("next"))))
    if request.method == "GET":
        form.next.data = safe_next_path(request.args.get("next")) or ""
        return render_form("auth/login.html", form)
    if not form.validate():
        return render_form("auth/login.html", form)
    user = authenticate(form.email.data, form.password.data)
    if user is None:
        note_failed_attempt()
        # One message for unknown addresses, wrong passwords and inactive accounts.
        problem = _("The email address or the password is not right. Please try again.")
    else:  # a guest after their last day, who gave the right password
        problem = ended_access_message(user)
    if problem is not None:
        return render_form("auth/login.html", form, problem=problem)
    next_path = safe_next_path(form.next.data)
    if user.totp_secret:
        begin_second_factor(user, next_path)
        return redirect(url_for("auth.two_factor"))
    start_session(user)
    return redirect(after_sign_in(next_path))


@bp.post("/logout")
@reviewer
def logout():
    """Sign out: this browser, and every copy of its session cookie."""
    sign_out(current_user._get_current_object())
    end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@csrf.exempt
@limiter.limit(reset_limit_per_ip, methods=["POST"])
@public
def request_reset():
    """Send a link to choose a new password; the answer never tells if an account exists."""
    form = ResetRequestForm()
    if request.method == "GET" or not form.validate():
        return render_form("auth/request_reset.html", form)
    passwords.request_password_reset(form.email.data, language=str(get_locale()))
    flash(
        _(
            "If this address belongs to a staff account, we have sent a link to it. "
            "The link works once, for %(minutes)s minutes.",
            minutes=passwords.password_reset_max_age() // 60,
        ),
        "info",
    )
    return redirect(url_for("auth.login"))


def _link_refused(error: passwords.PasswordResetError):
    return no_store(render_template("auth/reset_invalid.html", message=str(error)), 400)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@csrf.exempt
@public
def reset_password(token: str):
    """Set a new password with the link from the reset email."""
    try:
        passwords.check_password_reset_token(token)
    except passwords.PasswordResetError as error:
        return _link_refused(error)
    form = ResetPasswordForm()
    if request.method == "GET" or not form.validate():
        return no_store(*render_form("auth/reset_password.html", form))
    try:
        passwords.reset_password(token, form.new_password.data)
    except passwords.PasswordResetError as error:
        return _link_refused(error)
    except AccountError as error:
        form.new_password.errors = [str(error)]
        return no_store(*render_form("auth/reset_password.html", form))
    # Whoever was signed in on this browser is signed out: the new password is a new start.
    end_session()
    flash(_("Your new password is set. Please sign in with it."), "success")
    return redirect(url_for("auth.login"))
