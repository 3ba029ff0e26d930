"""Error pages that keep the site's layout and never show a traceback."""

from __future__ import annotations

import contextlib
import math
import time
from datetime import UTC, datetime, timedelta

from flask import Flask, Response, current_app, render_template
from flask_babel import format_decimal, format_timedelta, gettext
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from tracker.documents.storage.backend import StorageUnreachable, is_out_of_space
from tracker.extensions import db, limiter
from tracker.web.problems import is_api_request, problem_response

ERROR_PAGES = (400, 403, 404, 405, 413, 429, 500, 503)
# How long a client is asked to wait after a 503: a held lock or a restarting database
# server is usually gone within seconds.
RETRY_AFTER_SECONDS = 10
# SQLite reports these conditions as OperationalError; everything else it reports that way
# ("no such table", a syntax error) is a bug and stays a 500.
_SQLITE_TRANSIENT = ("database is locked", "database is busy", "database or disk is full")


class DatabaseUnavailable(ServiceUnavailable):
    """The database is locked, restarting or unreachable: nothing was saved, try again."""


class StorageUnavailable(ServiceUnavailable):
    """The disk holding uploads (or the database) is full: nothing was saved, try again."""


def _message(code: int, error: HTTPException | None = None) -> tuple[str, str]:
    """Return the heading and the advice shown for *code* (or for *error*'s kind)."""
    if isinstance(error, StorageUnavailable):
        return gettext("We cannot store files right now"), gettext(
            "Nothing was saved. Please try again later; if it keeps happening, write to us."
        )
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
        429: (gettext("Too many attempts"), wait_advice(seconds_to_wait(error))),
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


def seconds_to_wait(error: HTTPException | None = None) -> int | None:
    """Return how long the client must wait after a 429, in seconds, if it is known.

    A breached rate limit knows when its window ends (Flask-Limiter's Retry-After says the
    same); otherwise an error raised with ``retry_after`` says it.
    """
    breached = limiter.current_limit
    if breached is not None and breached.breached:
        # As Flask-Limiter computes Retry-After, so that the page and the header agree.
        return max(1, int(breached.reset_at - time.time()))
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, datetime):
        return max(1, math.ceil((retry_after - datetime.now(UTC)).total_seconds()))
    return retry_after if isinstance(retry_after, int) else None


def wait_advice(seconds: int | None) -> str:
    """Say "Please try again in 52 minutes." in the page's language, never too early.

    The wait is rounded up (to the minute under an hour, else to the hour): an applicant
    who comes back when the page said must not be refused again.
    """
    if seconds is None:
        return gettext("Please wait a few minutes, then try again.")
    if seconds > 3600:
        seconds = math.ceil(seconds / 3600) * 3600
    elif seconds > 60:
        seconds = math.ceil(seconds / 60) * 60
    # threshold=1: 52 minutes stay "52 minutes" (Babel's default would say "1 hour").
    when = format_timedelta(timedelta(seconds=seconds), threshold=1, add_direction=True)
    return gettext("Please try again %(when)s.", when=when)


def tell_when_to_retry(response: Response) -> Response:
    """Give a 429 of a breached rate limit its Retry-After: the seconds its window has left.

    Flask-Limiter's own headers (RATELIMIT_HEADERS_ENABLED) would add it, with the three
    X-RateLimit-* headers, to every response of every limited route, reading the limit's
    window from Redis twice for each: four round trips on each post of the application
    form, for a header that only a refusal needs.
    """
    if response.status_code == 429 and "Retry-After" not in response.headers:
        seconds = seconds_to_wait()
        if seconds is not None:
            response.headers["Retry-After"] = str(seconds)
    return response


def render_error(error: HTTPException):
    """Render the page for an HTTP error, keeping headers such as Retry-After."""
    if is_api_request():
        return problem_response(error, detail=_api_detail(error))
    if error.response is not None:
        # A page of the view's own for this error, e.g. the application form shown again
        # with what was typed when a rate limit refused it (apply.views).
        return error.response
    code = error.code or 500
    heading, advice = _message(code, error)
    response = current_app.make_response(
        (render_template("errors/error.html", code=code, heading=heading, advice=advice), code)
    )
    headers = dict(error.get_headers())
    for name in ("Retry-After", "Allow"):
        if name in headers:
            response.headers[name] = headers[name]
    return response


def _api_detail(error: HTTPException) -> str | None:
    """Return the API's detail for errors whose own description is meant for people."""
    if isinstance(error, ServiceUnavailable):
        return f"Nothing was changed. Please try again in {RETRY_AFTER_SECONDS} seconds."
    if isinstance(error, InternalServerError):
        return "Something went wrong on our side. Nothing was changed."
    if error.code == 429:
        return f"Too many requests with this token. Try again in {seconds_to_wait(error)} seconds."
    return None


def render_internal_error(error: Exception):
    """Roll back whatever the failed request wrote and show the generic page."""
    db.session.rollback()
    current_app.logger.exception("Unhandled error", exc_info=error)
    return render_error(InternalServerError())


def is_transient_database_error(error: BaseException) -> bool:
    """Tell whether *error* means "the database cannot answer now", not a bug.

    SQLite: the lock was held longer than the busy timeout, or the disk is full.
    PostgreSQL: the connection failed or was cut (server restart, network), which psycopg
    raises as OperationalError or InterfaceError; the pool replaces dead pooled
    connections (postgresql.replace_closed_connections), so the next request gets a fresh
    one once the server is back.
    """
    if isinstance(error, sa_exc.TimeoutError):
        return True  # every pooled connection busy for pool_timeout seconds
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    if db.engine.dialect.name == "sqlite":
        text = str(error.orig).lower()
        return any(marker in text for marker in _SQLITE_TRANSIENT)
    return True


def is_disk_full(error: BaseException) -> bool:
    """Tell whether *error* is "no space left on device" (or over quota), or the storage
    service (S3) did not answer: either way no file can be stored right now."""
    return isinstance(error, StorageUnreachable) or is_out_of_space(error)


def render_unavailable(error: Exception):
    """Roll back the failed request and answer 503 with Retry-After, without a traceback.

    The request wrote nothing that stays: the session is rolled back here, and the upload
    pipeline removes its staged and stored files before the error reaches us.
    """
    # The connection may be gone already; the rollback then has nothing left to undo.
    with contextlib.suppress(Exception):
        db.session.rollback()
    disk_full = is_disk_full(error) or (
        isinstance(error, sa_exc.OperationalError) and "disk is full" in str(error.orig).lower()
    )
    # One line, no traceback and no statement parameters (hide_parameters): the cause is
    # operational, and the log must not fill with applicants' data during an outage.
    current_app.logger.warning(
        "503 %s: %s",
        "storage full or unreachable" if disk_full else "database unavailable",
        type(error).__name__,
    )
    kind = StorageUnavailable if disk_full else DatabaseUnavailable
    unavailable = kind(retry_after=RETRY_AFTER_SECONDS)
    try:
        return render_error(unavailable)
    except Exception:
        # The error page itself needed the database (e.g. to load the signed-in user).
        db.session.rollback()
        response = current_app.response_class(
            gettext("We are busy right now. Nothing was saved. Please try again in a minute."),
            status=503,
            mimetype="text/plain",
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def register(app: Flask) -> None:
    """Install the error handlers on *app*, and the end of each request's database session."""
    for code in ERROR_PAGES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(Exception, _dispatch)
    app.after_request(tell_when_to_retry)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs before it (Flask calls
    # them in reverse): the session is already gone when Flask-SQLAlchemy's turn comes.
    app.teardown_appcontext(end_session)


def end_session(_error: BaseException | None = None) -> None:
    """End the request's database session, even when the database went away meanwhile.

    Ending it rolls back the open transaction. When PostgreSQL was restarted while the
    request ran, that ROLLBACK fails outside every error handler, and the answer already
    made (a 503 page, or even the redirect after a stored application) would reach the
    client as a bare 500. The server ended the transaction itself when it cut the
    connection: the dead connection is dropped instead, and the pool opens a new one.
    """
    try:
        db.session.remove()
    except sa_exc.DBAPIError as error:
        if not is_transient_database_error(error):
            raise
        current_app.logger.warning(
            "database connection lost as a request ended: %s", type(error.orig).__name__
        )
        db.session().invalidate()
        db.session.remove()


def _dispatch(error: Exception):
    if isinstance(error, HTTPException):
        return render_error(error)
    if is_transient_database_error(error) or is_disk_full(error):
        return render_unavailable(error)
    return render_internal_error(error)
