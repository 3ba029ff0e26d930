"""Decide whether an uploaded file is a document we accept, and stage it for storage.

Applicants are strangers and their files are opened later by editors, so every upload is
treated as hostile until proven otherwise (OWASP file-upload rules; SecureDrop is the
model). A file is accepted only if its content (libmagic) AND its name's extension both say
the same allowed type, and it then passes a structural check for that type (pdf.py,
archives.py, plaintext.py). The client's Content-Type header is never consulted: it is
whatever the sender chose to write.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from tracker.documents.archives import check_archive
from tracker.documents.clean import clean_document, create_private
from tracker.documents.pdf import read_checked_pdf
from tracker.documents.plaintext import check_rtf, check_text
from tracker.documents.refusals import (
    TYPE_NAMES,
    UploadError,
    empty,
    macros,
    mismatch,
    no_space,
    protected_document,
    rename,
    too_large,
    wrong_type,
)
from tracker.documents.storage import CHUNK_SIZE, new_staging_path
from tracker.documents.storage.backend import is_out_of_space
from tracker.enums import FileType

__all__ = [
    "CHUNK_SIZE",
    "CONTENT_TYPES",
    "TYPE_NAMES",
    "StagedFile",
    "UploadError",
    "load_readers",
    "sanitise_filename",
    "sniff",
    "stage_upload",
    "stored_columns",
]

logger = logging.getLogger(__name__)

MAX_FILENAME_LENGTH = 120

# What we record and serve for each type: our canonical MIME type, not libmagic's string
# (which varies between libmagic versions) and never the client's header.
CONTENT_TYPES: dict[FileType, str] = {
    FileType.PDF: "application/pdf",
    FileType.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileType.ODT: "application/vnd.oasis.opendocument.text",
    FileType.RTF: "application/rtf",
    FileType.TXT: "text/plain",
}

_EXTENSIONS = {file_type.value: file_type for file_type in FileType}

# libmagic's answers that identify one of our types.
_MAGIC_TYPES = {
    "application/pdf": FileType.PDF,
    "application/x-pdf": FileType.PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": FileType.DOCX,
    "application/vnd.oasis.opendocument.text": FileType.ODT,
    "text/rtf": FileType.RTF,
    "application/rtf": FileType.RTF,
    "text/plain": FileType.TXT,
}
# libmagic recognises a DOCX only if [Content_Types].xml or word/ comes first in the archive,
# and an ODT only if `mimetype` does; other writers' orderings come back as a plain zip. For
# a .docx/.odt name the structural check (archives.py) decides instead — it is stricter anyway.
_MAGIC_ZIP = {"application/zip", "application/x-zip-compressed"}
# A .docm renamed to .docx: say "macros", which is the actual problem.
_MAGIC_MACRO = {
    "application/vnd.ms-word.document.macroenabled.12",
    "application/vnd.ms-word.template.macroenabled.12",
}
# libmagic guesses a programming language from keywords in ordinary prose (its "Algol 68
# source" on English text is notorious), so any text/* guess may be a .txt; our own
# decoding check decides. Markup is the exception: a browser would render it.
_MARKUP_HINTS = ("html", "xml", "sgml", "javascript", "ecmascript")

# Invisible characters that reorder text: "cv\u202eexe.pdf" displays as "cvfdp.exe".
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Quotes would end a quoted header or attribute value wherever the name is echoed.
_QUOTES = frozenset("\"'")


@dataclass(frozen=True)
class StagedFile:
    """An accepted upload, written to the staging folder and ready for `store_staged`."""

    path: Path
    filename: str
    file_type: FileType
    content_type: str
    size: int
    sha256: str
    flags: tuple[str, ...] = ()
    # The sha256 of the file as it was uploaded; `sha256` and `size` are the cleaned copy's,
    # the only one ever stored (tracker.documents.clean).
    original_sha256: str = ""
    metadata_removed: tuple[str, ...] = ()


# -- public interface ------------------------------------------------------------------------


def sanitise_filename(name: str | None, file_type: FileType) -> str:
    """Return a display name for an upload: no path, no invisible tricks, the right ending.

    The result is metadata for editors only. It is never used as a path (files are stored
    under random keys), but it is shown in pages, CSV exports and download headers, so
    anything that could reorder, hide or break out of its context is removed.
    """
    extension = file_type.value
    # Browsers on Windows (and some on purpose) send full paths; keep the last segment.
    base = re.split(r"[/\\]", name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    # Cc: NUL, CR/LF (header injection), TAB, ESC…; Cs: lone surrogates, which cannot be
    # encoded for the database or a header.
    kept = "".join(
        char
        for char in base
        if unicodedata.category(char) not in {"Cc", "Cs"}
        and char not in _BIDI_CONTROLS
        and char not in _QUOTES
    )
    # Dropping a character can bring a letter and its accent together again: re-normalise.
    text = " ".join(unicodedata.normalize("NFC", kept).split())
    stem, dot, suffix = text.rpartition(".")
    if dot and suffix.strip().lower() in _EXTENSIONS:
        text = stem
    # Leading dots would hide the file on Unix once saved; trailing dots and spaces are
    # dropped by Windows and would leave the ending ambiguous.
    text = text.strip(" .")
    text = text[: MAX_FILENAME_LENGTH - len(extension) - 1].rstrip(" .")
    return f"{text or 'document'}.{extension}"


def stage_upload(upload: FileStorage) -> StagedFile:
    """Copy *upload* into the staging folder and check that it is a document we accept.

    :returns: the staged file, with its sanitised name, type, size, sha256 and flags.
    :raises UploadError: if the file is refused; nothing is left in the staging folder.
    """
    limit = current_app.config["MAX_FILE_SIZE"]
    stream = upload.stream
    if getattr(stream, "seekable", lambda: False)():
        # A form validator may have peeked at the first bytes.
        stream.seek(0)
    path = new_staging_path()
    staged = create_private(path)
    try:
        digest = hashlib.sha256()
        size = 0
        with staged:
            while chunk := stream.read(CHUNK_SIZE):
                size += len(chunk)
                # Stop at the limit instead of copying the rest: Werkzeug's own limit is
                # for the whole request, and one oversized file must not fill the disk.
                if size > limit:
                    raise too_large(limit)
                digest.update(chunk)
                staged.write(chunk)
        if size == 0:
            raise empty()
        extension_type = _extension_type(upload.filename)
        if extension_type in {FileType.DOCX, FileType.ODT} and _is_encrypted_package(path):
            raise protected_document(extension_type)
        file_type = _decide_type(sniff(path), extension_type)
        # The checks judge the file as uploaded; only then is it cleaned, in place.
        flags, parsed = _check_structure(path, file_type)
        removed = clean_document(path, file_type, parsed=parsed)
        with open(path, "rb") as cleaned:
            cleaned_sha256 = hashlib.file_digest(cleaned, "sha256").hexdigest()
        cleaned_size = path.stat().st_size
    except BaseException as error:
        path.unlink(missing_ok=True)
        # A full disk while staging is the server's problem, but the applicant still gets
        # the form back with their answers and a plain message, and submit_application
        # discards every other staged file as for any refused upload.
        if is_out_of_space(error):
            logger.warning("staging an upload failed: no space left on the device")
            raise no_space() from error
        raise
    return StagedFile(
        path=path,
        filename=sanitise_filename(upload.filename, file_type),
        file_type=file_type,
        content_type=CONTENT_TYPES[file_type],
        size=cleaned_size,
        sha256=cleaned_sha256,
        flags=flags,
        original_sha256=digest.hexdigest(),
        metadata_removed=removed,
    )


def stored_columns(checked: StagedFile, key: str) -> dict:
    """Return the columns of the row of a checked file (a StagedFile, or a file kept for a
    form, which has the same fields) stored under *key*: models.StoredFile's."""
    return {
        "filename": checked.filename,
        "file_type": checked.file_type.value,
        "content_type": checked.content_type,
        "size": checked.size,
        "sha256": checked.sha256,
        "storage_key": key,
        "flags": list(checked.flags),
        "original_sha256": checked.original_sha256,
        "metadata_removed": list(checked.metadata_removed),
    }


# Office writes a password-protected DOCX as an OLE compound file holding the encrypted
# package in a stream of this name (MS-OFFCRYPTO); the name is in the directory, UTF-16LE.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _is_encrypted_package(path: Path) -> bool:
    with open(path, "rb") as handle:
        if handle.read(len(_OLE_SIGNATURE)) != _OLE_SIGNATURE:
            return False
        return _ENCRYPTED_PACKAGE in handle.read()


# -- type decision -------------------------------------------------------------------------


def load_readers() -> None:
    """Load the libraries that read an upload: pypdf, libmagic with its database, Pillow.

    Each is imported where a file is read, so that a process that never reads one (an
    export, the mail worker) does not carry it; a web server calls this as it starts, so
    that the first applicant a worker serves after each (re)start does not wait for them.
    """
    import magic
    import pypdf  # noqa: F401
    from PIL import Image, ImageOps  # noqa: F401

    magic.from_buffer(b"", mime=True)  # python-magic opens its database at the first use


def sniff(path: Path) -> str:
    """Return libmagic's MIME type for the file at *path*, lower-case (never raises).

    Content is what decides a file's type; the result is checked against the extension
    and then by the structural check of the type both agree on.
    """
    import magic  # libmagic only where a file is sniffed, not in every process of the app

    try:
        return magic.from_file(str(path), mime=True).lower()
    except magic.MagicException:
        return "application/octet-stream"


def _extension_type(filename: str | None) -> FileType | None:
    base = re.split(r"[/\\]", filename or "")[-1].strip()
    _, dot, suffix = base.rpartition(".")
    return _EXTENSIONS.get(suffix.lower()) if dot else None


def _decide_type(mime: str, extension_type: FileType | None) -> FileType:
    """Return the type that content and name agree on, or raise UploadError."""
    if mime in _MAGIC_MACRO:
        raise macros()
    if mime in _MAGIC_ZIP:
        if extension_type in {FileType.DOCX, FileType.ODT}:
            return extension_type
        raise wrong_type()
    content_type = _MAGIC_TYPES.get(mime)
    if (
        content_type is None
        and mime.startswith("text/")
        and not any(hint in mime for hint in _MARKUP_HINTS)
    ):
        content_type = FileType.TXT
    if content_type is None:
        raise wrong_type()
    if extension_type is None:
        raise rename(content_type)
    # Both must agree: a PDF named .docx would be opened by the wrong program, and a name
    # the content contradicts is how disguised files usually arrive.
    if extension_type is not content_type:
        raise mismatch(extension_type)
    return content_type


def _check_structure(path: Path, file_type: FileType) -> tuple[tuple[str, ...], object]:
    """Return the flags of the file at *path*, and what cleaning may reuse of its reading.

    A PDF's check parses every object it walks; cleaning copies them from the same reader
    instead of parsing the file again (a third of a CV's cleaning).
    """
    if file_type is FileType.PDF:
        checked = read_checked_pdf(path)
        return checked.flags, checked.reader
    return _STRUCTURE_CHECKS[file_type](path), None


_STRUCTURE_CHECKS: dict[FileType, Callable[[Path], tuple[str, ...]]] = {
    FileType.DOCX: lambda path: check_archive(path, FileType.DOCX),
    FileType.ODT: lambda path: check_archive(path, FileType.ODT),
    FileType.RTF: check_rtf,
    FileType.TXT: check_text,
}
