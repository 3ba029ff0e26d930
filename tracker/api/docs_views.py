"""The API's OpenAPI 3.1 document and its human page, both open to anyone (no token)."""

from __future__ import annotations

import copy

from flask import current_app, render_template

from tracker.api import bp, spec
from tracker.web.access import public
from tracker.web.problems import PROBLEM_MIMETYPE


def openapi_document() -> dict:
    """Return the OpenAPI document spectree builds, with each error answer declared as
    what it is: problem+json (spectree declares every body application/json)."""
    document = copy.deepcopy(spec.spec)
    document["servers"] = [{"url": "/"}]
    for operations in document["paths"].values():
        for operation in operations.values():
            operation["responses"] = dict(sorted(operation["responses"].items()))
            for status, answer in operation["responses"].items():
                content = answer.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    content[PROBLEM_MIMETYPE] = content.pop("application/json")
    return document


@bp.get("/openapi.json")
@public
def openapi():
    """Serve the OpenAPI 3.1 document of this API."""
    return current_app.json.response(openapi_document())


@bp.get("/docs")
@public
def docs():
    """Show the API reference, drawn from the OpenAPI document on our own page."""
    return render_template("api/docs.html", document=openapi_document())
