"""Admin → API tokens: the list, a new token (its secret shown once), revoking one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.api_token_forms import ApiTokenForm
from tracker.api_tokens import all_tokens, create_token, revoke_token, token_state
from tracker.auth.pages import no_store
from tracker.extensions import db
from tracker.models import ApiToken
from tracker.web.access import admin
from tracker.web.forms_common import error_summary


def _render_tokens(form: ApiTokenForm, **context):
    """Render the token page; never cached, as it may hold a new token's secret."""
    errors = error_summary(form)
    body = render_template(
        "admin/api_tokens.html",
        tokens=all_tokens(),
        state_of=token_state,
        form=form,
        errors=errors,
        **context,
    )
    return no_store(body, 400 if errors else 200)


@bp.get("/api")
@admin
def api_tokens():
    """List the API tokens and offer the form for a new one."""
    return _render_tokens(ApiTokenForm())


@bp.post("/api")
@admin
def create_api_token():
    """Create a token and show its secret in this answer, the only time it is shown.

    Rendered, not redirected: the secret must not travel through the session, a flashed
    message or a URL, and the answer is not stored by any cache (no-store).
    """
    form = ApiTokenForm()
    if not form.validate():
        return _render_tokens(form)
    token, secret = create_token(
        form.name.data,
        form.scopes.data,
        by=current_user._get_current_object(),
        expires_days=form.expires_days,
    )
    form.mark_sent()
    return _render_tokens(ApiTokenForm(formdata=None), created=token, secret=secret)


@bp.get("/api/<int:token_id>/revoke")
@admin
def confirm_revoke_api_token(token_id: int):
    """Ask whether to revoke the token."""
    token = db.get_or_404(ApiToken, token_id)
    return render_template("admin/api_token_revoke.html", token=token)


@bp.post("/api/<int:token_id>/revoke")
@admin
def revoke_api_token(token_id: int):
    """Revoke the token: every request with it is refused from now on."""
    token = db.get_or_404(ApiToken, token_id)
    if revoke_token(token, by=current_user._get_current_object()):
        flash(
            _("The token “%(name)s” is revoked: requests with it are refused.", name=token.name),
            "success",
        )
    else:
        flash(_("The token “%(name)s” was revoked already.", name=token.name), "info")
    return redirect(url_for("admin.api_tokens"))
