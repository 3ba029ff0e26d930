"""Decide whether an uploaded file is a document we accept, and stage it for storage.

Applicants are strangers and their files are opened later by editors, so every upload is
treated as hostile until proven otherwise (OWASP file-upload rules; SecureDrop is the
model). A file is accepted only if its content (libmagic) AND its name's extension both say
the same allowed type, and it then passes a structural check for that type. The client's
Content-Type header is never consulted: it is whatever the sender chose to write.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import logging
import os
import re
import stat
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.sax.handler import ContentHandler

import defusedxml.sax
import magic
from flask import current_app
from flask_babel import format_decimal, lazy_gettext
from flask_babel.speaklater import LazyString
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from werkzeug.datastructures import FileStorage

from tracker.documents.storage import new_staging_path
from tracker.enums import FileType

logger = logging.getLogger(__name__)

MB = 1024 * 1024
CHUNK_SIZE = 64 * 1024
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

TYPE_NAMES: dict[FileType, LazyString] = {
    FileType.PDF: lazy_gettext("PDF"),
    FileType.DOCX: lazy_gettext("Word (DOCX)"),
    FileType.ODT: lazy_gettext("OpenDocument (ODT)"),
    FileType.RTF: lazy_gettext("RTF"),
    FileType.TXT: lazy_gettext("plain-text (TXT)"),
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
# a .docx/.odt name the structural check below decides instead — it is stricter anyway.
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

# Archives (DOCX, ODT): limits read from the central directory before anything inflates.
# Highly compressible XML is normal (styles, numbering), so the ratio applies only to
# entries large enough to matter.
RATIO_MIN_SIZE = MB
# A directory record is 46 bytes plus name and extra fields; word processors write well
# under 200 bytes per entry. More than 1 KiB per allowed entry is not a document.
DIRECTORY_BYTES_PER_ENTRY = 1024
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_MACRO_CONTENT_TYPE_HINTS = ("macroenabled", "vbaproject", "vbadata", "activex")

_PDF_ACTIVE_KEYS = frozenset({"/JavaScript", "/JS", "/Launch", "/AA"})

# C0 control characters other than TAB, LF, FF and CR: never in prose, often in binaries
# and in terminal escape sequences that would run when an editor `cat`s the file.
_TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_RTF_OBJECT = re.compile(rb"\\obj[a-z]")

# Invisible characters that reorder text: "cv\u202eexe.pdf" displays as "cvfdp.exe".
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Quotes would end a quoted header or attribute value wherever the name is echoed.
_QUOTES = frozenset("\"'")


class UploadError(Exception):
    """A file we do not accept; `message` tells the applicant what to do instead."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(message)
        self.message = message


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


# -- messages --------------------------------------------------------------------------------


def _wrong_type() -> UploadError:
    return UploadError(
        lazy_gettext(
            "This file must be a PDF, Word (DOCX), OpenDocument (ODT), RTF or plain-text (TXT) "
            "file. Please save it in one of these formats and upload it again."
        )
    )


def _mismatch(extension_type: FileType) -> UploadError:
    return UploadError(
        lazy_gettext(
            "This file is called .%(extension)s but is not in %(expected)s format. Please "
            "open it in the program you wrote it in, save it again as %(expected)s and "
            "upload the new copy.",
            extension=extension_type.value,
            expected=TYPE_NAMES[extension_type],
        )
    )


def _rename(content_type: FileType) -> UploadError:
    return UploadError(
        lazy_gettext(
            "The name of this file should end in .%(extension)s. Please rename it and "
            "upload it again.",
            extension=content_type.value,
        )
    )


def _too_large(limit: int) -> UploadError:
    return UploadError(
        lazy_gettext(
            "This file is larger than %(limit)s MB. Please make it smaller – for example, "
            "save it as PDF with compressed images – and upload it again.",
            limit=LazyString(format_decimal, round(limit / MB, 1)),
        )
    )


# ENOSPC change (operations): a full disk while staging is the server's problem, but the
# applicant still gets the form back with their answers and a plain message, and
# submit_application discards every other staged file as for any refused upload.
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def _no_space() -> UploadError:
    return UploadError(
        lazy_gettext("We cannot store files right now. Nothing was saved; please try again later.")
    )


def _empty() -> UploadError:
    return UploadError(
        lazy_gettext("This file is empty. Please save your document again and upload the new copy.")
    )


def _unreadable(file_type: FileType) -> UploadError:
    if file_type is FileType.PDF:
        return UploadError(
            lazy_gettext(
                "We could not read this PDF; please export it again from the program you "
                "wrote it in and upload the new copy."
            )
        )
    if file_type is FileType.TXT:
        return UploadError(
            lazy_gettext(
                "We could not read this text file; please save it again as plain text in "
                "UTF-8 encoding and upload the new copy."
            )
        )
    return UploadError(
        lazy_gettext(
            "We could not read this %(kind)s file; please save it again from the program "
            "you wrote it in and upload the new copy.",
            kind=TYPE_NAMES[file_type],
        )
    )


def _protected_pdf() -> UploadError:
    return UploadError(
        lazy_gettext(
            "This PDF is protected by a password or by restrictions. Please save a copy "
            "without protection and upload it."
        )
    )


def _macros() -> UploadError:
    return UploadError(
        lazy_gettext(
            "This document contains macros, which we cannot accept for security reasons. "
            "Please save it as PDF or as a Word document without macros (.docx) and upload "
            "the new copy."
        )
    )


def _too_complex() -> UploadError:
    return UploadError(
        lazy_gettext(
            "This document is too large or complex for us to open safely. Please save it "
            "as PDF and upload the new copy."
        )
    )


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
    # O_EXCL | O_NOFOLLOW: a brand-new file of our own, never an existing file or a link
    # someone planted; 0600 so no other local account can read applicants' documents.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as staged:
            while chunk := stream.read(CHUNK_SIZE):
                size += len(chunk)
                # Stop at the limit instead of copying the rest: Werkzeug's own limit is
                # for the whole request, and one oversized file must not fill the disk.
                if size > limit:
                    raise _too_large(limit)
                digest.update(chunk)
                staged.write(chunk)
        if size == 0:
            raise _empty()
        file_type = _decide_type(_sniff(path), _extension_type(upload.filename))
        flags = _STRUCTURE_CHECKS[file_type](path)
    except BaseException as error:
        path.unlink(missing_ok=True)
        # ENOSPC change: see _no_space.
        if isinstance(error, OSError) and error.errno in _DISK_FULL:
            logger.warning("staging an upload failed: no space left on the device")
            raise _no_space() from error
        raise
    return StagedFile(
        path=path,
        filename=sanitise_filename(upload.filename, file_type),
        file_type=file_type,
        content_type=CONTENT_TYPES[file_type],
        size=size,
        sha256=digest.hexdigest(),
        flags=flags,
    )


def discard_staged(files: Iterable[StagedFile]) -> None:
    """Remove staged files that will not be stored; never raise (this runs on error paths)."""
    for staged in files:
        try:
            staged.path.unlink(missing_ok=True)
        except OSError:
            # The original error matters more; `storage reconcile --delete` sweeps leftovers.
            logger.warning("could not remove staged file %s", staged.path, exc_info=True)


# -- type decision -------------------------------------------------------------------------


def _sniff(path: Path) -> str:
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
        raise _macros()
    if mime in _MAGIC_ZIP:
        if extension_type in {FileType.DOCX, FileType.ODT}:
            return extension_type
        raise _wrong_type()
    content_type = _MAGIC_TYPES.get(mime)
    if (
        content_type is None
        and mime.startswith("text/")
        and not any(hint in mime for hint in _MARKUP_HINTS)
    ):
        content_type = FileType.TXT
    if content_type is None:
        raise _wrong_type()
    if extension_type is None:
        raise _rename(content_type)
    # Both must agree: a PDF named .docx would be opened by the wrong program, and a name
    # the content contradicts is how disguised files usually arrive.
    if extension_type is not content_type:
        raise _mismatch(extension_type)
    return content_type


# -- PDF -------------------------------------------------------------------------------------


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's warnings about broken objects while it reads one upload.

    Hostile or sloppy PDFs make pypdf warn once per broken object; the outcome (accepted,
    flagged or refused) is what matters, and under `filterwarnings = error` a recoverable
    warning must not become a crash. (Both switches are process-wide; the worst a race
    can do is silence pypdf a little longer.)
    """
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        pypdf_logger.setLevel(level)


def _check_pdf(path: Path) -> tuple[str, ...]:
    # Viewers accept a PDF header anywhere in the first kilobyte, which is how PDF/HTML and
    # PDF/ZIP polyglots are built; we accept it only at the very start.
    with open(path, "rb") as handle:
        if handle.read(5) != b"%PDF-":
            raise _unreadable(FileType.PDF)
    try:
        with _quiet_pypdf():
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted and not _decrypts_without_password(reader):
                raise _protected_pdf()
            if len(reader.pages) < 1:
                raise _unreadable(FileType.PDF)
            active = _pdf_has_active_content(reader)
    except UploadError:
        raise
    except Exception as error:
        # pypdf raises many exception types on malformed input (PdfReadError, KeyError,
        # ValueError, RecursionError…); for us they all mean "not a readable PDF".
        raise _unreadable(FileType.PDF) from error
    # JavaScript and launch actions are how PDFs attack their readers, but CVs exported by
    # some tools carry harmless form scripts: flag for editors rather than refuse.
    return ("pdf_active_content",) if active else ()


def _decrypts_without_password(reader) -> bool:
    try:
        return bool(reader.decrypt(""))
    except Exception:
        # A cipher pypdf cannot handle here is as unreadable to us as a real password.
        return False


def _pdf_has_active_content(reader: PdfReader) -> bool:
    catalog = reader.trailer["/Root"]
    if _PDF_ACTIVE_KEYS & set(catalog.keys()):
        return True
    if "/OpenAction" in catalog:
        action = catalog["/OpenAction"]
        # An /OpenAction array is a destination ("show page 1, fit width"), which Word and
        # LibreOffice write into ordinary PDFs; an action dictionary other than a plain
        # GoTo runs something.
        subtype = action["/S"] if isinstance(action, DictionaryObject) and "/S" in action else None
        if isinstance(action, DictionaryObject) and (
            subtype != "/GoTo" or "/Next" in action or "/JS" in action
        ):
            return True
    if "/Names" in catalog:
        names = catalog["/Names"]
        if isinstance(names, DictionaryObject) and _PDF_ACTIVE_KEYS & set(names.keys()):
            return True
    return False


# -- DOCX / ODT --------------------------------------------------------------------------------


class _BoundedReader:
    """A read-only view of *stream* that never returns more than *limit* bytes in total."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream = stream
        self._left = limit

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > self._left:
            size = self._left
        data = self._stream.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        """Do nothing: the SAX reader closes its source, the caller owns the stream."""


class _ContentTypeCollector(ContentHandler):
    """Collect the ContentType attributes of [Content_Types].xml."""

    def __init__(self) -> None:
        super().__init__()
        self.content_types: list[str] = []

    def startElement(self, name, attrs):  # noqa: N802 (the SAX API's name)
        value = attrs.get("ContentType")
        if value:
            self.content_types.append(value)


def _parse_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, handler=None) -> None:
    """Parse one archive entry as XML, streaming, with DTDs and entities forbidden.

    forbid_dtd refuses any DOCTYPE, which covers external entities (XXE: reading
    /etc/passwd into the document) and nested entities (billion laughs). Reading is capped
    at the entry's declared size, itself capped by the archive limits checked earlier.
    """
    limit = min(info.file_size, current_app.config["ZIP_MAX_UNCOMPRESSED"])
    with archive.open(info) as raw:
        defusedxml.sax.parse(
            _BoundedReader(raw, limit),
            handler or ContentHandler(),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )


def _check_end_record(handle: IO[bytes]) -> None:
    """Refuse archives that declare too many entries before zipfile indexes them all.

    zipfile builds a ZipInfo per directory record when it opens an archive: 100,000 entries
    cost tens of MB before any check of ours could run. This reads the same end-of-directory
    record zipfile will use (Zip64 included, via zipfile's own reader) and judges the
    declared count and directory size first.
    """
    max_entries = current_app.config["ZIP_MAX_ENTRIES"]
    # A private helper, but unchanged from Python 2 to 3.13; reusing it guarantees we judge
    # the very record ZipFile will trust. Were it renamed, every DOCX/ODT test would fail.
    end = zipfile._EndRecData(handle)
    if end is None:
        raise zipfile.BadZipFile("no end of central directory record")
    if (
        end[zipfile._ECD_ENTRIES_TOTAL] > max_entries
        or end[zipfile._ECD_SIZE] > max_entries * DIRECTORY_BYTES_PER_ENTRY
    ):
        raise _too_complex()


def _check_directory(infos: list[zipfile.ZipInfo], file_type: FileType) -> None:
    """Judge an archive from its central directory alone: nothing is inflated here."""
    config = current_app.config
    if len(infos) > config["ZIP_MAX_ENTRIES"]:
        raise _too_complex()
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        parts = re.split(r"[/\\]", name)
        # Absolute names and ".." escape the folder whoever unpacks the file extracts into
        # (zip slip); no word processor writes them, so they only come from an attack.
        if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
            raise _unreadable(file_type)
        # Two entries of one name are read differently by different programs: what we
        # check need not be what the editor's word processor opens.
        if name in seen:
            raise _unreadable(file_type)
        seen.add(name)
        # A symlink entry makes unpacking tools write or read outside their folder.
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _unreadable(file_type)
        # Encrypted members hide content from every check; word processors never write
        # them, and they support only stored and deflated members.
        if info.flag_bits & 0x1 or info.compress_type not in {
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        }:
            raise _unreadable(file_type)
        total += info.file_size
        # Zip bombs: the declared sizes are what zipfile will let an entry inflate to, so
        # judging them here means a bomb is refused without inflating a byte of it.
        if info.file_size > RATIO_MIN_SIZE and (
            info.compress_size == 0 or info.file_size / info.compress_size > config["ZIP_MAX_RATIO"]
        ):
            raise _too_complex()
    if total > config["ZIP_MAX_UNCOMPRESSED"]:
        raise _too_complex()


def _has_macro_entry(names: Iterable[str]) -> bool:
    for name in names:
        lowered = name.lower()
        # VBA projects (vbaProject.bin, word/vba*), and any binary part under word/ —
        # OLE embeddings and ActiveX controls, the other way Word documents carry code.
        if lowered.endswith(("vbaproject.bin", "vbadata.xml")) or lowered.startswith("word/vba"):
            return True
        if lowered.startswith("word/") and lowered.endswith(".bin"):
            return True
        # ODF keeps StarBasic and script libraries in these folders.
        if lowered.startswith(("basic/", "scripts/")):
            return True
    return False


def _check_archive(path: Path, file_type: FileType) -> tuple[str, ...]:
    try:
        with open(path, "rb") as handle:
            _check_end_record(handle)
            with zipfile.ZipFile(handle) as archive:
                infos = archive.infolist()
                _check_directory(infos, file_type)
                if _has_macro_entry(info.filename for info in infos):
                    raise _macros()
                if file_type is FileType.DOCX:
                    _check_docx(archive, infos)
                else:
                    _check_odt(archive, infos)
    except UploadError:
        raise
    except Exception as error:
        # Malformed archives and XML raise a spread of types (BadZipFile, EOFError,
        # SAXParseException, defusedxml's DTDForbidden…): all mean "cannot read it".
        raise _unreadable(file_type) from error
    return ()


def _check_docx(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    by_name = {info.filename: info for info in infos}
    content_types = by_name.get("[Content_Types].xml")
    document = by_name.get("word/document.xml")
    if content_types is None or document is None:
        # A zip that is not a Word package, whatever its name says.
        raise _mismatch(FileType.DOCX)
    collector = _ContentTypeCollector()
    _parse_xml(archive, content_types, collector)
    # A .docm renamed .docx declares its main part macro-enabled; Word would offer to run
    # the macros even if the VBA part is named innocently.
    for content_type in collector.content_types:
        if any(hint in content_type.lower() for hint in _MACRO_CONTENT_TYPE_HINTS):
            raise _macros()
    # The document body is what text extraction and previews read later; refusing DTDs
    # here means no later reader ever meets one.
    _parse_xml(archive, document)


def _check_odt(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    first = infos[0] if infos else None
    content = next((info for info in infos if info.filename == "content.xml"), None)
    # ODF requires `mimetype` as the first entry, holding exactly the document's type.
    if (
        first is None
        or first.filename != "mimetype"
        or first.file_size != len(_ODT_MIMETYPE)
        or content is None
    ):
        raise _mismatch(FileType.ODT)
    with archive.open(first) as raw:
        if raw.read(len(_ODT_MIMETYPE) + 1) != _ODT_MIMETYPE:
            raise _mismatch(FileType.ODT)
    _parse_xml(archive, content)


# -- RTF and TXT -----------------------------------------------------------------------------


def _check_rtf(path: Path) -> tuple[str, ...]:
    with open(path, "rb") as handle:
        if handle.read(5) != b"{\\rtf":
            raise _unreadable(FileType.RTF)
        handle.seek(0)
        # Embedded OLE objects (\object, \objdata) are the classic RTF exploit vector
        # (e.g. CVE-2017-11882). Many harmless files carry them too, so flag, not refuse.
        tail = b""
        while chunk := handle.read(CHUNK_SIZE):
            if _RTF_OBJECT.search(tail + chunk):
                return ("rtf_embedded_object",)
            tail = chunk[-8:]
    return ()


def _check_text(path: Path) -> tuple[str, ...]:
    with open(path, "rb") as handle:
        head = handle.read(4)
        # The UTF-32 LE mark starts with the UTF-16 LE one; test it first and refuse: no
        # editor writes UTF-32 prose, and our readers assume UTF-8 or UTF-16.
        if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            raise _unreadable(FileType.TXT)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            while chunk := handle.read(CHUNK_SIZE):
                if _TEXT_FORBIDDEN.search(decoder.decode(chunk)):
                    raise _unreadable(FileType.TXT)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise _unreadable(FileType.TXT) from error
    return ()


_STRUCTURE_CHECKS: dict[FileType, Callable[[Path], tuple[str, ...]]] = {
    FileType.PDF: _check_pdf,
    FileType.DOCX: lambda path: _check_archive(path, FileType.DOCX),
    FileType.ODT: lambda path: _check_archive(path, FileType.ODT),
    FileType.RTF: _check_rtf,
    FileType.TXT: _check_text,
}
