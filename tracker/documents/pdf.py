"""Check that an uploaded PDF opens, has a page, is not protected, and flag active content.

PDFs come from strangers and are opened later by editors, so pypdf reads them expecting
broken or hostile input: any failure to read means "refuse", never a crash.

What a PDF can do to its reader, and what we decide (the README's upload rules say the same):

- JavaScript, launch and other actions are flagged, never refused: CVs exported by form
  tools carry harmless scripts. The flag says WHEN they run — when the document opens
  (`pdf_active_content`), when a page opens or closes (`pdf_page_action`), or when a link,
  button, bookmark or form field is used (`pdf_interactive_script`).
- Embedded files are flagged (`pdf_embedded_file`): LibreOffice's hybrid PDFs carry their
  ODT and PDF/A-3 invoices their XML. An attachment whose name is not a document type —
  an `.exe`, a script — is refused: a viewer hands it to whatever program its name picks.
- Bytes after the last ``%%EOF`` are refused: viewers ignore them, so they are only there
  to carry a second file (a zip holding a vbaProject.bin, a program) past checks like
  these; so is a PDF that zip tools open as an archive holding macros.
"""

from __future__ import annotations

import mmap
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.documents.archives import check_end_record, has_macro_entry
from tracker.documents.refusals import (
    UploadError,
    hidden_file,
    pdf_attachment,
    protected_pdf,
    unreadable,
)
from tracker.enums import FileType

if TYPE_CHECKING:
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

ACTIVE_CONTENT_FLAG = "pdf_active_content"
PAGE_ACTION_FLAG = "pdf_page_action"
INTERACTIVE_SCRIPT_FLAG = "pdf_interactive_script"
EMBEDDED_FILE_FLAG = "pdf_embedded_file"
PDF_FLAGS = (ACTIVE_CONTENT_FLAG, PAGE_ACTION_FLAG, INTERACTIVE_SCRIPT_FLAG, EMBEDDED_FILE_FLAG)

_PDF_ACTIVE_KEYS = frozenset({"/JavaScript", "/JS", "/Launch", "/AA"})
# Actions that run code or start programs; /JS anywhere (renditions carry it too) counts.
_SCRIPT_ACTIONS = frozenset({"/JavaScript", "/Launch", "/RichMediaExecute"})
# What an attachment may be called: the types we accept ourselves, and XML (PDF/A-3).
_ATTACHMENT_EXTENSIONS = frozenset({"pdf", "docx", "odt", "rtf", "txt", "xml"})
# Triggers of an annotation's /AA that fire as its page opens, closes or comes into view.
_PAGE_TRIGGERS = frozenset({"/PO", "/PC", "/PV", "/PI"})
# Line ends and NUL padding after %%EOF come from sloppy writers, not from attacks.
_PADDING = b" \t\r\n\f\x00"


@contextmanager
def quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's warnings about broken objects while it reads one upload.

    Hostile or sloppy PDFs make pypdf warn once per broken object; the outcome (accepted,
    flagged or refused) is what matters, and under `filterwarnings = error` a recoverable
    warning must not become a crash. (The switch is process-wide; the worst a race can do
    is silence pypdf a little longer. Its log lines are silenced for good, see log_setup.)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@dataclass(frozen=True)
class CheckedPdf:
    """A PDF that passed `read_checked_pdf`: its flags, and its reader with every object the
    check walked already parsed (metadata cleaning copies them from there)."""

    flags: tuple[str, ...]
    reader: PdfReader


def check_pdf(path: Path) -> tuple[str, ...]:
    """Check the PDF at *path*; return its flags or raise UploadError (see `read_checked_pdf`)."""
    return read_checked_pdf(path).flags


def read_checked_pdf(path: Path) -> CheckedPdf:
    """Check the PDF at *path*; return its flags and reader, or raise UploadError.

    The flags are those of `PDF_FLAGS` that apply, in that order; ``()`` for a plain PDF.
    The reader holds the file's bytes (pypdf reads a path into memory), decrypted if it
    opens without a password.

    :raises UploadError: not a PDF from its first byte, unreadable, no page, protected,
        another file hidden in it, or an attachment that is not a document.
    """
    # Viewers accept a PDF header anywhere in the first kilobyte, which is how PDF/HTML and
    # PDF/ZIP polyglots are built; we accept it only at the very start.
    with open(path, "rb") as handle:
        if handle.read(5) != b"%PDF-":
            raise unreadable(FileType.PDF)
    if _hides_another_file(path):
        raise hidden_file()
    # pypdf (and the Pillow it loads) only where a PDF is read: not in every process that
    # imports the app, such as `flask export`.
    from pypdf import PdfReader

    try:
        with quiet_pypdf():
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted and not _decrypts_without_password(reader):
                raise protected_pdf()
            if len(reader.pages) < 1:
                raise unreadable(FileType.PDF)
            found = _active_content(reader)
    except UploadError:
        raise
    except Exception as error:
        # pypdf raises many exception types on malformed input (PdfReadError, KeyError,
        # ValueError, RecursionError…); for us they all mean "not a readable PDF".
        raise unreadable(FileType.PDF) from error
    return CheckedPdf(tuple(flag for flag in PDF_FLAGS if flag in found), reader)


def _decrypts_without_password(reader) -> bool:
    try:
        return bool(reader.decrypt(""))
    except Exception:
        # A cipher pypdf cannot handle here is as unreadable to us as a real password.
        return False


def _hides_another_file(path: Path) -> bool:
    """Tell whether anything but padding follows the last %%EOF, or a zip ends the file."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        end = data.rfind(b"%%EOF")
        # No marker at all: pypdf decides (it refuses such files as unreadable).
        if end >= 0 and data[end + 5 :].strip(_PADDING):
            return True
    # A zip archive's end record may sit anywhere in the last 64 KB, so an archive can end
    # just before a final %%EOF and open in zip tools and Office all the same. An attached
    # ODT or DOCX, stored uncompressed, looks exactly like that and is judged as an
    # attachment; an archive holding macros is refused whatever carries it. Judged from
    # the directory alone, within the archive rules' limits: nothing is inflated.
    with open(path, "rb") as handle:
        try:
            check_end_record(handle)
            with zipfile.ZipFile(handle) as archive:
                return has_macro_entry(archive.namelist())
        except UploadError:
            return True  # a directory larger than any document's is no PDF's either
        except Exception:
            return False  # the bytes "PK\5\6" by chance, with no directory behind them


def _active_content(reader: PdfReader) -> set[str]:
    """Return the flags for every action and attachment reachable from the catalog."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    catalog = reader.trailer["/Root"]
    found = {ACTIVE_CONTENT_FLAG} if _document_runs_actions(catalog) else set()
    if any("/AA" in page for page in reader.pages):
        found.add(PAGE_ACTION_FLAG)
    # What runs when the document or a page opens is judged above; everything else that
    # runs code or carries a file — links, buttons, form fields, bookmarks, chained /Next
    # actions, attachments — is found by walking every object once. Streams are visited
    # as dictionaries only: nothing is decoded.
    pages = {
        (page.indirect_reference.idnum, page.indirect_reference.generation)
        for page in reader.pages
        if page.indirect_reference is not None
    }
    seen: set[tuple[int, int]] = set()
    stack: list = [(reader.trailer.raw_get("/Root"), "")]
    while stack:
        item, role = stack.pop()
        key = None
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, ArrayObject):
            stack.extend((child, "") for child in item)
        elif isinstance(item, DictionaryObject):
            if item is catalog:
                role = "catalog"
            elif key in pages:
                role = "page"
            found |= _judge_dictionary(item, role)
            stack.extend(_children(item, role))
    return found


def _children(item: DictionaryObject, role: str) -> list[tuple[object, str]]:
    """Return what the walk visits below *item*: raw values, so each object is seen once."""
    if role == "names":
        # The /Names tree's /JavaScript is the document-level script, judged apart; its
        # other trees (/EmbeddedFiles above all) are walked as any other object.
        return [(value, "") for key, value in item.items() if key != "/JavaScript"]
    children = []
    for key, value in item.items():
        # /Parent only leads back up; document- and page-level actions are judged apart.
        if key == "/Parent" or (role in {"catalog", "page"} and key == "/AA"):
            continue
        if role == "catalog" and key == "/OpenAction":
            continue
        children.append((value, "names" if role == "catalog" and key == "/Names" else ""))
    return children


def entry(item: DictionaryObject, key: str) -> object:
    """Return *item*'s value under *key*, resolved (None if it has none): dict.get would
    return an unresolved reference, and any value may sit in an object of its own."""
    value = item.get(key)
    return None if value is None else value.get_object()


def tree_nodes(roots) -> Iterator[DictionaryObject]:
    """Yield every dictionary of the trees *roots* begin (a page tree's root, a form's
    fields), each node and then what its /Kids name, once each however the file loops."""
    from pypdf.generic import ArrayObject, DictionaryObject

    seen: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        node = node.get_object() if node is not None else None
        if not isinstance(node, DictionaryObject) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        kids = entry(node, "/Kids")
        if isinstance(kids, ArrayObject):
            stack.extend(kids)


def _judge_dictionary(item: DictionaryObject, role: str) -> set[str]:
    from pypdf.generic import DictionaryObject

    found = set()
    if role not in {"catalog", "page"} and (
        "/JS" in item or entry(item, "/S") in _SCRIPT_ACTIONS or "/AA" in item
    ):
        found.add(INTERACTIVE_SCRIPT_FLAG)
        # A form field's "page opened" trigger runs without a click, as a page's own does.
        triggers = entry(item, "/AA")
        if isinstance(triggers, DictionaryObject) and _PAGE_TRIGGERS & set(triggers.keys()):
            found.add(PAGE_ACTION_FLAG)
    if "/EF" in item or entry(item, "/Type") == "/EmbeddedFile" or "/EmbeddedFiles" in item:
        found.add(EMBEDDED_FILE_FLAG)
    if "/EF" in item and not _is_document_name(item):
        raise pdf_attachment()
    return found


def _is_document_name(filespec: DictionaryObject) -> bool:
    """Tell whether every name an attachment gives itself ends in a document extension."""
    names = [str(filespec[key]) for key in ("/UF", "/F") if key in filespec]
    return bool(names) and all(
        name.rpartition(".")[2].strip().lower() in _ATTACHMENT_EXTENSIONS for name in names
    )


def _document_runs_actions(catalog: DictionaryObject) -> bool:
    from pypdf.generic import DictionaryObject

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
