"""Read the plain text of an accepted document, for previews and for search.

Documents come from strangers, so every reader here expects broken or hostile input:
`extract_text` never raises for a bad file, it returns None and logs the kind of failure
(never the content, which is personal data). Archives (DOCX, ODT) are judged from their
central directory with the same checks and limits as the upload pipeline before a library
opens them, so extraction never inflates more than the upload was allowed to. Output is
capped at ``EXTRACTED_TEXT_MAX_CHARS`` and PDFs at `MAX_PDF_PAGES` pages.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from tracker.documents.archives import check_directory, check_end_record
from tracker.documents.plaintext import read_text
from tracker.enums import FileType

logger = logging.getLogger(__name__)

# EXTRACTED_TEXT_MAX_CHARS (config) is enough for any CV or writing sample; a 1,000-page
# upload is not read to the end.
MAX_PDF_PAGES = 200
# `<text:s text:c="…">` says how many spaces to write; a forged count must not allocate GBs.
MAX_ODT_SPACES = 100

# Libraries that warn or log about the broken objects they meet while reading one file.
_NOISY_LOGGERS = ("pypdf", "docx", "odf", "striprtf")

# Control characters never belong in extracted prose: C0 except TAB and LF (CR, VT and FF
# are turned into line breaks first), DEL and C1. NUL in particular cannot be stored in
# PostgreSQL text. Bidi overrides reorder what an editor sees in a preview; soft hyphens
# and BOMs split words for search.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\ufeff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = str.maketrans({"\r": "\n", "\v": "\n", "\f": "\n\n", "\u2028": "\n"})
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Hex dumps of pictures and OLE objects make up most of a large RTF and hold no prose;
# dropping them first spares the pure-Python RTF parser megabytes of characters.
_RTF_HEX_BLOB = re.compile(rb"[0-9a-fA-F\r\n]{512,}")

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W_P = f"{{{_W_NS}}}p"
_W_R = f"{{{_W_NS}}}r"
# Word writes text boxes twice, as DrawingML and as a VML fallback: read only the first.
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"

_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODT_PARAGRAPHS = {(_ODF_TEXT, "p"), (_ODF_TEXT, "h")}
# Deleted text kept for change tracking, and reviewers' comments: not what the author sent.
_ODT_SKIPPED = {(_ODF_TEXT, "tracked-changes"), (_ODF_OFFICE, "annotation")}


def extract_text(path: Path, file_type: FileType) -> str | None:
    """Return the plain text of the document at *path*, or None if none can be read.

    :param file_type: the type the upload checks decided; it picks the reader.
    :returns: NFC text without control characters, runs of spaces collapsed and paragraph
        breaks kept, at most ``EXTRACTED_TEXT_MAX_CHARS`` long; None for a broken file or
        one without any text (a scanned PDF).

    Never raises for a bad file: readers of hostile input fail in many ways (pypdf alone
    raises a dozen exception types), and a missing preview must not cost anyone their
    submission.
    """
    limit = int(current_app.config["EXTRACTED_TEXT_MAX_CHARS"])
    reader = _READERS[FileType(file_type)]
    # Readers stop early once they hold this much raw text; normalising only shrinks it.
    budget = 2 * limit + 1024
    try:
        with _quiet():
            raw = _collect(reader(Path(path)), budget)
        text = normalise_text(raw)
    except Exception as error:
        # The type says what went wrong (BadZipFile, PdfReadError, RecursionError…); the
        # message may quote the document, which is personal data, so it is not logged.
        logger.warning("text extraction failed (%s file): %s", file_type, type(error).__name__)
        return None
    return text[:limit].rstrip() or None


def normalise_text(raw: str) -> str:
    """Return *raw* as NFC with control characters removed and whitespace tidied.

    Runs of spaces and tabs become one space, lines are stripped, and more than one empty
    line becomes one: paragraph breaks survive, layout padding does not.
    """
    if _SURROGATE.search(raw):
        # RTF and some PDFs spell characters beyond the BMP as UTF-16 surrogate pairs:
        # join the pairs, replace what is left over (it cannot be encoded for storage).
        raw = raw.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = raw.replace("\r\n", "\n").translate(_LINE_BREAKS).replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _collect(parts: Generator[str], budget: int) -> str:
    """Join *parts* until *budget* characters are reached; stop reading after that."""
    collected: list[str] = []
    size = 0
    try:
        for part in parts:
            collected.append(part)
            size += len(part)
            if size >= budget:
                break
    finally:
        # Close the reader now (and its file), not whenever the generator is collected.
        parts.close()
    return "".join(collected)


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the readers' warnings and log chatter about broken objects in one file.

    Under `filterwarnings = error` a recoverable warning must not become a crash, and a
    hostile PDF can make pypdf log once per broken object. (Both switches are
    process-wide; the worst a race can do is silence a library a little longer.)
    """
    loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [each.level for each in loggers]
    for each in loggers:
        each.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for each, level in zip(loggers, levels, strict=True):
            each.setLevel(level)


# -- PDF -------------------------------------------------------------------------------------


def _pdf_text(path: Path) -> Generator[str]:
    from pypdf import PdfReader

    reader = PdfReader(path, strict=False)
    # Only an owner password (restrictions) is expected here: uploads refuse the rest.
    if reader.is_encrypted and not reader.decrypt(""):
        raise PermissionError("encrypted PDF")
    failures = 0
    for number in range(min(len(reader.pages), MAX_PDF_PAGES)):
        try:
            text = reader.pages[number].extract_text()
        except Exception:
            # One broken page (an odd font, a damaged stream) should not hide the others.
            failures += 1
            continue
        yield text
        yield "\n\n"
    if failures:
        logger.info("text extraction skipped %d unreadable PDF page(s)", failures)


# -- DOCX and ODT ------------------------------------------------------------------------------


def _check_archive(path: Path, file_type: FileType) -> None:
    """Apply the upload pipeline's archive limits before any library inflates an entry.

    The file was accepted under these very checks, so they cost a directory read here; a
    file that did not pass them (or changed since) is refused before it can bomb us.
    """
    with open(path, "rb") as handle:
        check_end_record(handle)
        with zipfile.ZipFile(handle) as archive:
            check_directory(archive.infolist(), file_type)


def _docx_text(path: Path) -> Generator[str]:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE

    _check_archive(path, FileType.DOCX)
    # python-docx parses with lxml and resolve_entities=False, so no entity (external or
    # nested) is ever expanded, and the upload check refused DTDs in the body already.
    document = docx.Document(str(path))
    headers, footers = [], []
    for relationship in document.part.rels.values():
        if relationship.reltype == RELATIONSHIP_TYPE.HEADER:
            headers.append(relationship.target_part.element)
        elif relationship.reltype == RELATIONSHIP_TYPE.FOOTER:
            footers.append(relationship.target_part.element)
    seen: set[str] = set()
    for root in (*headers, document.element.body, *footers):
        for paragraph in _docx_paragraphs(root):
            # First-page, even and odd headers usually repeat the same name and address.
            if root is not document.element.body:
                if paragraph in seen:
                    continue
                seen.add(paragraph)
            yield paragraph
            yield "\n\n"


def _docx_paragraphs(root) -> Iterator[str]:
    """Yield the text of every paragraph under *root*: body, tables, text boxes, controls.

    Walking every ``w:p`` (rather than python-docx's top-level paragraphs) also finds
    the text CV templates keep in tables, text boxes and content controls.
    """
    for paragraph in root.iter(_W_P):
        if any(ancestor.tag == _MC_FALLBACK for ancestor in paragraph.iterancestors()):
            continue
        # Runs of paragraphs nested inside this one (a text box anchored in it) are read
        # when the walk reaches those paragraphs, not here.
        yield "".join(
            run.text
            for run in paragraph.iter(_W_R)
            if next(run.iterancestors(_W_P), None) is paragraph
        )


def _odt_text(path: Path) -> Generator[str]:
    from odf.element import Node
    from odf.opendocument import load

    _check_archive(path, FileType.ODT)
    # odfpy parses with defusedxml (entities forbidden, no external fetches).
    document = load(str(path))
    # Depth-first with an explicit stack: a hostile file nesting elements 100,000 deep
    # must not exhaust the interpreter's recursion limit. A str on the stack is output.
    stack: list = [document.text]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
            continue
        if node.nodeType == Node.TEXT_NODE:
            yield node.data
            continue
        if node.nodeType != Node.ELEMENT_NODE or node.qname in _ODT_SKIPPED:
            continue
        namespace, name = node.qname
        if namespace == _ODF_TEXT and name == "line-break":
            yield "\n"
        elif namespace == _ODF_TEXT and name == "tab":
            yield "\t"
        elif namespace == _ODF_TEXT and name == "s":
            yield " " * _space_count(node.getAttribute("c"))
        else:
            if node.qname in _ODT_PARAGRAPHS:
                stack.append("\n\n")
            stack.extend(reversed(node.childNodes))


def _space_count(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), MAX_ODT_SPACES))
    except ValueError:
        return 1


# -- RTF and TXT -------------------------------------------------------------------------------


def _rtf_text(path: Path) -> Generator[str]:
    from striprtf.striprtf import rtf_to_text

    # RTF is 7-bit: anything beyond ASCII is escaped (\'e4, \u1072), and codepages are
    # declared inside; latin-1 maps every byte to one character without failing.
    data = path.read_bytes()
    if not data.startswith(b"{\\rtf"):
        raise ValueError("not an RTF document")
    data = _RTF_HEX_BLOB.sub(b"", data)
    yield rtf_to_text(data.decode("latin-1"), errors="ignore")


def _txt_text(path: Path) -> Generator[str]:
    # Read in the encodings the upload check accepts; anything else did not pass it.
    yield from read_text(path)


_READERS: dict[FileType, Callable[[Path], Generator[str]]] = {
    FileType.PDF: _pdf_text,
    FileType.DOCX: _docx_text,
    FileType.ODT: _odt_text,
    FileType.RTF: _rtf_text,
    FileType.TXT: _txt_text,
}
