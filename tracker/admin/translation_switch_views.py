"""Admin → Machine translation: turn the editors' German previews on or off (audited)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.admin import bp
from tracker.translation.endpoint import configured_endpoint
from tracker.translation.previews import MAX_SENT_CHARACTERS
from tracker.translation.switch import switch_previews, switch_state
from tracker.web.access import admin


@bp.get("/translation")
@admin
def translation():
    """Show whether a service is configured, the switch, and who changed it last."""
    return render_template(
        "admin/translation.html",
        endpoint=configured_endpoint(current_app.config),
        state=switch_state(),
        max_characters=MAX_SENT_CHARACTERS,
    )


@bp.post("/translation")
@admin
def switch_translation():
    """Turn machine-translated previews on or off."""
    choice = request.form.get("previews")
    if choice not in ("on", "off"):
        abort(400)
    changed = switch_previews(choice == "on", by=current_user._get_current_object())
    if not changed:
        flash(_("Nothing changed."), "info")
    elif choice == "on":
        flash(_("Machine-translated previews are on."), "success")
    else:
        flash(_("Machine-translated previews are off."), "success")
    return redirect(url_for("admin.translation"))
