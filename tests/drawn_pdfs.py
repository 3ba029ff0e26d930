"""Build small PDFs for the reading-room tests with pypdfium2 (the library that draws them)."""

from __future__ import annotations

import hashlib
import io

import pypdfium2

from tracker.documents.pages import count_pages
from tracker.documents.storage import new_staging_path, store_staged
from tracker.extensions import db
from tracker.models import Application, Document


def pdf_with_pages(count: int, size: tuple[float, float] = (595, 842)) -> bytes:
    """Return a PDF of *count* blank pages of *size* points (A4 by default)."""
    pdf = pypdfium2.PdfDocument.new()
    for _ in range(count):
        pdf.new_page(*size)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    return buffer.getvalue()


def store_pdf(
    application: Application, data: bytes, *, kind: str = "cv", text=None, counted: bool = True
) -> Document:
    """Store *data* as the application's PDF of *kind*, the way a submission does, with
    its pages counted as the extract_text job counts them (not yet, unless *counted*)."""
    staged = new_staging_path()
    staged.write_bytes(data)
    document = Document(
        application=application,
        kind=kind,
        filename=f"{kind}.pdf",
        file_type="pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=store_staged(staged),
        flags=[],
        text=text,
        page_count=count_pages(data) if counted else None,
    )
    db.session.add(document)
    db.session.commit()
    return document
