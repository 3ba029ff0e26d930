"""The insight dashboard: large numbers, funnel, weekly arrivals, regional coverage."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from tracker.admin import bp
from tracker.admin.dashboard_page import dashboard_page
from tracker.extensions import db
from tracker.models import Call, utcnow
from tracker.web.access import staff


def _selected_call() -> Call | None:
    value = request.args.get("call", "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        abort(404)
    return db.get_or_404(Call, int(value))


@bp.get("/dashboard")
@staff
def dashboard():
    """Show the numbers of all calls, or of the call chosen with ?call=<id>."""
    page = dashboard_page(
        _selected_call(),
        language=str(get_locale()),
        now=utcnow(),
        viewer=current_user._get_current_object(),
    )
    return render_template("admin/dashboard.html", **page.as_context())
