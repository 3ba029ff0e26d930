"""Text extraction: every accepted format is read, and nothing hostile gets through or in."""

from __future__ import annotations

import logging

import pytest

from tests import hostile_files as hostile
from tests.hostile_files import ODT_MANIFEST, ODT_MIMETYPE, SAMPLES
from tracker.demo.documents import text_docx, text_odt, text_pdf
from tracker.documents.extract import MAX_PDF_PAGES, extract_text, normalise_text
from tracker.enums import FileType


@pytest.fixture
def write(tmp_path):
    """Write bytes to a file of their own and return its path."""
    counter = iter(range(1000))

    def write(data: bytes):
        path = tmp_path / f"file{next(counter)}"
        path.write_bytes(data)
        return path

    return write


def odt_with_content(body: bytes) -> bytes:
    """Return an ODT whose content.xml has *body* inside office:text."""
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        b"<office:body><office:text>" + body + b"</office:text></office:body>"
        b"</office:document-content>"
    )
    return hostile._zip(
        [
            ("mimetype", ODT_MIMETYPE),
            ("content.xml", content),
            ("META-INF/manifest.xml", ODT_MANIFEST),
        ]
    )


# --- the samples -----------------------------------------------------------------------------


def test_pdf_sample_gives_its_text_in_order(app):
    text = extract_text(SAMPLES / "cv.pdf", FileType.PDF)
    assert text.startswith(
        "Nino Beridze — ნინო ბერიძე\n"
        "Freelance journalist, Tbilisi\n"
        "Experience\n"
        "2019–2024 Reporter, regional news agency (Kutaisi bureau)\n"
    )
    # Both pages, separated by a paragraph break.
    assert "Page 1\n\nNino Beridze" in text
    assert text.endswith("Page 2")


def test_docx_sample_gives_its_paragraphs(app):
    assert extract_text(SAMPLES / "cover_letter.docx", FileType.DOCX) == (
        "Nino Beridze\n\n"
        "Sehr geehrte Redaktion,\n\n"
        "ich bewerbe mich als lokale Expertin für Georgien. Seit 2016 berichte ich über "
        "Energiepolitik und die Häfen am Schwarzen Meer. Ich schreibe auf Deutsch und Englisch "
        "und kann Quellen auf Georgisch und Russisch erschließen.\n\n"
        "Mit freundlichen Grüßen\n"
        "Nino Beridze"
    )


def test_odt_sample_gives_its_heading_and_paragraphs(app):
    text = extract_text(SAMPLES / "writing_sample.odt", FileType.ODT)
    paragraph = (
        "Anaklia liegt am Schwarzen Meer, wenige Kilometer von der Waffenstillstandslinie "
        "entfernt. Seit mehr als zehn Jahren wird hier über einen Tiefwasserhafen gestritten."
    )
    assert text == "\n\n".join(
        ["Der Hafen von Anaklia: ein Projekt zwischen Ost und West", *[paragraph] * 6]
    )


def test_rtf_sample_gives_its_text(app):
    assert extract_text(SAMPLES / "cover_letter.rtf", FileType.RTF) == (
        "Dear editors,\nI would like to apply."
    )


def test_txt_sample_gives_its_text(app):
    text = extract_text(SAMPLES / "writing_sample.txt", FileType.TXT)
    assert text == (SAMPLES / "writing_sample.txt").read_text(encoding="utf-8").strip()


def test_utf16_text_with_crlf_keeps_its_lines(app, write):
    path = write(hostile.utf16_txt())
    assert extract_text(path, FileType.TXT) == "Grüße aus Tiflis\nZweite Zeile"


def test_utf8_text_with_bom_loses_the_bom(app, write):
    path = write("\ufeffКутаиси, ქუთაისი, Գյումրի\n".encode())
    assert extract_text(path, FileType.TXT) == "Кутаиси, ქუთაისი, Գյումրի"


def test_rtf_in_a_cyrillic_codepage_and_with_unicode_escapes(app, write):
    rtf = (
        rb"{\rtf1\ansi\ansicpg1251\deff0{\fonttbl{\f0 Arial;}}\f0 "
        rb"\'cf\'f0\'e8\'e2\'e5\'f2 \u4325?\u4323?\u4311?\u4304?\u4312?\u4321?\u4312?\par}"
    )
    assert extract_text(write(rtf), FileType.RTF) == "Привет ქუთაისი"


def test_rtf_pictures_and_objects_are_skipped(app, write):
    picture = b"89504e470d0a1a0a" * 200
    rtf = (
        rb"{\rtf1\ansi Lebenslauf\par{\pict\pngblip " + picture + rb"}"
        rb"{\object\objemb{\*\objdata " + picture + rb"}}Ende\par}"
    )
    assert extract_text(write(rtf), FileType.RTF) == "Lebenslauf\nEnde"


def test_docx_tables_text_boxes_and_headers_are_read_once(app, write):
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Nino Beridze · Kutaisi"
    document.add_paragraph("Lebenslauf")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "2019–2024"
    table.cell(0, 1).text = "Reporterin"
    merged = document.add_table(rows=1, cols=2)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "Sprachen"
    path = write(_docx_bytes(document))
    assert extract_text(path, FileType.DOCX) == (
        "Nino Beridze · Kutaisi\n\nLebenslauf\n\n2019–2024\n\nReporterin\n\nSprachen"
    )


def _docx_bytes(document) -> bytes:
    import io

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_odt_spaces_tabs_and_line_breaks_are_kept_and_notes_of_changes_dropped(app, write):
    body = (
        b"<text:h>Titel</text:h>"
        b'<text:p>eins<text:s text:c="3"/>zwei<text:tab/>drei<text:line-break/>vier</text:p>'
        b"<text:tracked-changes><text:changed-region><text:deletion>"
        b"<text:p>geloescht</text:p></text:deletion></text:changed-region></text:tracked-changes>"
        b"<text:list><text:list-item><text:p>Punkt</text:p></text:list-item></text:list>"
    )
    assert extract_text(write(odt_with_content(body)), FileType.ODT) == (
        "Titel\n\neins zwei drei\nvier\n\nPunkt"
    )


def test_demo_builders_round_trip(app, write):
    lines = ["Lebenslauf – Grüße (Klammern) und \\ Backslash", "Zweite Zeile"]
    assert extract_text(write(text_pdf(lines)), FileType.PDF) == "\n".join(lines)
    assert extract_text(write(text_docx(["Titel", "Абзац"])), FileType.DOCX) == "Titel\n\nАбзац"
    assert extract_text(write(text_odt(["Titel", "Absatz"])), FileType.ODT) == "Titel\n\nAbsatz"


# --- limits ----------------------------------------------------------------------------------


def test_output_is_capped_at_the_configured_length(app, write):
    app.config["EXTRACTED_TEXT_MAX_CHARS"] = 50
    text = extract_text(write(("Wort " * 10_000).encode()), FileType.TXT)
    assert text == ("Wort " * 10).strip()
    assert len(extract_text(SAMPLES / "cv.pdf", FileType.PDF)) <= 50


def test_default_cap_is_200000_characters(app, write):
    text = extract_text(write(b"Worte " * 100_000), FileType.TXT)
    assert len(text) == 200_000
    assert text.endswith("Worte Wo")


def test_pdf_pages_beyond_the_bound_are_not_read(app, write):
    lines = [f"Seite {number}" for number in range(1, MAX_PDF_PAGES + 11)]
    text = extract_text(write(text_pdf(lines, lines_per_page=1)), FileType.PDF)
    assert text.splitlines()[-1] == f"Seite {MAX_PDF_PAGES}"
    assert text.count("Seite") == MAX_PDF_PAGES


def test_forged_space_count_in_odt_is_bounded(app, write):
    body = b'<text:p>a<text:s text:c="999999999999"/>b<text:s text:c="x"/>c</text:p>'
    assert extract_text(write(odt_with_content(body)), FileType.ODT) == "a b c"


def test_deeply_nested_odt_does_not_exhaust_the_stack(app, write):
    depth = 5_000
    body = b"<text:span>" * depth + b"tief" + b"</text:span>" * depth
    assert extract_text(
        write(odt_with_content(b"<text:p>" + body + b"</text:p>")), FileType.ODT
    ) == ("tief")


# --- normalisation ---------------------------------------------------------------------------


def test_normalisation_keeps_paragraphs_and_drops_controls_and_padding():
    raw = (
        "  Titel \t\t mit   Abstand \r\n\r\n\r\n\r\nAbsatz\x00 eins\x1b[2J\x07\fSeite zwei "
        "\u202egnirts\u202c Tiefwasser\u00adhafen e\u0301 \ud83d\ude00 \ud800"
    )
    assert normalise_text(raw) == (
        "Titel mit Abstand\n\nAbsatz eins[2J\n\nSeite zwei gnirts Tiefwasserhafen é 😀 \ufffd"
    )


# --- broken and hostile input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "file_type"),
    [
        (hostile.empty, FileType.PDF),
        (hostile.exe_named_pdf, FileType.PDF),
        (hostile.html_named_pdf, FileType.PDF),
        (hostile.svg_named_pdf, FileType.PDF),
        (hostile.pdf_html_polyglot, FileType.PDF),
        (hostile.truncated_pdf, FileType.PDF),
        (hostile.password_pdf, FileType.PDF),
        (hostile.zip_bomb_docx, FileType.DOCX),
        (hostile.high_ratio_docx, FileType.DOCX),
        (hostile.many_entries_docx, FileType.DOCX),
        (hostile.plain_zip, FileType.DOCX),
        (hostile.traversal_docx, FileType.DOCX),
        (hostile.absolute_path_docx, FileType.DOCX),
        (hostile.symlink_docx, FileType.DOCX),
        (hostile.duplicate_entry_docx, FileType.DOCX),
        (hostile.xxe_docx, FileType.DOCX),
        (hostile.billion_laughs_docx, FileType.DOCX),
        (hostile.macro_content_type_docx, FileType.DOCX),
        (hostile.odt_mimetype_not_first, FileType.ODT),
        (hostile.plain_zip, FileType.ODT),
        (hostile.exe_named_pdf, FileType.DOCX),
        (hostile.exe_named_pdf, FileType.ODT),
        (hostile.utf32_txt, FileType.TXT),
        (hostile.utf32_garbage_txt, FileType.TXT),
        (lambda: b"\xff\xfe\x00", FileType.TXT),
        (lambda: "Grüße".encode("latin-1"), FileType.TXT),
        (hostile.empty, FileType.TXT),
        (hostile.empty, FileType.RTF),
        (hostile.exe_named_pdf, FileType.RTF),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_broken_and_hostile_files_give_none_and_log_only_the_failure_type(
    app, write, caplog, builder, file_type
):
    path = write(builder())
    with caplog.at_level(logging.INFO, logger="tracker.documents.extract"):
        assert extract_text(path, file_type) is None
    for record in caplog.records:
        message = record.getMessage()
        assert "root:" not in message
        assert str(path) not in message


def test_the_log_names_the_type_of_failure(app, write, caplog):
    with caplog.at_level(logging.WARNING, logger="tracker.documents.extract"):
        extract_text(write(hostile.zip_bomb_docx()), FileType.DOCX)
    assert caplog.messages == ["text extraction failed (docx file): UploadError"]


def test_files_accepted_with_a_warning_still_give_their_text(app, write):
    assert extract_text(write(hostile.macro_docx()), FileType.DOCX) == "Sehr geehrte Redaktion,"
    assert extract_text(write(hostile.odt_with_basic_macro()), FileType.ODT) == "Probe"
    assert extract_text(write(hostile.rtf_with_object()), FileType.RTF) == "Lebenslauf"
    assert extract_text(write(hostile.reordered_docx()), FileType.DOCX) == (
        "Sehr geehrte Redaktion,"
    )


def test_pdfs_without_text_give_none(app, write):
    assert extract_text(write(hostile.blank_pdf()), FileType.PDF) is None
    assert extract_text(write(hostile.owner_password_pdf()), FileType.PDF) is None
    assert extract_text(write(hostile.pdf_with_javascript()), FileType.PDF) is None


def test_control_characters_in_text_files_are_dropped(app, write):
    assert extract_text(write(hostile.text_with_control_characters()), FileType.TXT) == (
        "Lebenslauf\n[2J]0;pwned"
    )


def test_an_odt_with_an_entity_in_its_styles_is_refused(app, write):
    # The upload check parses content.xml only; styles.xml is first read here, by odfpy.
    styles = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">'
        b"&xxe;</office:document-styles>"
    )
    manifest = ODT_MANIFEST.replace(
        b"</manifest:manifest>",
        b'<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        b"</manifest:manifest>",
    )
    data = hostile._zip(
        [
            ("mimetype", ODT_MIMETYPE),
            ("content.xml", b'<?xml version="1.0"?><x/>'),
            ("styles.xml", styles),
            ("META-INF/manifest.xml", manifest),
        ]
    )
    assert extract_text(write(data), FileType.ODT) is None


def test_a_missing_file_gives_none(app, tmp_path):
    assert extract_text(tmp_path / "missing", FileType.PDF) is None
