"""Send stored documents back out: to an editor's browser, or as entries of a ZIP.

A document is an applicant's file that passed our checks, but it is still a stranger's
file: it goes out as an attachment that no browser renders or sniffs, under a name that
cannot break the header or the archive it travels in.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response, send_file
from werkzeug.exceptions import NotFound

from tracker.audit import record_event
from tracker.documents.pages import RenderError, render_page
from tracker.documents.storage import local_copy, open_stored_sized
from tracker.documents.validate import CONTENT_TYPES
from tracker.enums import FileType
from tracker.extensions import db
from tracker.models import Document, ReplyAttachment, User

# Characters kept in the ASCII fallback name of the Content-Disposition header.
_FALLBACK_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+-]")
# Characters replaced in names of ZIP entries: anything but word characters, dots,
# hyphens and spaces (no separators, no drive letters, no control characters).
_UNSAFE_MEMBER_NAME = re.compile(r"[^\w.\- ]+")


def send_document(document: Document | ReplyAttachment, *, by: User) -> Response:
    """Return the response that downloads *document* to *by*, and audit it (committed).

    A file attached to an applicant's reply passed the same checks and goes out the same
    way; its audit event names it by ``kind`` ("reply_attachment").

    The content type is fixed to the canonical type of the format we verified at upload,
    never the applicant's; ``nosniff`` and ``CSP: sandbox`` keep a hostile file from
    running as a page of our origin, and ``no-store`` keeps it out of shared caches.

    :raises NotFound: the stored file is missing or was tampered with.
    """
    try:
        handle, size = open_stored_sized(document.storage_key)
    except (OSError, ValueError) as error:
        # A missing or tampered file is "not found" for the editor; the reconcile command
        # reports it to the operators.
        raise NotFound from error
    try:
        record_event(
            "document.downloaded",
            actor=by,
            application=document.application,
            document_id=document.id,
            kind=document.kind,
        )
        db.session.commit()
        # send_file streams through the server's file wrapper (sendfile where it has one, or
        # blocks read from the S3 response as they arrive; never the whole file in memory);
        # conditional=False: no ranges or 304s for a file the editor saves whole.
        response = send_file(handle, mimetype="application/octet-stream", conditional=False)
    except BaseException:
        handle.close()
        raise
    # Every header send_file chose (caching, a charset for text/plain: a claim about the
    # applicant's bytes that we never checked) is replaced by exactly these.
    response.headers.clear()
    response.headers["Content-Type"] = CONTENT_TYPES[FileType(document.file_type)]
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(
        document.filename, document.file_type
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


def send_page_image(document: Document, number: int) -> Response:
    """Return page *number* (from 1) of a PDF *document*, drawn on our server as a PNG.

    The image is ours, not the applicant's bytes, but it shows their personal data: it is
    private to the editor's browser and never stored (``no-store``), typed exactly
    (``nosniff``), and inert as a page of our origin (``CSP: sandbox``), like a download.

    :raises NotFound: not a PDF, no such page, the file is missing, or it cannot be drawn.
    """
    if document.file_type != FileType.PDF:
        raise NotFound
    try:
        with local_copy(document.storage_key) as path:
            png = render_page(path, number)
    except (RenderError, OSError, ValueError) as error:
        # A missing or tampered file, or one that cannot be drawn: nothing to show.
        raise NotFound from error
    response = Response(png, mimetype="image/png")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


def content_disposition(filename: str, extension: str) -> str:
    """Return an RFC 6266 ``attachment`` header value for *filename*.

    ``filename*`` carries the real name, percent-encoded as UTF-8 (RFC 8187); ``filename``
    an ASCII fallback for old clients. Control characters (CR/LF would split the header),
    quotes, backslashes and path separators never reach either form.
    """
    # Controls (CR/LF, bidi overrides …) become spaces so that words stay apart.
    name = "".join(
        " " if unicodedata.category(char)[0] == "C" else char
        for char in unicodedata.normalize("NFC", filename or "")
        if char not in '"\\/'
    )
    # Leading dots would hide the saved file on Unix.
    name = " ".join(name.split()).lstrip(". ") or f"document.{extension}"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    fallback = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    fallback = " ".join(_FALLBACK_UNSAFE.sub("_", fallback).split()).strip(" ._")
    # A name in another script leaves nothing readable in ASCII: give it a plain one.
    fallback = f"{fallback or 'document'}.{extension}"
    encoded = quote(name, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def zip_member_name(name: str) -> str:
    """Return *name* fit to be the last part of a path inside a ZIP: no folders, no dots first."""
    name = _UNSAFE_MEMBER_NAME.sub("_", name.replace("/", "_").replace("\\", "_")).strip(" .")
    return name[:120] or "document"
