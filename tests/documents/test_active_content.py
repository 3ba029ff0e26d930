"""Active content wherever it hides in an upload: refused, or accepted and flagged in words.

The PDF rules live in tracker/documents/pdf.py, the DOCX/ODT rules in archives.py; both are
tested here through `stage_upload`, as a submission meets them, and through the candidate
page, as an editor meets the flags.
"""

from __future__ import annotations

import hashlib
import html
import io
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tests import hostile_files as hostile
from tests.applying import application_form, post
from tracker.documents.archives import check_archive
from tracker.documents.pdf import PDF_FLAGS, check_pdf
from tracker.documents.plaintext import RTF_OBJECT_FLAG, check_rtf
from tracker.documents.storage import storage_root
from tracker.documents.validate import UploadError, stage_upload
from tracker.enums import FileType
from tracker.extensions import db
from tracker.labels import FLAG_LABELS
from tracker.models import Application

HIDDEN_FILE = (
    "This PDF has another file hidden in it, which we cannot accept for security reasons. "
    "Please export it again from the program you wrote it in and upload the new copy."
)
PDF_ATTACHMENT = (
    "This PDF has a file attached inside it that is not a document (for example a program), "
    "which we cannot accept for security reasons. Please save the PDF again without "
    "attachments and upload the new copy."
)
REMOTE_CONTENT = (
    "This document loads content from another computer when it is opened (for example a "
    "remote template), which we cannot accept for security reasons. Please save it as PDF "
    "and upload the new copy."
)
MACROS = (
    "This document contains macros, which we cannot accept for security reasons. Please "
    "save it as PDF or as a Word document without macros (.docx) and upload the new copy."
)


@pytest.fixture
def request_context(app):
    """Messages are lazy and render in the request's language: English, for exact text."""
    with app.test_request_context(), force_locale("en"):
        yield


def stage(data: bytes, filename: str):
    return stage_upload(FileStorage(stream=io.BytesIO(data), filename=filename))


# -- stage_upload: accepted and flagged ------------------------------------------------------


@pytest.mark.usefixtures("request_context")
@pytest.mark.parametrize(
    ("build", "filename", "file_type", "flags"),
    [
        pytest.param(
            hostile.pdf_with_javascript, "cv.pdf", FileType.PDF, ("pdf_active_content",), id="doc"
        ),
        pytest.param(
            hostile.pdf_with_page_action, "cv.pdf", FileType.PDF, ("pdf_page_action",), id="page"
        ),
        pytest.param(
            hostile.pdf_with_link_javascript,
            "cv.pdf",
            FileType.PDF,
            ("pdf_interactive_script",),
            id="link-javascript",
        ),
        pytest.param(
            hostile.pdf_with_hex_escaped_link_javascript,
            "cv.pdf",
            FileType.PDF,
            ("pdf_interactive_script",),
            id="link-javascript-hex-names",
        ),
        pytest.param(
            hostile.pdf_with_field_page_open_action,
            "cv.pdf",
            FileType.PDF,
            ("pdf_page_action", "pdf_interactive_script"),
            id="field-runs-as-page-opens",
        ),
        pytest.param(
            lambda: hostile.pdf_with_attachment("lebenslauf.odt", hostile.minimal_odt()),
            "cv.pdf",
            FileType.PDF,
            ("pdf_embedded_file",),
            id="hybrid-pdf-with-its-odt",
        ),
        pytest.param(
            lambda: hostile.pdf_with_file_attachment_annotation("invoice.xml"),
            "cv.pdf",
            FileType.PDF,
            ("pdf_embedded_file",),
            id="paper-clip-with-xml",
        ),
        pytest.param(hostile.pdf_with_padding, "cv.pdf", FileType.PDF, (), id="eof-padding"),
        pytest.param(hostile.docx_with_hyperlink, "cv.docx", FileType.DOCX, (), id="hyperlink"),
        pytest.param(
            hostile.rtf_with_object, "cv.rtf", FileType.RTF, ("rtf_embedded_object",), id="rtf"
        ),
    ],
)
def test_stage_upload_accepts_and_flags_active_content(build, filename, file_type, flags):
    data = build()

    staged = stage(data, filename)

    assert (staged.file_type, staged.flags) == (file_type, flags)
    assert staged.original_sha256 == hashlib.sha256(data).hexdigest()
    # The cleaned copy still does what the flags warn of: cleaning hides nothing.
    checks = {
        FileType.PDF: check_pdf,
        FileType.DOCX: lambda path: check_archive(path, FileType.DOCX),
        FileType.RTF: check_rtf,
    }
    assert checks[file_type](staged.path) == flags


# -- stage_upload: refused ---------------------------------------------------------------------


@pytest.mark.usefixtures("request_context")
@pytest.mark.parametrize(
    ("build", "filename", "message"),
    [
        pytest.param(hostile.pdf_with_embedded_exe, "cv.pdf", PDF_ATTACHMENT, id="exe-attached"),
        pytest.param(
            hostile.pdf_with_file_attachment_annotation,
            "cv.pdf",
            PDF_ATTACHMENT,
            id="exe-paper-clip",
        ),
        pytest.param(hostile.pdf_followed_by_zip, "cv.pdf", HIDDEN_FILE, id="zip-after-eof"),
        pytest.param(hostile.pdf_with_zip_before_eof, "cv.pdf", HIDDEN_FILE, id="zip-then-eof"),
        pytest.param(hostile.pdf_followed_by_exe, "cv.pdf", HIDDEN_FILE, id="exe-after-eof"),
        pytest.param(
            lambda: hostile.pdf_with_attachment("probe.odt", hostile.odt_with_basic_macro()),
            "cv.pdf",
            HIDDEN_FILE,
            id="attached-odt-with-macros",
        ),
        pytest.param(hostile.docx_with_remote_template, "cv.docx", REMOTE_CONTENT, id="template"),
        pytest.param(hostile.docx_with_external_object, "cv.docx", REMOTE_CONTENT, id="ole-link"),
        pytest.param(hostile.odt_with_event_listener, "cv.odt", MACROS, id="odt-on-load"),
        pytest.param(hostile.odt_with_event_listener_in_styles, "cv.odt", MACROS, id="odt-styles"),
        pytest.param(hostile.odt_with_macro_link, "cv.odt", MACROS, id="odt-macro-link"),
    ],
)
def test_stage_upload_refuses_hidden_active_content(build, filename, message):
    with pytest.raises(UploadError) as caught:
        stage(build(), filename)

    assert str(caught.value.message) == message
    assert list((storage_root() / "staging").iterdir()) == []


# -- flags in words ----------------------------------------------------------------------------


def test_every_flag_has_a_label_in_english_and_german(app):
    with app.test_request_context():
        for flag in (*PDF_FLAGS, RTF_OBJECT_FLAG):
            with force_locale("en"):
                english = str(FLAG_LABELS[flag])
            with force_locale("de"):
                german = str(FLAG_LABELS[flag])
            assert german != english, flag
            assert "_" not in english + german, flag


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_editor_reads_every_flag_in_words_on_the_candidate_page(client, call, editor_client):
    data = application_form(
        client,
        call,
        cv=(io.BytesIO(hostile.pdf_with_page_action()), "Lebenslauf.pdf"),
        writing_sample=(
            io.BytesIO(hostile.pdf_with_attachment("probe.odt", hostile.minimal_odt())),
            "Probe.pdf",
        ),
        cover_letter=None,
        cover_letter_file=(io.BytesIO(hostile.rtf_with_object()), "Anschreiben.rtf"),
    )
    assert post(client, call, data).status_code == 302
    application = db.session.scalar(select(Application))
    assert sorted((d.kind, d.flags) for d in application.documents) == [
        ("cover_letter", ["rtf_embedded_object"]),
        ("cv", ["pdf_page_action"]),
        ("writing_sample", ["pdf_embedded_file"]),
    ]

    english = editor_client.get(f"/review/applications/{application.id}?lang=en").text
    german = editor_client.get(f"/review/applications/{application.id}?lang=de").text

    for sentence in (
        "Warning: This PDF runs JavaScript or other actions when a page opens or closes; "
        "open it only in a safe viewer",
        "Warning: This PDF contains an embedded file (an attachment inside the PDF); "
        "do not open the attachment",
        "Warning: This RTF file contains an embedded object, the usual way RTF files attack "
        "word processors; open it only in a safe viewer",
    ):
        assert sentence in text_of(english)
    for sentence in (
        "Warnung: Dieses PDF führt JavaScript oder andere Aktionen aus, wenn eine Seite "
        "geöffnet oder geschlossen wird; öffnen Sie es nur in einem sicheren Betrachter",
        "Warnung: Dieses PDF enthält eine eingebettete Datei (einen Anhang im PDF); öffnen "
        "Sie den Anhang nicht",
        "Warnung: Diese RTF-Datei enthält ein eingebettetes Objekt, den üblichen Weg, auf dem "
        "RTF-Dateien Textverarbeitungen angreifen; öffnen Sie sie nur in einem sicheren "
        "Betrachter",
    ):
        assert sentence in text_of(german)
    for key in ("pdf_page_action", "pdf_embedded_file", "rtf_embedded_object"):
        assert key not in english + german
