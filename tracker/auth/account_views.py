"""A signed-in staff member's own account: choosing a new password."""

from __future__ import annotations

from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts import passwords
from tracker.accounts.common import AccountError
from tracker.accounts.sessions import safe_next_path
from tracker.auth import bp
from tracker.auth.browser_session import start_session
from tracker.auth.forms import ChangePasswordForm
from tracker.auth.limits import (
    failed_tries_per_account,
    note_failed_attempt,
    signed_in_account,
)
from tracker.auth.pages import landing, render_form
from tracker.web.access import reviewer


@bp.route("/password", methods=["GET", "POST"])
@failed_tries_per_account(signed_in_account)
@reviewer
def change_password():
    """Let a signed-in staff member choose a new password (required after a one-time one)."""
    form = ChangePasswordForm()
    next_path = safe_next_path(request.values.get("next"))
    if request.method == "GET":
        form.next.data = next_path or ""
        return render_form("auth/change_password.html", form)
    if not form.validate():
        return render_form("auth/change_password.html", form)
    user = current_user._get_current_object()
    try:
        passwords.change_password(user, form.current_password.data, form.new_password.data, by=user)
    except passwords.WrongPasswordError as error:
        note_failed_attempt()
        form.current_password.errors = [str(error)]
        return render_form("auth/change_password.html", form)
    except AccountError as error:
        form.new_password.errors = [str(error)]
        return render_form("auth/change_password.html", form)
    # Every other session ended with the old version; this one continues, renewed.
    start_session(user)
    flash(_("Your new password is set. You have been signed out everywhere else."), "success")
    return redirect(next_path or landing())
