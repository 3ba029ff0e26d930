"""Tests for tracker.documents.validate: which files are accepted, which are refused, and how."""

from __future__ import annotations

import hashlib
import io
import stat
import tracemalloc
import zipfile

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage

from tests import hostile_files as hostile
from tracker.documents.storage import storage_root
from tracker.documents.validate import (
    CHUNK_SIZE,
    CONTENT_TYPES,
    StagedFile,
    UploadError,
    sanitise_filename,
    stage_upload,
)
from tracker.enums import FileType

SAMPLES = hostile.SAMPLES
MB = 1024 * 1024

WRONG_TYPE = (
    "This file must be a PDF, Word (DOCX), OpenDocument (ODT), RTF or plain-text (TXT) file. "
    "Please save it in one of these formats and upload it again."
)
EMPTY = "This file is empty. Please save your document again and upload the new copy."
TOO_LARGE_10 = (
    "This file is larger than 10 MB. Please make it smaller – for example, save it as PDF "
    "with compressed images – and upload it again."
)
UNREADABLE_PDF = (
    "We could not read this PDF; please export it again from the program you wrote it in "
    "and upload the new copy."
)
PROTECTED_PDF = (
    "This PDF is protected by a password or by restrictions. Please save a copy without "
    "protection and upload it."
)
UNREADABLE_DOCX = (
    "We could not read this Word (DOCX) file; please save it again from the program you "
    "wrote it in and upload the new copy."
)
UNREADABLE_RTF = (
    "We could not read this RTF file; please save it again from the program you wrote it "
    "in and upload the new copy."
)
UNREADABLE_TXT = (
    "We could not read this text file; please save it again as plain text in UTF-8 "
    "encoding and upload the new copy."
)
MACROS = (
    "This document contains macros, which we cannot accept for security reasons. Please "
    "save it as PDF or as a Word document without macros (.docx) and upload the new copy."
)
TOO_COMPLEX = (
    "This document is too large or complex for us to open safely. Please save it as PDF "
    "and upload the new copy."
)


def mismatch(extension: str, expected: str) -> str:
    return (
        f"This file is called .{extension} but is not in {expected} format. Please open it "
        f"in the program you wrote it in, save it again as {expected} and upload the new copy."
    )


def rename(extension: str) -> str:
    return (
        f"The name of this file should end in .{extension}. Please rename it and upload it again."
    )


@pytest.fixture(autouse=True)
def request_context(app):
    """Messages are lazy and render in the request's language, so tests need a request.

    English is forced so that the exact assertions below survive the German catalogue.
    """
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture(scope="session")
def zip_bomb() -> bytes:
    return hostile.zip_bomb_docx()


@pytest.fixture(scope="session")
def many_entries() -> bytes:
    return hostile.many_entries_docx()


def make_upload(data: bytes, filename: str | None, content_type: str = "application/pdf"):
    # The client's Content-Type is "application/pdf" by default on purpose: it is a lie for
    # most files below, and must make no difference.
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def staging_contents() -> list[str]:
    return sorted(path.name for path in (storage_root() / "staging").iterdir())


def refusal(data: bytes, filename: str | None) -> str:
    """Stage *data* expecting a refusal; return the message and check nothing is left."""
    with pytest.raises(UploadError) as caught:
        stage_upload(make_upload(data, filename))
    assert staging_contents() == []
    assert str(caught.value) == str(caught.value.message)
    return str(caught.value.message)


# -- accepted files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "file_type"),
    [
        ("cv.pdf", FileType.PDF),
        ("cover_letter.docx", FileType.DOCX),
        ("cover_letter.rtf", FileType.RTF),
        ("writing_sample.odt", FileType.ODT),
        ("writing_sample.txt", FileType.TXT),
    ],
)
def test_stage_upload_accepts_good_samples(sample, file_type):
    data = (SAMPLES / sample).read_bytes()

    staged = stage_upload(make_upload(data, sample, "application/octet-stream"))

    assert staged.file_type is file_type
    assert staged.filename == sample
    assert staged.content_type == CONTENT_TYPES[file_type]
    # What is staged is the cleaned copy (test_metadata_cleaning.py): the samples carry
    # their writers' metadata, so it differs from what was sent.
    cleaned = staged.path.read_bytes()
    assert staged.size == len(cleaned)
    assert staged.sha256 == hashlib.sha256(cleaned).hexdigest()
    assert staged.original_sha256 == hashlib.sha256(data).hexdigest()
    assert (cleaned == data) is (staged.metadata_removed == ())
    assert staged.flags == ()
    assert staged.path.parent == storage_root() / "staging"
    assert stat.S_IMODE(staged.path.stat().st_mode) == 0o600
    assert staging_contents() == [staged.path.name]


@pytest.mark.parametrize(
    ("build", "filename", "file_type", "flags"),
    [
        pytest.param(hostile.minimal_docx, "brief.docx", FileType.DOCX, (), id="minimal-docx"),
        pytest.param(hostile.minimal_odt, "probe.odt", FileType.ODT, (), id="minimal-odt"),
        # libmagic says "application/zip" for this one: the structure check decides.
        pytest.param(hostile.reordered_docx, "brief.docx", FileType.DOCX, (), id="reordered"),
        pytest.param(hostile.blank_pdf, "blank.pdf", FileType.PDF, (), id="blank-pdf"),
        pytest.param(hostile.owner_password_pdf, "cv.pdf", FileType.PDF, (), id="owner-pw"),
        pytest.param(hostile.utf16_txt, "notes.txt", FileType.TXT, (), id="utf16-txt"),
        pytest.param(
            hostile.pdf_with_javascript,
            "cv.pdf",
            FileType.PDF,
            ("pdf_active_content",),
            id="pdf-javascript-flagged",
        ),
        pytest.param(
            hostile.rtf_with_object,
            "cv.rtf",
            FileType.RTF,
            ("rtf_embedded_object",),
            id="rtf-object-flagged",
        ),
    ],
)
def test_stage_upload_accepts_and_flags(build, filename, file_type, flags):
    data = build()

    staged = stage_upload(make_upload(data, filename))

    cleaned = staged.path.read_bytes()
    assert (staged.file_type, staged.flags, staged.size) == (file_type, flags, len(cleaned))
    assert staged.sha256 == hashlib.sha256(cleaned).hexdigest()
    assert staged.original_sha256 == hashlib.sha256(data).hexdigest()
    # A file with nothing to remove is stored exactly as sent.
    assert (cleaned == data) is (staged.metadata_removed == ())


def test_stage_upload_keeps_only_a_sanitised_display_name():
    data = (SAMPLES / "cv.pdf").read_bytes()

    staged = stage_upload(make_upload(data, "C:\\fakepath\\Lebens\u202elauf.PDF"))

    assert staged.filename == "Lebenslauf.pdf"
    # The name on disk is random, never derived from the client's.
    assert "Lebens" not in staged.path.name
    assert len(staged.path.name) == 32


def test_stage_upload_reads_from_the_start_of_the_stream():
    data = (SAMPLES / "writing_sample.txt").read_bytes()
    upload = make_upload(data, "sample.txt")
    upload.stream.read(10)  # as a form validator peeking at the magic bytes would

    assert stage_upload(upload).sha256 == hashlib.sha256(data).hexdigest()


# -- refused files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "filename", "message"),
    [
        pytest.param(hostile.exe_named_pdf, "cv.pdf", WRONG_TYPE, id="exe-as-pdf"),
        pytest.param(hostile.html_named_pdf, "cv.pdf", WRONG_TYPE, id="html-as-pdf"),
        pytest.param(hostile.svg_named_pdf, "cv.pdf", WRONG_TYPE, id="svg-as-pdf"),
        pytest.param(hostile.html_named_pdf, "cv.txt", WRONG_TYPE, id="html-as-txt"),
        pytest.param(hostile.plain_zip, "cv.zip", WRONG_TYPE, id="zip"),
        pytest.param(hostile.plain_zip, "cv.pdf", WRONG_TYPE, id="zip-as-pdf"),
        pytest.param(hostile.utf32_garbage_txt, "cv.txt", WRONG_TYPE, id="binary-as-txt"),
        pytest.param(hostile.pdf_html_polyglot, "cv.pdf", UNREADABLE_PDF, id="pdf-html"),
        pytest.param(hostile.truncated_pdf, "cv.pdf", UNREADABLE_PDF, id="truncated-pdf"),
        pytest.param(hostile.password_pdf, "cv.pdf", PROTECTED_PDF, id="password-pdf"),
        pytest.param(hostile.empty, "cv.pdf", EMPTY, id="empty"),
        pytest.param(
            hostile.plain_zip, "cv.docx", mismatch("docx", "Word (DOCX)"), id="zip-as-docx"
        ),
        pytest.param(
            hostile.plain_zip, "cv.odt", mismatch("odt", "OpenDocument (ODT)"), id="zip-as-odt"
        ),
        pytest.param(
            hostile.odt_mimetype_not_first,
            "cv.odt",
            mismatch("odt", "OpenDocument (ODT)"),
            id="odt-mimetype-not-first",
        ),
        pytest.param(hostile.minimal_docx, "cv.pdf", mismatch("pdf", "PDF"), id="docx-as-pdf"),
        pytest.param(
            hostile.minimal_docx, "cv.odt", mismatch("odt", "OpenDocument (ODT)"), id="docx-odt"
        ),
        pytest.param(hostile.blank_pdf, "cv.docx", mismatch("docx", "Word (DOCX)"), id="pdf-doc"),
        pytest.param(
            hostile.rtf_with_object, "cv.txt", mismatch("txt", "plain-text (TXT)"), id="rtf-as-txt"
        ),
        pytest.param(hostile.utf16_txt, "cv.rtf", mismatch("rtf", "RTF"), id="txt-as-rtf"),
        pytest.param(hostile.blank_pdf, "cv", rename("pdf"), id="no-extension"),
        pytest.param(hostile.blank_pdf, "cv.pdf.exe", rename("pdf"), id="pdf-as-exe"),
        pytest.param(hostile.blank_pdf, None, rename("pdf"), id="no-name"),
        pytest.param(hostile.macro_docx, "cv.docx", MACROS, id="vba-project"),
        pytest.param(hostile.macro_content_type_docx, "cv.docx", MACROS, id="docm-as-docx"),
        pytest.param(hostile.odt_with_basic_macro, "cv.odt", MACROS, id="odt-basic"),
        pytest.param(hostile.traversal_docx, "cv.docx", UNREADABLE_DOCX, id="zip-slip"),
        pytest.param(hostile.absolute_path_docx, "cv.docx", UNREADABLE_DOCX, id="absolute"),
        pytest.param(hostile.symlink_docx, "cv.docx", UNREADABLE_DOCX, id="symlink"),
        pytest.param(hostile.duplicate_entry_docx, "cv.docx", UNREADABLE_DOCX, id="duplicate"),
        pytest.param(hostile.xxe_docx, "cv.docx", UNREADABLE_DOCX, id="xxe"),
        pytest.param(hostile.billion_laughs_docx, "cv.docx", UNREADABLE_DOCX, id="laughs"),
        pytest.param(hostile.high_ratio_docx, "cv.docx", TOO_COMPLEX, id="high-ratio"),
        pytest.param(hostile.utf32_txt, "cv.txt", UNREADABLE_TXT, id="utf32-text"),
        pytest.param(hostile.text_with_control_characters, "cv.txt", UNREADABLE_TXT, id="escapes"),
        pytest.param(lambda: b"Gr\xfc\xdfe\n", "cv.txt", UNREADABLE_TXT, id="latin-1-text"),
    ],
)
def test_stage_upload_refuses_hostile_file(build, filename, message):
    assert refusal(build(), filename) == message


def test_stage_upload_refuses_rtf_that_does_not_start_as_rtf(monkeypatch):
    # libmagic finds "{\rtf" only at the start; if it ever guessed RTF for other content,
    # our own check must still refuse it.
    monkeypatch.setattr("tracker.documents.validate.sniff", lambda path: "text/rtf")

    assert refusal(b"hello {\\rtf1}", "cv.rtf") == UNREADABLE_RTF


def test_stage_upload_refuses_zip_bomb_without_inflating_it(monkeypatch, zip_bomb):
    opened = []
    real_open = zipfile.ZipFile.open

    def recording_open(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    tracemalloc.start()
    try:
        message = refusal(zip_bomb, "cv.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert message == TOO_COMPLEX
    assert opened == []
    assert peak < 4 * MB


def test_stage_upload_refuses_100000_entries_before_indexing_them(many_entries):
    assert len(many_entries) < 10 * MB  # refused for its entries, not its size
    tracemalloc.start()
    try:
        message = refusal(many_entries, "cv.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert message == TOO_COMPLEX
    # zipfile would hold 100,000 ZipInfo objects (tens of MB) had it indexed the archive.
    assert peak < 4 * MB


def test_stage_upload_refuses_too_many_entries_by_configuration(app):
    app.config["ZIP_MAX_ENTRIES"] = 2

    assert refusal(hostile.minimal_docx(), "cv.docx") == TOO_COMPLEX


def test_stage_upload_stops_reading_at_the_size_limit():
    upload = make_upload(bytes(11 * MB), "cv.pdf")

    with pytest.raises(UploadError) as caught:
        stage_upload(upload)

    assert str(caught.value.message) == TOO_LARGE_10
    assert upload.stream.tell() <= 10 * MB + CHUNK_SIZE
    assert staging_contents() == []


def test_stage_upload_accepts_a_file_of_exactly_the_limit(app):
    app.config["MAX_FILE_SIZE"] = MB
    data = b"Tiflis " * (MB // 7) + b"x" * (MB % 7)

    staged = stage_upload(make_upload(data, "sample.txt"))
    assert staged.size == MB
    staged.path.unlink()
    assert refusal(data + b"x", "sample.txt") == (
        "This file is larger than 1 MB. Please make it smaller – for example, save it as PDF "
        "with compressed images – and upload it again."
    )


def test_too_large_message_formats_the_configured_limit(app):
    app.config["MAX_FILE_SIZE"] = 3 * MB // 2

    with pytest.raises(UploadError) as caught:
        stage_upload(make_upload(bytes(2 * MB), "cv.pdf"))

    assert str(caught.value.message) == (
        "This file is larger than 1.5 MB. Please make it smaller – for example, save it as "
        "PDF with compressed images – and upload it again."
    )
    # The number is formatted when the message is shown, in the reader's language.
    with force_locale("de"):
        assert "1,5 MB" in str(caught.value.message)


def test_stage_upload_removes_its_file_on_unexpected_errors(monkeypatch):
    def broken(path):
        raise RuntimeError("libmagic crashed")

    monkeypatch.setattr("tracker.documents.validate.sniff", broken)

    with pytest.raises(RuntimeError):
        stage_upload(make_upload(hostile.blank_pdf(), "cv.pdf"))
    assert staging_contents() == []


def test_upload_error_message_is_lazy_and_translatable():
    with pytest.raises(UploadError) as caught:
        stage_upload(make_upload(b"", "cv.pdf"))

    assert type(caught.value.message).__name__ == "LazyString"


# -- sanitise_filename -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "file_type", "expected"),
    [
        ("Lebenslauf.PDF", FileType.PDF, "Lebenslauf.pdf"),
        ("C:\\Users\\ana\\Desktop\\cv.pdf", FileType.PDF, "cv.pdf"),
        ("../../etc/passwd", FileType.TXT, "passwd.txt"),
        ("cv\u202etxt.exe.pdf", FileType.PDF, "cvtxt.exe.pdf"),
        (
            "\u2066a\u2067b\u2068c\u2069d\u200e\u200f\u202a\u202b\u202c\u202d.odt",
            FileType.ODT,
            "abcd.odt",
        ),
        ('my "best"\r\n c\'v.docx', FileType.DOCX, "my best cv.docx"),
        ("  spaced \t  out\u00a0\u2003 .txt", FileType.TXT, "spaced out.txt"),
        ("Re\u0301sume\u0301.pdf", FileType.PDF, "R\u00e9sum\u00e9.pdf"),
        ("Резюме Тбилиси.odt", FileType.ODT, "Резюме Тбилиси.odt"),
        ("cv\x00.pdf.exe", FileType.PDF, "cv.pdf.exe.pdf"),
        ("report.final", FileType.PDF, "report.final.pdf"),
        ("cv.docx", FileType.PDF, "cv.pdf"),
        (".hidden.rtf", FileType.RTF, "hidden.rtf"),
        (None, FileType.ODT, "document.odt"),
        ("", FileType.PDF, "document.pdf"),
        ("...", FileType.PDF, "document.pdf"),
        ("\u202e\r\n.pdf", FileType.PDF, "document.pdf"),
        ("folder/", FileType.TXT, "document.txt"),
        ("\ud800cv.pdf", FileType.PDF, "cv.pdf"),
    ],
)
def test_sanitise_filename(name, file_type, expected):
    assert sanitise_filename(name, file_type) == expected


def test_sanitise_filename_truncates_to_120_characters_keeping_the_extension():
    name = sanitise_filename("a" * 300 + " .docx", FileType.DOCX)

    assert name == "a" * 115 + ".docx"
    assert len(name) == 120


def test_sanitise_filename_does_not_end_a_truncated_stem_in_a_space():
    name = sanitise_filename("a" * 115 + " bcdef.pdf", FileType.PDF)

    assert name == "a" * 115 + ".pdf"


def test_staged_file_is_immutable():
    staged = StagedFile(
        path=storage_root() / "staging" / "x",
        filename="cv.pdf",
        file_type=FileType.PDF,
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        flags=(),
    )

    with pytest.raises(AttributeError):
        staged.size = 2
