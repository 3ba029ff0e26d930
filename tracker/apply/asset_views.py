"""Files a browser asks for by a fixed name, outside /static/: the site's icon."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, send_from_directory

from tracker.apply import bp
from tracker.web.access import public

# The icon changes perhaps once in the site's life; a week spares every page view a request.
ICON_MAX_AGE = timedelta(days=7)


@bp.get("/favicon.ico")
@public
def favicon():
    """Serve the site's icon where browsers look for it even when no page links it."""
    return send_from_directory(
        current_app.static_folder,
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=int(ICON_MAX_AGE.total_seconds()),
    )
