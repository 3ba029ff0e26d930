"""Every stored document is a cleaned copy: nothing in storage names its author (issue 20)."""

from __future__ import annotations

import functools
import hashlib
import io
import re
import zipfile

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tests.applying import (
    application_form,
    assert_nothing_stored,
    error_summary,
    post,
    stored_files,
)
from tracker.documents import refusals
from tracker.documents.extract import extract_text
from tracker.documents.extract_job import read_stored_document
from tracker.documents.storage import storage_root
from tracker.documents.validate import UploadError, stage_upload
from tracker.enums import FileType
from tracker.extensions import db
from tracker.models import Document

NAME = "Tamar Example"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"


def _needles(text: str) -> list[bytes]:
    found = []
    for word in (text, "Tamar"):
        found += [word.encode(enc) for enc in ("utf-8", "utf-16-be", "utf-16-le")]
        found += [word.encode().hex().encode(), word.encode().hex().upper().encode()]
        found += [("\ufeff" + word).encode("utf-16-be").hex().encode().upper()]
    return found


def assert_nowhere_in_storage(app) -> None:
    files = stored_files(app)
    assert files
    for path in files:
        data = path.read_bytes()
        for needle in _needles(NAME):
            assert needle.lower() not in data.lower(), (path, needle)
        # Inside zip archives, the entries' inflated content too.
        if data.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for info in archive.infolist():
                    entry = archive.read(info)
                    for needle in _needles(NAME):
                        assert needle.lower() not in entry.lower(), (info.filename, needle)
                    assert b"GPSInfo" not in entry


# -- building the files -------------------------------------------------------------------


def tamar_pdf() -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter(clone_from=io.BytesIO(_text_pdf("Lebenslauf Nino Beridze")))
    writer.add_metadata({"/Author": NAME, "/Creator": "Writer", "/Title": f"CV of {NAME}"})
    xmp = DecodedStreamObject()
    xmp.set_data(
        b'<?xpacket begin=""?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>'
        + NAME.encode()
        + b'</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _text_pdf(text: str) -> bytes:
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    pdf = pypdfium2.PdfDocument.new()
    page = pdf.new_page(595, 842)
    font = pdfium_c.FPDFText_LoadStandardFont(pdf, b"Helvetica")
    obj = pdfium_c.FPDFPageObj_NewTextObj(pdf, b"Helvetica", 12.0)
    del font
    encoded = (text + "\0").encode("utf-16-le")
    import ctypes

    buffer = ctypes.create_string_buffer(encoded)
    pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 72, 700)
    pdfium_c.FPDFPage_InsertObject(page, obj)
    pdfium_c.FPDFPage_GenerateContent(page)
    out = io.BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def gps_jpeg() -> bytes:
    from PIL import Image

    image = Image.new("RGB", (8, 8), "red")
    exif = Image.Exif()
    exif[0x013B] = NAME  # Artist
    exif[0x8825] = {1: "N", 2: (41.0, 42.0, 0.0), 3: "E", 4: (44.0, 47.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def tamar_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Anschreiben von Nino Beridze")
    document.add_picture(io.BytesIO(gps_jpeg()))
    properties = document.core_properties
    properties.author = NAME
    properties.last_modified_by = NAME
    properties.title = f"Letter by {NAME}"
    buffer = io.BytesIO()
    document.save(buffer)
    parts = _zip_parts(buffer.getvalue())
    body = parts["word/document.xml"].decode()
    tracked = (
        f'<w:p><w:ins w:id="91" w:author="{NAME}" w:date="2026-01-01T00:00:00Z">'
        f"<w:r><w:t>Eingefügt</w:t></w:r></w:ins>"
        f'<w:del w:id="92" w:author="{NAME}" w:date="2026-01-01T00:00:00Z"><w:r>'
        f"<w:delText>weg</w:delText></w:r></w:del>"
        f'<w:commentRangeStart w:id="0"/><w:r><w:t>Kommentiert</w:t></w:r>'
        f'<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>'
    )
    parts["word/document.xml"] = body.replace("<w:sectPr", tracked + "<w:sectPr", 1).encode()
    parts["word/comments.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments xmlns:w="{W}">'
        f'<w:comment w:id="0" w:author="{NAME}" w:initials="TE"><w:p><w:r><w:t>Bitte prüfen'
        f"</w:t></w:r></w:p></w:comment></w:comments>"
    ).encode()
    parts["word/people.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><w15:people xmlns:w15="{W15}"><w15:person '
        f'w15:author="{NAME}"><w15:presenceInfo w15:providerId="AD" '
        f'w15:userId="S::tamar@example.org::1"/></w15:person></w15:people>'
    ).encode()
    parts["docProps/app.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats'
        b'.org/officeDocument/2006/extended-properties"><Company>'
        + NAME.encode()
        + b"</Company><Template>Normal.dotm</Template><TotalTime>42</TotalTime></Properties>"
    )
    return _zip(parts)


def _zip_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tamar_odt() -> bytes:
    from odf import dc, meta, office, text
    from odf.namespaces import XMLNS
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.meta.addElement(meta.InitialCreator(text=NAME))
    document.meta.addElement(dc.Creator(text=NAME))
    changes = text.TrackedChanges()
    # odfpy's grammar lists xml:id as the region's id but will not take it as an argument.
    region = text.ChangedRegion(check_grammar=False)
    region.setAttrNS(XMLNS, "id", "ct1")
    insertion = text.Insertion()
    info = office.ChangeInfo()
    info.addElement(dc.Creator(text=NAME))
    info.addElement(dc.Date(text="2026-01-01T00:00:00"))
    insertion.addElement(info)
    region.addElement(insertion)
    changes.addElement(region)
    document.text.addElement(changes)
    paragraph = text.P(text="Arbeitsprobe aus Kutaissi")
    annotation = office.Annotation()
    annotation.addElement(dc.Creator(text=NAME))
    annotation.addElement(text.P(text="Notiz"))
    paragraph.addElement(annotation)
    document.text.addElement(paragraph)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def tamar_rtf() -> bytes:
    return (
        rb"{\rtf1\ansi{\info{\author Tamar Example}{\operator Tamar Example}"
        rb"{\*\company Tamar Example}}{\*\revtbl {Unknown;}{Tamar Example;}}"
        rb"Anschreiben von Nino Beridze\par}"
    )


def assert_text_as_before(document: Document, original: bytes, tmp_path) -> None:
    """The extract_text job reads the stored, cleaned copy: its text is the original's."""
    before = tmp_path / f"original-{document.kind}.{document.file_type}"
    before.write_bytes(original)
    text, _ = read_stored_document(document.storage_key, document.file_type)
    assert text == extract_text(before, FileType(document.file_type))
    assert "Nino Beridze" in text or "Kutaissi" in text


# -- submission ---------------------------------------------------------------------------


def _submit(client, call, **files):
    response = post(client, call, application_form(client, call, **files))
    assert response.status_code == 302, response.text
    return {document.kind: document for document in db.session.scalars(select(Document))}


def test_a_pdf_and_a_docx_naming_tamar_are_stored_without_her_name(app, client, call, tmp_path):
    pdf, docx_file = tamar_pdf(), tamar_docx()
    assert NAME.encode() in pdf
    assert all(
        NAME.encode() in _zip_parts(docx_file)[part]
        for part in ("docProps/core.xml", "word/comments.xml", "word/document.xml")
    )
    documents = _submit(
        client,
        call,
        cv=(io.BytesIO(pdf), "cv.pdf"),
        writing_sample=(io.BytesIO(docx_file), "probe.docx"),
    )
    assert_nowhere_in_storage(app)
    cv, probe = documents["cv"], documents["writing_sample"]
    assert cv.original_sha256 == hashlib.sha256(pdf).hexdigest()
    assert probe.original_sha256 == hashlib.sha256(docx_file).hexdigest()
    assert cv.metadata_removed == ["author", "title", "dates", "software", "xmp"]
    assert probe.metadata_removed == [
        "author",
        "company",
        "title",
        "dates",
        "template",
        "revisions",
        "comment_authors",
        "change_authors",
        "gps",
        "exif",  # python-docx's thumbnail
    ]
    for document in (cv, probe):
        stored = next(p for p in stored_files(app) if p.name == document.storage_key)
        data = stored.read_bytes()
        assert hashlib.sha256(data).hexdigest() == document.sha256 != document.original_sha256
        assert document.size == len(data)
        assert_text_as_before(document, pdf if document is cv else docx_file, tmp_path)
    # The archive's entry times tell when it was saved: one fixed time for all.
    stored = next(p for p in stored_files(app) if p.name == probe.storage_key)
    with zipfile.ZipFile(stored) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_odt_and_rtf_are_cleaned_and_their_text_is_extracted_as_before(app, client, call, tmp_path):
    odt, rtf = tamar_odt(), tamar_rtf()
    documents = _submit(
        client,
        call,
        cv=(io.BytesIO(rtf), "cv.rtf"),
        writing_sample=(io.BytesIO(odt), "probe.odt"),
    )
    assert_nowhere_in_storage(app)
    assert documents["cv"].metadata_removed == ["author", "company", "change_authors"]
    assert documents["writing_sample"].metadata_removed == [
        "author",
        "software",
        "comment_authors",
        "change_authors",
    ]
    assert_text_as_before(documents["cv"], rtf, tmp_path)
    assert_text_as_before(documents["writing_sample"], odt, tmp_path)


def test_the_candidate_page_says_what_was_removed(app, client, call, editor_client):
    documents = _submit(
        client,
        call,
        cv=(io.BytesIO(tamar_docx()), "cv.docx"),
        writing_sample=(io.BytesIO(b"Nur Text.\n"), "probe.txt"),
    )
    # A document stored before cleaning existed.
    documents["writing_sample"].metadata_removed = None
    db.session.commit()
    page = editor_client.get(f"/review/applications/{documents['cv'].application_id}?lang=en").text
    notes = [
        re.sub(r"\s+", " ", note).strip()
        for note in re.findall(r'<p class="document-metadata muted">(.*?)</p>', page, re.S)
    ]
    assert notes == [
        "Metadata removed: author, company, title, subject and keywords, dates, "
        "template, revision count and editing time, comment authors, tracked-change authors, GPS, camera data (EXIF)",
        "Stored before metadata was removed",
    ]


def test_a_text_file_has_no_metadata(app, client, call, editor_client):
    documents = _submit(client, call, writing_sample=(io.BytesIO(b"Nur Text.\n"), "probe.txt"))
    assert documents["writing_sample"].metadata_removed == []
    page = editor_client.get(f"/review/applications/{documents['cv'].application_id}?lang=en").text
    assert page.count("No metadata found") == 1


def signed_pdf(*, flagged: bool = True) -> bytes:
    """Tamar's PDF with a signed field; not *flagged*: without the form's /SigFlags, the
    field a kid of another, so that only walking the fields finds the signature."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(tamar_pdf())))
    signature = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Sig"),
            NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
        }
    )
    field = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Sig"),
            NameObject("/V"): writer._add_object(signature),
        }
    )
    top = writer._add_object(field)
    if not flagged:
        parent = DictionaryObject({NameObject("/Kids"): ArrayObject([top])})
        top = writer._add_object(parent)
    form = DictionaryObject({NameObject("/Fields"): ArrayObject([top])})
    if flagged:
        form[NameObject("/SigFlags")] = NumberObject(3)
    writer.root_object[NameObject("/AcroForm")] = form
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted_docx() -> bytes:
    # An OLE compound file as Office writes a password-protected DOCX: the header's
    # signature, and the EncryptedPackage stream's name in its directory.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    directory = "Root Entry".encode("utf-16-le").ljust(128, b"\0")
    directory += "EncryptedPackage".encode("utf-16-le").ljust(128, b"\0")
    return header + directory + b"\0" * 1024


@pytest.mark.parametrize(
    ("build", "name", "message"),
    [
        (
            signed_pdf,
            "cv.pdf",
            "Dieses PDF ist digital signiert. Wir entfernen vor dem Speichern aus jedem "
            "Dokument die Angaben zur Verfasserin oder zum Verfasser, und das würde die "
            "Signatur ungültig machen. Bitte laden Sie eine Kopie ohne Signatur hoch.",
        ),
        (
            functools.partial(signed_pdf, flagged=False),
            "cv.pdf",
            "Dieses PDF ist digital signiert. Wir entfernen vor dem Speichern aus jedem "
            "Dokument die Angaben zur Verfasserin oder zum Verfasser, und das würde die "
            "Signatur ungültig machen. Bitte laden Sie eine Kopie ohne Signatur hoch.",
        ),
        (
            encrypted_docx,
            "cv.docx",
            "Diese Word (DOCX)-Datei ist mit einem Passwort geschützt, deshalb können wir sie "
            "weder prüfen noch die Angaben zur Verfasserin oder zum Verfasser daraus entfernen. "
            "Bitte speichern Sie eine Kopie ohne Passwort und laden Sie sie hoch.",
        ),
    ],
)
def test_files_that_cannot_be_cleaned_are_refused_and_nothing_is_stored(
    app, client, call, build, name, message
):
    response = post(client, call, application_form(client, call, cv=(io.BytesIO(build()), name)))
    assert response.status_code == 400
    assert error_summary(response.text) == [f"Lebenslauf: {message}"]
    assert_nothing_stored(app)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


@pytest.mark.parametrize("refusal", [refusals.signed_pdf, refusals.protected_document])
def test_the_refusals_are_written_in_every_applicant_language(app, refusal):
    arguments = () if refusal is refusals.signed_pdf else (FileType.ODT,)
    with force_locale("en"):
        english = str(refusal(*arguments).message)
    translated = set()
    for language in ("de", "ru", "ka", "hy", "az"):
        with force_locale(language):
            translated.add(str(refusal(*arguments).message))
    assert english not in translated
    assert len(translated) == 5


def _stage(data: bytes, filename: str):
    return stage_upload(FileStorage(stream=io.BytesIO(data), filename=filename))


def _refusal(data: bytes, filename: str) -> str:
    with pytest.raises(UploadError) as refused:
        _stage(data, filename)
    assert list((storage_root() / "staging").iterdir()) == []
    return str(refused.value.message)


@pytest.fixture
def english(app):
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.mark.usefixtures("english")
def test_a_password_protected_odt_is_refused():
    parts = _zip_parts(tamar_odt())
    parts["META-INF/manifest.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        b'<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA">'
        b"</manifest:encryption-data></manifest:file-entry></manifest:manifest>"
    )
    # ODF requires `mimetype` first and stored.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", parts.pop("mimetype"), zipfile.ZIP_STORED)
        for name, data in parts.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    assert _refusal(buffer.getvalue(), "probe.odt") == (
        "This OpenDocument (ODT) file is protected by a password, so we cannot check it or "
        "remove the author's details from it. Please save a copy without a password and "
        "upload it."
    )


COMMENT_WITH_ANOTHER_PREFIX = (
    f'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="{W}" xmlns:ü="{W}">'
    f'<w:comment w:id="0" ü:author="{NAME}"><w:p/></w:comment></w:comments>'
).encode()
COMMENT_WITH_A_DEFAULT_AUTHOR = (
    f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE w:comments [<!ATTLIST w:comment '
    f'w:author CDATA "{NAME}">]><w:comments xmlns:w="{W}"><w:comment w:id="0"><w:p/>'
    f"</w:comment></w:comments>"
).encode()


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    "comments",
    [
        # Valid XML that the blanking patterns miss, caught by the second look.
        pytest.param(COMMENT_WITH_ANOTHER_PREFIX, id="prefix-outside-ascii"),
        pytest.param(COMMENT_WITH_A_DEFAULT_AUTHOR, id="dtd-default-attribute"),
        # The DTD is looked for in the prolog: a comment there that looks like a tag
        # does not end it early.
        pytest.param(
            COMMENT_WITH_A_DEFAULT_AUTHOR.replace(
                b"?><!DOCTYPE", b"?><!-- <w:comments> --><!DOCTYPE"
            ),
            id="dtd-after-a-comment",
        ),
        # A part no XML reader gets through to its root is searched whole for a DTD.
        pytest.param(b"\x01" + COMMENT_WITH_A_DEFAULT_AUTHOR, id="dtd-in-unreadable-xml"),
        pytest.param(
            COMMENT_WITH_ANOTHER_PREFIX.decode().replace("UTF-8", "UTF-16").encode("utf-16"),
            id="utf-16",
        ),
    ],
)
def test_a_name_the_cleaning_cannot_reach_refuses_the_file(comments):
    parts = _zip_parts(tamar_docx())
    parts["word/comments.xml"] = comments
    assert _refusal(_zip(parts), "brief.docx") == (
        "We could not remove the author's details from this Word (DOCX) file, and we store "
        "no document with them. Please save it again from the program you wrote it in, or as "
        "PDF, and upload the new copy."
    )


@pytest.mark.usefixtures("english")
def test_a_pdf_with_only_an_owner_password_is_stored_without_its_restrictions():
    from pypdf import PdfReader

    from tests.hostile_files import owner_password_pdf

    staged = _stage(owner_password_pdf(), "cv.pdf")
    assert staged.metadata_removed == ("software",)
    assert not PdfReader(staged.path).is_encrypted
    staged.path.unlink()


def _xmp_stream(creator: str):
    from pypdf.generic import DecodedStreamObject, NameObject

    xmp = DecodedStreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{creator}</dc:creator></x:xmpmeta>".encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    return xmp


def _pdf_with_metadata_everywhere() -> bytes:
    """Tamar's PDF with XMP on its page too, the writing program's /PieceInfo, and a
    picture with XMP of its own in resources its page inherits from the page tree."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    writer = PdfWriter(clone_from=io.BytesIO(tamar_pdf()))
    page = writer.pages[0]
    page[NameObject("/Metadata")] = writer._add_object(_xmp_stream(f"{NAME} (page)"))
    writer.root_object[NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/Writer"): DictionaryObject({NameObject("/Private"): NameObject("/Tamar")})}
    )
    picture = DecodedStreamObject()
    picture.set_data(b"\x80")
    for key, value in (
        ("/Type", NameObject("/XObject")),
        ("/Subtype", NameObject("/Image")),
        ("/Width", NumberObject(1)),
        ("/Height", NumberObject(1)),
        ("/ColorSpace", NameObject("/DeviceGray")),
        ("/BitsPerComponent", NumberObject(8)),
        ("/Metadata", writer._add_object(_xmp_stream(f"{NAME} (picture)"))),
    ):
        picture[NameObject(key)] = value
    # The page's resources move up to the page tree, which its pages inherit them from.
    resources = page.pop("/Resources").get_object()
    resources[NameObject("/XObject")] = DictionaryObject(
        {NameObject("/Im1"): writer._add_object(picture)}
    )
    writer.root_object["/Pages"].get_object()[NameObject("/Resources")] = resources
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.usefixtures("english")
def test_a_pdf_loses_every_metadata_stream_and_its_file_identifier():
    from pypdf import PdfReader

    original = _pdf_with_metadata_everywhere()
    assert original.count(NAME.encode()) == 5  # /Author, /Title and three XMP streams
    assert b"/ID" in original
    assert b"/PieceInfo" in original

    staged = _stage(original, "cv.pdf")

    assert staged.metadata_removed == ("author", "title", "dates", "software", "xmp")
    cleaned = staged.path.read_bytes()
    for needle in _needles(NAME):
        assert needle.lower() not in cleaned.lower(), needle
    # Nothing the copy leaves out is written: no /Info, no XMP, no application data, and no
    # file identifier (made by the original's writer from its name, size and dates).
    for mark in (b"/Info", b"/Metadata", b"/PieceInfo", b"/ID", b"Tamar"):
        assert mark not in cleaned, mark
    reader = PdfReader(staged.path)
    assert "Lebenslauf Nino Beridze" in reader.pages[0].extract_text()
    picture = reader.pages[0]["/Resources"]["/XObject"]["/Im1"].get_object()
    assert (picture["/Subtype"], picture.get_data()) == ("/Image", b"\x80")
    staged.path.unlink()


@pytest.mark.usefixtures("english")
def test_a_pdf_with_nothing_to_remove_is_stored_as_it_was_sent():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.metadata = None
    buffer = io.BytesIO()
    writer.write(buffer)
    original = buffer.getvalue()
    assert b"/Info" not in original
    assert b"/Metadata" not in original

    staged = _stage(original, "cv.pdf")

    assert staged.metadata_removed == ()
    assert staged.path.read_bytes() == original
    staged.path.unlink()
