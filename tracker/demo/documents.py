"""The demo's documents: real PDF, DOCX, ODT and TXT files, built once and linked.

Files: 100,000 applications bring ~250,000 documents. Writing and fsyncing a distinct file
for each would take most of an hour and gigabytes, so a handful of template documents are
built once (each stored by `storage.store_staged` on first use) and every further
document gets its own storage key whose file is a hard link to a template's file (a copy
where the filesystem has no hard links, and a copy inside the bucket with the S3 backend).
Every row therefore has a file of its own name, size and sha256, as `storage reconcile`
expects, and deleting one leaves the others alone. A file gets at most `LINKS_PER_FILE`
links before a fresh copy is made, which stays far below every filesystem's link limit.
Links are not fsynced: this is demo data.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from tracker.demo.data import (
    CV_DE,
    CV_DE_BENCHMARK,
    CV_EN,
    CV_EN_BENCHMARK,
    CV_RU,
    LETTER_DE,
    LETTER_EN,
    LETTER_RU,
    SAMPLE_DE,
    SAMPLE_EN,
    SAMPLE_RU,
)
from tracker.documents.extract_job import read_stored_document
from tracker.documents.storage import (
    duplicate_stored,
    new_staging_path,
    store_staged,
)
from tracker.enums import FileType

LINKS_PER_FILE = 1000


def text_pdf(lines: list[str], *, lines_per_page: int = 48) -> bytes:
    """Return a PDF with *lines* of text (Helvetica, so Western European characters only)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    pages = [lines[i : i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    for page_lines in pages or [[]]:
        page = writer.add_blank_page(width=595, height=842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        operations = [b"BT /F1 11 Tf 15 TL 56 790 Td"]
        for line in page_lines:
            data = line.encode("cp1252", "replace")
            data = data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            operations.append(b"(" + data + b") Tj T*")
        operations.append(b"ET")
        stream = DecodedStreamObject()
        stream.set_data(b"\n".join(operations))
        page.replace_contents(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def text_docx(paragraphs: list[str]) -> bytes:
    """Return a DOCX whose first paragraph is a heading and the rest body text."""
    import docx

    document = docx.Document()
    document.add_heading(paragraphs[0], level=1)
    for paragraph in paragraphs[1:]:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def text_odt(paragraphs: list[str]) -> bytes:
    """Return an ODT whose first paragraph is a heading and the rest body text."""
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text=paragraphs[0]))
    for paragraph in paragraphs[1:]:
        document.text.addElement(P(text=paragraph))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def text_txt(paragraphs: list[str]) -> bytes:
    """Return UTF-8 text, one paragraph per blank-line-separated block."""
    return ("\n\n".join(paragraphs) + "\n").encode("utf-8")


CV_TEMPLATES: dict[str, tuple[FileType, Callable[[], bytes]]] = {
    "cv_en_pdf": (FileType.PDF, lambda: text_pdf(CV_EN)),
    "cv_de_pdf": (FileType.PDF, lambda: text_pdf(CV_DE)),
    "cv_en2_pdf": (FileType.PDF, lambda: text_pdf([*CV_EN[:2], *CV_DE[2:]])),
    "cv_ru_docx": (FileType.DOCX, lambda: text_docx(CV_RU)),
    "cv_de_docx": (FileType.DOCX, lambda: text_docx(CV_DE)),
}
BENCHMARK_TEMPLATES: dict[str, tuple[FileType, Callable[[], bytes]]] = {
    "cv_benchmark_pdf": (FileType.PDF, lambda: text_pdf(CV_EN_BENCHMARK)),
    "cv_benchmark_docx": (FileType.DOCX, lambda: text_docx(CV_DE_BENCHMARK)),
}
LETTER_TEMPLATES: dict[str, tuple[FileType, Callable[[], bytes]]] = {
    "letter_de_docx": (FileType.DOCX, lambda: text_docx(LETTER_DE)),
    "letter_en_docx": (FileType.DOCX, lambda: text_docx(LETTER_EN)),
    "letter_ru_txt": (FileType.TXT, lambda: text_txt(LETTER_RU)),
}
SAMPLE_TEMPLATES: dict[str, tuple[FileType, Callable[[], bytes]]] = {
    "sample_de_pdf": (FileType.PDF, lambda: text_pdf(SAMPLE_DE)),
    "sample_en_pdf": (FileType.PDF, lambda: text_pdf(SAMPLE_EN)),
    "sample_de_odt": (FileType.ODT, lambda: text_odt(SAMPLE_DE)),
    "sample_ru_docx": (FileType.DOCX, lambda: text_docx(SAMPLE_RU)),
    "sample_en_txt": (FileType.TXT, lambda: text_txt(SAMPLE_EN)),
}


@dataclass
class TemplateDocument:
    """One template document: built and stored on first use, then linked."""

    name: str
    file_type: FileType
    build: Callable[[], bytes]
    source: str | None = None  # the storage key the next documents are made from
    links: int = 0
    size: int = 0
    sha256: str = ""
    text: str | None = None
    page_count: int | None = None


@dataclass
class DemoFiles:
    """The template documents and the files made from them in the current batch."""

    templates: dict[str, TemplateDocument]
    created: list[str] = field(default_factory=list)

    def new_file(self, template: TemplateDocument) -> str:
        """Return the storage key of a new file with *template*'s content."""
        if template.source is None:
            # The first document of a template stores it the way uploads are stored.
            data = template.build()
            staged = new_staging_path()
            fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            key = store_staged(staged)
            template.source = key
            template.size = len(data)
            template.sha256 = hashlib.sha256(data).hexdigest()
            # Read as the extract_text job reads an upload, so the demo looks processed.
            template.text, template.page_count = read_stored_document(key, template.file_type)
            self.created.append(key)
            return key
        copy = template.links >= LINKS_PER_FILE
        # A link shares the bytes (the filesystem backend); S3 copies inside the bucket.
        key = duplicate_stored(template.source, share=not copy)
        self.created.append(key)
        if copy:
            template.source, template.links = key, 0
        template.links += 1
        return key


def templates() -> dict[str, TemplateDocument]:
    """Return every template document by name, none of them built yet."""
    return {
        name: TemplateDocument(name=name, file_type=file_type, build=build)
        for group in (CV_TEMPLATES, BENCHMARK_TEMPLATES, LETTER_TEMPLATES, SAMPLE_TEMPLATES)
        for name, (file_type, build) in group.items()
    }
