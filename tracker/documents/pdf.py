"""Check that an uploaded PDF opens, has a page, is not protected, and flag active content.

PDFs come from strangers and are opened later by editors, so pypdf reads them expecting
broken or hostile input: any failure to read means "refuse", never a crash.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from tracker.documents.refusals import UploadError, protected_pdf, unreadable
from tracker.enums import FileType

ACTIVE_CONTENT_FLAG = "pdf_active_content"

_PDF_ACTIVE_KEYS = frozenset({"/JavaScript", "/JS", "/Launch", "/AA"})


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


def check_pdf(path: Path) -> tuple[str, ...]:
    """Check the PDF at *path*; return its flags or raise UploadError.

    :returns: ``("pdf_active_content",)`` if it carries JavaScript or actions, else ``()``.
    :raises UploadError: not a PDF from its first byte, unreadable, no page, or protected.
    """
    # Viewers accept a PDF header anywhere in the first kilobyte, which is how PDF/HTML and
    # PDF/ZIP polyglots are built; we accept it only at the very start.
    with open(path, "rb") as handle:
        if handle.read(5) != b"%PDF-":
            raise unreadable(FileType.PDF)
    try:
        with _quiet_pypdf():
            reader = PdfReader(path, strict=False)
            if reader.is_encrypted and not _decrypts_without_password(reader):
                raise protected_pdf()
            if len(reader.pages) < 1:
                raise unreadable(FileType.PDF)
            active = _pdf_has_active_content(reader)
    except UploadError:
        raise
    except Exception as error:
        # pypdf raises many exception types on malformed input (PdfReadError, KeyError,
        # ValueError, RecursionError…); for us they all mean "not a readable PDF".
        raise unreadable(FileType.PDF) from error
    # JavaScript and launch actions are how PDFs attack their readers, but CVs exported by
    # some tools carry harmless form scripts: flag for editors rather than refuse.
    return (ACTIVE_CONTENT_FLAG,) if active else ()


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
