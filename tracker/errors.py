"""Error pages that keep the site's layout and never show a traceback."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_babel import format_decimal, gettext
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

ERROR_PAGES = (400, 403, 404, 405, 413, 429, 500, 503)


def _message(code: int) -> tuple[str, str]:
    """Return the heading and the advice shown for *code*."""
    if code == 413:
        limit_mb = current_app.config["MAX_FILE_SIZE"] / (1024 * 1024)
        total_mb = current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
        return gettext("Your files are too large"), gettext(
            "Each file may be up to %(limit)s MB, and everything sent together up to "
            "%(total)s MB. Please make the file smaller – for example save it as PDF – "
            "and send the form again.",
            limit=format_decimal(round(limit_mb, 1)),
            total=format_decimal(round(total_mb, 1)),
        )
    messages = {
        400: (
            gettext("We could not understand that request"),
            gettext("Please go back, reload the page and try again."),
        ),
        403: (
            gettext("You may not open this page"),
            gettext("If you think you should, ask an administrator."),
        ),
        404: (
            gettext("Page not found"),
            gettext("The address may be mistyped, or the page no longer exists."),
        ),
        405: (
            gettext("That does not work here"),
            gettext("Please go back and use the links and buttons on the page."),
        ),
        429: (
            gettext("Too many attempts"),
            gettext("Please wait a few minutes, then try again."),
        ),
        503: (
            gettext("We are busy right now"),
            gettext("Nothing was saved. Please try again in a minute."),
        ),
    }
    return messages.get(
        code,
        (
            gettext("Something went wrong on our side"),
            gettext("Nothing you sent was lost or half-saved. Please try again later."),
        ),
    )


def render_error(error: HTTPException):
    """Render the page for an HTTP error, keeping headers such as Retry-After."""
    code = error.code or 500
    heading, advice = _message(code)
    response = current_app.make_response(
        (render_template("errors/error.html", code=code, heading=heading, advice=advice), code)
    )
    headers = dict(error.get_headers())
    for name in ("Retry-After", "Allow"):
        if name in headers:
            response.headers[name] = headers[name]
    return response


def render_internal_error(error: Exception):
    """Roll back whatever the failed request wrote and show the generic page."""
    db.session.rollback()
    current_app.logger.exception("Unhandled error", exc_info=error)
    return render_error(InternalServerError())


def register(app: Flask) -> None:
    """Install the error handlers on *app*."""
    for code in ERROR_PAGES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(Exception, _dispatch)


def _dispatch(error: Exception):
    if isinstance(error, HTTPException):
        return render_error(error)
    return render_internal_error(error)
