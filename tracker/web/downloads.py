"""Exports answered as files: streamed, named, never cached, never sniffed."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context


def export_response(
    chunks: Iterator, content_type: str, filename: str, *, response_class: type = Response
):
    """Return *chunks* streamed as the attachment *filename*.

    The chunks read the database while they stream, so the request's context is kept for
    them. *response_class* is Werkzeug's own for the API: spectree reads a Flask response
    whole to validate it, which would hold the export in memory.
    """
    response = response_class(stream_with_context(chunks), content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Lists of people: no shared or browser cache may keep a copy.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
