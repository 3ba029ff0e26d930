"""Errors of the JSON API as problem details (RFC 9457): ``application/problem+json``.

Every error under ``/api/`` — a refused token, a missing application, a breached rate
limit, a bug — answers in this form instead of an HTML page, from the same error handlers
(tracker.web.errors), so no path of the API can answer with a page meant for people.
Details are in English, like the API's field names.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/"
PROBLEM_MIMETYPE = "application/problem+json"


class ApiProblem(HTTPException):
    """An API error with a status, a *detail* for the client, and optional extra members
    (``errors`` naming each invalid parameter)."""

    def __init__(self, code: int, detail: str, *, headers: dict | None = None, **extra: Any):
        self.code = code
        super().__init__(description=detail)
        self.extra = extra
        self.headers = headers or {}

    def get_headers(self, environ=None, scope=None) -> list[tuple[str, str]]:
        """Return the problem's own headers (WWW-Authenticate) after the content type."""
        return [*super().get_headers(environ, scope), *self.headers.items()]


def is_api_request() -> bool:
    """Tell whether the current request is one to the JSON API."""
    return request.path.startswith(API_PREFIX)


def problem_response(error: HTTPException, *, detail: str | None = None):
    """Return *error* as a problem+json response, keeping Retry-After, Allow and
    WWW-Authenticate."""
    code = error.code or 500
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(code).phrase,
        "status": code,
        "detail": detail or error.description or HTTPStatus(code).description,
    }
    body.update(getattr(error, "extra", {}))
    response = current_app.json.response(body)
    response.status_code = code
    response.mimetype = PROBLEM_MIMETYPE
    headers = dict(error.get_headers())
    for name in ("Retry-After", "Allow", "WWW-Authenticate"):
        if name in headers:
            response.headers[name] = headers[name]
    return response
