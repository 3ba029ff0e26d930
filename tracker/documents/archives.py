"""Judge DOCX and ODT uploads from their zip directory before anything is inflated.

A word-processor file is a zip archive, and archives are how zip bombs, zip slip and
macro-laden documents arrive. Everything that can be decided from the central directory
(entry count, declared sizes and ratios, names, encryption, macro parts) is decided there;
then only the small XML parts that identify the format are read, with defusedxml, capped
at their declared size. Text extraction (`tracker.documents.extract`) applies the same
directory checks before a library opens an accepted archive.
"""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO
from xml.sax.handler import ContentHandler

import defusedxml.sax
from flask import current_app

from tracker.documents.refusals import (
    UploadError,
    macros,
    mismatch,
    protected_document,
    remote_content,
    too_complex,
    unreadable,
)
from tracker.enums import FileType

# Highly compressible XML is normal (styles, numbering), so the ratio limit applies only
# to entries large enough to matter.
RATIO_MIN_SIZE = 1024 * 1024
# A directory record is 46 bytes plus name and extra fields; word processors write well
# under 200 bytes per entry. More than 1 KiB per allowed entry is not a document.
DIRECTORY_BYTES_PER_ENTRY = 1024
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
_MACRO_CONTENT_TYPE_HINTS = ("macroenabled", "vbaproject", "vbadata", "activex")
# Links that run a macro or script when clicked, in LibreOffice's URL schemes.
_SCRIPT_URL_SCHEMES = ("vnd.sun.star.script:", "macro:")


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


class _ExternalRelationshipFinder(ContentHandler):
    """Find relationships to another computer that Word follows when it opens a document.

    An external attachedTemplate (template injection), oleObject (CVE-2017-0199, Follina),
    frame or image is fetched on opening, without a click: it loads macros or leaks the
    editor's Windows credentials to the server named. Hyperlinks are followed only when
    clicked, and CVs are full of them.
    """

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def startElement(self, name, attrs):  # noqa: N802 (the SAX API's name)
        if name.rpartition(":")[2] != "Relationship":
            return
        mode = attrs.get("TargetMode")
        kind = (attrs.get("Type") or "").rstrip("/").rpartition("/")[2]
        if mode is not None and mode.strip().lower() != "internal" and kind != "hyperlink":
            self.found = True


class _ScriptBindingFinder(ContentHandler):
    """Find events bound to scripts, and links that run one, in ODF XML.

    Matched on the local name whatever the prefix, since a document may bind the script
    namespace to any prefix it likes.
    """

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def startElement(self, name, attrs):  # noqa: N802 (the SAX API's name)
        if name.rpartition(":")[2] == "event-listener":
            self.found = True
        for attribute in attrs.getNames():
            if attribute.rpartition(":")[2] == "href" and (
                attrs.getValue(attribute).strip().lower().startswith(_SCRIPT_URL_SCHEMES)
            ):
                self.found = True


class _EncryptionFinder(ContentHandler):
    """Find manifest:encryption-data in an ODF manifest."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def startElement(self, name, attrs):  # noqa: N802 (the SAX API's name)
        if name.rpartition(":")[2] == "encryption-data":
            self.found = True


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


def check_end_record(handle: IO[bytes]) -> None:
    """Refuse archives that declare too many entries before zipfile indexes them all.

    zipfile builds a ZipInfo per directory record when it opens an archive: 100,000 entries
    cost tens of MB before any check of ours could run. This reads the same end-of-directory
    record zipfile will use (Zip64 included, via zipfile's own reader) and judges the
    declared count and directory size first.

    :raises UploadError: too many entries or too large a directory.
    :raises zipfile.BadZipFile: no end-of-directory record at all.
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
        raise too_complex()


def check_directory(infos: list[zipfile.ZipInfo], file_type: FileType) -> None:
    """Judge an archive from its central directory alone: nothing is inflated here.

    :raises UploadError: too many entries, too large in total, a zip bomb's ratio, or a
        name, link, encryption or compression no word processor writes.
    """
    config = current_app.config
    if len(infos) > config["ZIP_MAX_ENTRIES"]:
        raise too_complex()
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        parts = re.split(r"[/\\]", name)
        # Absolute names and ".." escape the folder whoever unpacks the file extracts into
        # (zip slip); no word processor writes them, so they only come from an attack.
        if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
            raise unreadable(file_type)
        # Two entries of one name are read differently by different programs: what we
        # check need not be what the editor's word processor opens.
        if name in seen:
            raise unreadable(file_type)
        seen.add(name)
        # A symlink entry makes unpacking tools write or read outside their folder.
        if stat.S_ISLNK(info.external_attr >> 16):
            raise unreadable(file_type)
        # Encrypted members hide content from every check; word processors never write
        # them, and they support only stored and deflated members.
        if info.flag_bits & 0x1 or info.compress_type not in {
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        }:
            raise unreadable(file_type)
        total += info.file_size
        # Zip bombs: the declared sizes are what zipfile will let an entry inflate to, so
        # judging them here means a bomb is refused without inflating a byte of it.
        if info.file_size > RATIO_MIN_SIZE and (
            info.compress_size == 0 or info.file_size / info.compress_size > config["ZIP_MAX_RATIO"]
        ):
            raise too_complex()
    if total > config["ZIP_MAX_UNCOMPRESSED"]:
        raise too_complex()


def has_macro_entry(names: Iterable[str]) -> bool:
    """Tell whether any of these archive entry names is a macro project or binary code part."""
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


def check_archive(path: Path, file_type: FileType) -> tuple[str, ...]:
    """Check the DOCX or ODT archive at *path*; return its flags (none) or raise UploadError."""
    try:
        with open(path, "rb") as handle:
            check_end_record(handle)
            with zipfile.ZipFile(handle) as archive:
                infos = archive.infolist()
                check_directory(infos, file_type)
                if has_macro_entry(info.filename for info in infos):
                    raise macros()
                if file_type is FileType.DOCX:
                    _check_docx(archive, infos)
                else:
                    _check_odt(archive, infos)
    except UploadError:
        raise
    except Exception as error:
        # Malformed archives and XML raise a spread of types (BadZipFile, EOFError,
        # SAXParseException, defusedxml's DTDForbidden…): all mean "cannot read it".
        raise unreadable(file_type) from error
    return ()


def _check_docx(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    by_name = {info.filename: info for info in infos}
    content_types = by_name.get("[Content_Types].xml")
    document = by_name.get("word/document.xml")
    if content_types is None or document is None:
        # A zip that is not a Word package, whatever its name says.
        raise mismatch(FileType.DOCX)
    collector = _ContentTypeCollector()
    _parse_xml(archive, content_types, collector)
    # A .docm renamed .docx declares its main part macro-enabled; Word would offer to run
    # the macros even if the VBA part is named innocently.
    for content_type in collector.content_types:
        if any(hint in content_type.lower() for hint in _MACRO_CONTENT_TYPE_HINTS):
            raise macros()
    # The document body is what text extraction and previews read later; refusing DTDs
    # here means no later reader ever meets one.
    _parse_xml(archive, document)
    # Any part may have relationships (word/_rels/settings.xml.rels holds the template).
    for info in infos:
        if info.filename.lower().endswith(".rels"):
            finder = _ExternalRelationshipFinder()
            _parse_xml(archive, info, finder)
            if finder.found:
                raise remote_content()


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
        raise mismatch(FileType.ODT)
    with archive.open(first) as raw:
        if raw.read(len(_ODT_MIMETYPE) + 1) != _ODT_MIMETYPE:
            raise mismatch(FileType.ODT)
    # A password-protected ODT lists how each part is encrypted in its manifest; its parts
    # can be neither checked nor cleaned.
    manifest = next((info for info in infos if info.filename == "META-INF/manifest.xml"), None)
    if manifest is not None:
        finder = _EncryptionFinder()
        _parse_xml(archive, manifest, finder)
        if finder.found:
            raise protected_document(FileType.ODT)
    # Script bindings run installed macros and scripts without any Basic in the file: a
    # mouse-over bound to a script is how CVE-2018-16858 and CVE-2019-9848 ran code.
    # LibreOffice calls them macros, and so do we.
    styles = next((info for info in infos if info.filename == "styles.xml"), None)
    for info in (content, styles):
        if info is not None:
            finder = _ScriptBindingFinder()
            _parse_xml(archive, info, finder)
            if finder.found:
                raise macros()
