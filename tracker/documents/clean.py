"""Remove what betrays a document's author before it is stored: every stored file is a cleaned copy.

An applicant at risk may not know that their CV's PDF names them as its author, that their
Word file carries their employer as "company", their colleagues' names on comments and
tracked changes, and their phone's GPS position in a photo. So every accepted upload is
rewritten here, in the request, before it is kept or stored; the original is never stored
(only its sha256 is recorded). Cleaning never re-renders anything:

- PDF: the document information dictionary and XMP streams are dropped and the objects
  written again by pypdf (no page is drawn). A signed PDF is refused: any rewrite breaks
  its signature.
- DOCX: docProps/core.xml, app.xml and custom.xml are replaced by empty ones; author,
  initials and account attributes (comments, tracked changes, people.xml) are blanked.
- ODT: meta.xml is replaced by an empty one; annotation and tracked-change creators blanked.
- Images inside DOCX/ODT lose EXIF (GPS included), XMP and text chunks (clean_image.py).
- RTF: the {\\info} group, revision table, annotation authors and user properties go.

Zip archives are rewritten entry by entry in their order (zip_rewrite.py), every other
entry's content unchanged and copied without compressing it again. The property parts
are read with defusedxml (to say what they held) and replaced whole; the parts of the
text have their author attributes and elements blanked in the bytes, then are searched
again for any name left under any prefix, a DTD or an encoding the patterns cannot see
through (clean_xml.py); anything unexpected refuses the upload (`cannot_clean`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import defusedxml.ElementTree

from tracker.documents.clean_image import IMAGE_SUFFIXES, clean_image
from tracker.documents.clean_rtf import clean_rtf
from tracker.documents.clean_xml import blank_attributes, blank_elements, prove_clean
from tracker.documents.refusals import UploadError, cannot_clean, signed_pdf
from tracker.documents.storage import new_staging_path
from tracker.documents.zip_rewrite import rewrite_archive
from tracker.enums import FileType

__all__ = ["METADATA_KINDS", "clean_document", "create_private"]

# Every kind of metadata we may report as removed, in the order they are listed to editors
# (their labels: tracker.labels.METADATA_KIND_LABELS).
METADATA_KINDS = (
    "author",
    "company",
    "title",
    "dates",
    "software",
    "template",
    "revisions",
    "custom_fields",
    "xmp",
    "comment_authors",
    "change_authors",
    "gps",
    "exif",
)

_CP = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"
_EP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"

# What each element of the property parts is, for the list shown to editors.
_PROPERTY_KINDS = {
    f"{_DC}creator": "author",
    f"{_CP}lastModifiedBy": "author",
    f"{_META}initial-creator": "author",
    f"{_DCTERMS}created": "dates",
    f"{_DCTERMS}modified": "dates",
    f"{_CP}lastPrinted": "dates",
    f"{_META}creation-date": "dates",
    f"{_META}print-date": "dates",
    f"{_DC}date": "dates",
    f"{_DC}title": "title",
    f"{_DC}subject": "title",
    f"{_DC}description": "title",
    f"{_CP}keywords": "title",
    f"{_CP}category": "title",
    f"{_CP}contentStatus": "title",
    f"{_META}keyword": "title",
    f"{_CP}revision": "revisions",
    f"{_EP}TotalTime": "revisions",
    f"{_META}editing-cycles": "revisions",
    f"{_META}editing-duration": "revisions",
    f"{_EP}Company": "company",
    f"{_EP}Manager": "company",
    f"{_EP}Template": "template",
    f"{_META}template": "template",
    f"{_EP}Application": "software",
    f"{_EP}AppVersion": "software",
    f"{_META}generator": "software",
    f"{_META}user-defined": "custom_fields",
    f"{_META}printed-by": "author",
}

_EMPTY_PARTS = {
    "docProps/core.xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"/>'
    ),
    "docProps/app.xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'extended-properties"/>'
    ),
    "docProps/custom.xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'custom-properties"/>'
    ),
    "meta.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' office:version="1.2"><office:meta/></office:document-meta>'
    ),
}

_ANNOTATION = re.compile(rb"<office:annotation\b.*?</office:annotation\s*>", re.DOTALL)
_PartCleaner = Callable[[str, bytes, set], bytes]


def clean_document(path: Path, file_type: FileType, *, parsed=None) -> tuple[str, ...]:
    """Rewrite the checked upload at *path* without its metadata, in place.

    *parsed* is what the check read of the file, if cleaning can reuse it: a PDF's reader
    (`tracker.documents.pdf.CheckedPdf`), which must have read this very file.

    :returns: the kinds of metadata removed, in `METADATA_KINDS` order; ``()`` if none.
    :raises UploadError: the file cannot be cleaned (or not without breaking it); the file
        at *path* is then left as it was, for the caller to remove.
    """
    cleaner = _CLEANERS.get(file_type)
    if cleaner is None:
        return ()
    target = new_staging_path()
    try:
        with open(path, "rb") as source, create_private(target) as out:
            found = cleaner(source, out, parsed)
        # Nothing to remove: the file stays exactly as it was sent.
        if found:
            os.replace(target, path)
    except UploadError:
        raise
    except Exception as error:
        # Hostile or unusual files fail in many ways; none of them may be stored uncleaned.
        raise cannot_clean(file_type) from error
    finally:
        target.unlink(missing_ok=True)
    return tuple(kind for kind in METADATA_KINDS if kind in found)


def create_private(path: Path) -> BinaryIO:
    """Create *path* for writing an applicant's file: brand-new, never a link, mode 0600.

    O_EXCL | O_NOFOLLOW: never an existing file or a link someone planted; 0600 so that
    no other local account can read applicants' documents.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    return os.fdopen(fd, "w+b")


# -- PDF -----------------------------------------------------------------------------------


def _clean_pdf(source: BinaryIO, target: BinaryIO, reader=None) -> set[str]:
    from pypdf import PdfReader, PdfWriter

    from tracker.documents.pdf import quiet_pypdf

    with quiet_pypdf():
        if reader is None:
            reader = PdfReader(source, strict=False)
            if reader.is_encrypted:
                # Only PDFs that open without a password get here (check_pdf, which
                # decrypts the reader it hands on): the copy is written without the owner
                # password's restrictions.
                reader.decrypt("")
        if _is_signed(reader):
            raise signed_pdf()
        found = _info_kinds(reader.metadata or {}) | _detach_metadata(reader)
        if found:
            # The copy holds what the document's root still reaches, nothing else: not the
            # /Info dictionary, not the streams just detached, and not the trailer's file
            # identifier, which writers make from the original's name, size and dates.
            writer = PdfWriter()
            writer.clone_reader_document_root(reader)
            writer.write(target)
    return found


def _detach_metadata(reader) -> set[str]:
    """Take the XMP streams and application data out of the reader's own objects, before
    anything is copied: from the catalog, every node of the page tree, and the images and
    forms their resources name (which may carry XMP of their own). Return their kinds."""
    from pypdf.generic import DictionaryObject

    from tracker.documents.pdf import entry, tree_nodes

    found = set()
    root = reader.root_object
    for holder in [root, *tree_nodes([root.get("/Pages")])]:
        for key in ("/Metadata", "/PieceInfo"):
            if key in holder:
                found.add("xmp" if key == "/Metadata" else "software")
                del holder[key]
        resources = entry(holder, "/Resources")
        objects = entry(resources, "/XObject") if isinstance(resources, DictionaryObject) else None
        for reference in objects.values() if isinstance(objects, DictionaryObject) else ():
            item = reference.get_object()
            if isinstance(item, DictionaryObject) and "/Metadata" in item:
                del item["/Metadata"]
                found.add("xmp")
    return found


def _info_kinds(info) -> set[str]:
    kinds = {
        "/Author": "author",
        "/Title": "title",
        "/Subject": "title",
        "/Keywords": "title",
        "/Creator": "software",
        "/Producer": "software",
        "/CreationDate": "dates",
        "/ModDate": "dates",
    }
    return {kinds.get(key, "custom_fields") for key in info if key != "/Trapped"}


def _is_signed(reader) -> bool:
    """Tell whether the PDF carries a signature (DocMDP or usage rights, or a signed field)."""
    from pypdf.generic import ArrayObject, DictionaryObject

    from tracker.documents.pdf import entry, tree_nodes

    root = reader.trailer["/Root"]
    if "/Perms" in root:
        return True
    form = entry(root, "/AcroForm")
    if not isinstance(form, DictionaryObject):
        return False
    if int(form.get("/SigFlags", 0) or 0) & 1:
        return True
    fields = entry(form, "/Fields")
    return any(
        field.get("/FT") == "/Sig" and "/V" in field
        for field in tree_nodes(fields if isinstance(fields, ArrayObject) else ())
    )


# -- zip archives (DOCX, ODT) --------------------------------------------------------------


def _clean_archive(source: BinaryIO, target: BinaryIO, part_cleaner: _PartCleaner) -> set:
    found: set[str] = set()

    def clean_entry(name: str, data: bytes) -> bytes:
        data = part_cleaner(name, data, found)
        if name.lower().endswith(IMAGE_SUFFIXES):
            data = clean_image(data, found)
        return data

    rewrite_archive(source, target, clean_entry)
    return found


def _docx_part(name: str, data: bytes, found: set) -> bytes:
    if name in _EMPTY_PARTS and name.startswith("docProps/"):
        found |= _property_kinds(data)
        return _EMPTY_PARTS[name]
    if name.startswith("word/") and name.endswith(".xml"):
        kind = "comment_authors" if "comments" in name or "people" in name else "change_authors"
        return blank_attributes(data, kind, found)
    return data


def _odt_part(name: str, data: bytes, found: set) -> bytes:
    if name == "meta.xml":
        found |= _property_kinds(data)
        return _EMPTY_PARTS[name]
    if name in {"content.xml", "styles.xml"}:
        cleaned = _ANNOTATION.sub(
            lambda match: blank_elements(match.group(0), "comment_authors", found), data
        )
        cleaned = blank_elements(cleaned, "change_authors", found)
        prove_clean(cleaned)
        return cleaned
    return data


def _property_kinds(data: bytes) -> set[str]:
    root = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    return {
        _PROPERTY_KINDS.get(element.tag, "custom_fields")
        for element in root.iter()
        if (element.text or "").strip() or element.tag == f"{_META}user-defined"
    }


_CLEANERS: dict[FileType, Callable] = {
    FileType.PDF: _clean_pdf,
    FileType.DOCX: lambda source, target, _parsed: _clean_archive(source, target, _docx_part),
    FileType.ODT: lambda source, target, _parsed: _clean_archive(source, target, _odt_part),
    FileType.RTF: lambda source, target, _parsed: clean_rtf(source, target),
}
