"""Files a browser asks for by a fixed name, outside /static/: the site's icon."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from pathlib import Path

from flask import Response, current_app

from tracker.apply import bp
from tracker.web.access import public

# The icon changes perhaps once in the site's life; a week spares every page view a request.
ICON_MAX_AGE = timedelta(days=7)


@cache
def icon_bytes(static_folder: str) -> bytes:
    """Return the icon's bytes, read once: a page view never opens the file.

    An open file handed to the server is left for the garbage collector when a browser
    drops the connection mid-answer (it often does for icons); a few bytes in memory are not.
    """
    return (Path(static_folder) / "favicon.ico").read_bytes()


@bp.get("/favicon.ico")
@public
def favicon():
    """Serve the site's icon where browsers look for it even when no page links it."""
    response = Response(icon_bytes(current_app.static_folder), mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = int(ICON_MAX_AGE.total_seconds())
    return response
