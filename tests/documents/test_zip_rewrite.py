"""A cleaned DOCX/ODT keeps what cleaning does not change byte for byte (zip_rewrite.py).

Only the entries cleaning changes are compressed again; every other entry keeps its
compressed bytes, and a picture is written again only if it carries metadata.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from tests.documents.test_metadata_cleaning import NAME, gps_jpeg
from tracker.documents.clean_image import clean_image
from tracker.documents.validate import stage_upload
from tracker.documents.zip_rewrite import rewrite_archive

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CORE_WITH_AUTHOR = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{NAME}</dc:creator>'
    "</cp:coreProperties>"
).encode()
# Large enough that deflating it again at another level gives other bytes.
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W}">'
    + "".join(
        f'<w:style w:styleId="s{i}"><w:name w:val="Style {i}"/></w:style>' for i in range(3000)
    )
    + "</w:styles>"
).encode()


def raw_entries(data: bytes) -> dict[str, bytes]:
    """Return each entry's bytes as stored in the archive (compressed, not inflated)."""
    entries = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            start = info.header_offset
            name_length, extra_length = struct.unpack_from("<2H", data, start + 26)
            start += 30 + name_length + extra_length
            entries[info.filename] = data[start : start + info.compress_size]
    return entries


def png(*, text_after_pixels: bool = False) -> bytes:
    image = Image.frombytes("RGB", (64, 64), bytes(range(256)) * 48)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    data = buffer.getvalue()
    if text_after_pixels:
        # A text chunk after the image data, just before IEND: Pillow finds it only by
        # decoding the pixels.
        body = b"Author\0" + NAME.encode()
        chunk = struct.pack(">I4s", len(body), b"tEXt") + body
        chunk += struct.pack(">I", zlib.crc32(chunk[4:]))
        end = data.rindex(b"IEND") - 4
        data = data[:end] + chunk + data[end:]
    return data


def plain_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(buffer, format="JPEG")
    return buffer.getvalue()


def docx_with_pictures() -> bytes:
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            b'.org/package/2006/content-types"><Default Extension="xml" ContentType='
            b'"application/xml"/><Override PartName="/word/document.xml" ContentType='
            b'"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main'
            b'+xml"/></Types>'
        ),
        "docProps/core.xml": CORE_WITH_AUTHOR,
        "word/document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body><w:p>'
            "<w:r><w:t>Anschreiben von Nino Beridze</w:t></w:r></w:p></w:body></w:document>"
        ).encode(),
        "word/styles.xml": STYLES,
        "word/media/screenshot.png": png(),
        "word/media/plain.jpeg": plain_jpeg(),
        "word/media/photo.jpeg": gps_jpeg(),
    }
    buffer = io.BytesIO()
    # Level 9, not the level 6 or 1 cleaning would deflate with: a part compressed again
    # would not keep its bytes.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


@pytest.mark.usefixtures("request_context")
def test_only_the_changed_entries_of_a_docx_are_written_again():
    original = docx_with_pictures()
    staged = stage_upload(FileStorage(stream=io.BytesIO(original), filename="brief.docx"))
    cleaned = staged.path.read_bytes()
    staged.path.unlink()
    assert staged.metadata_removed == ("author", "gps")
    before, after = raw_entries(original), raw_entries(cleaned)
    assert list(after) == list(before)
    kept = ["[Content_Types].xml", "word/document.xml", "word/styles.xml"]
    kept += ["word/media/screenshot.png", "word/media/plain.jpeg"]
    assert [name for name in before if after[name] == before[name]] == kept
    with zipfile.ZipFile(io.BytesIO(cleaned)) as archive:
        assert archive.testzip() is None
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert all(info.extra == b"" for info in archive.infolist())
        assert NAME.encode() not in archive.read("docProps/core.xml")
        with Image.open(io.BytesIO(archive.read("word/media/photo.jpeg"))) as photo:
            assert not photo.getexif()
            assert photo.size == (8, 8)


def test_a_picture_without_metadata_is_returned_as_it_came():
    found = set()
    for picture in (png(), plain_jpeg()):
        assert clean_image(picture, found) is picture
    assert found == set()


def jpeg_segments(data: bytes) -> list[int]:
    """Return the markers of a JPEG's segments up to its first scan."""
    markers, position = [], 2
    while data[position + 1] != 0xDA:
        markers.append(data[position + 1])
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return markers


def test_an_upright_jpeg_loses_its_metadata_segments_and_keeps_its_pixels():
    photo = gps_jpeg()
    with Image.open(io.BytesIO(photo)) as image:
        image.save(buffer := io.BytesIO(), format="JPEG", exif=image.getexif(), comment=NAME)
        pixels = image.tobytes()
    photo = buffer.getvalue()
    assert 0xE1 in jpeg_segments(photo)
    assert 0xFE in jpeg_segments(photo)
    found = set()
    cleaned = clean_image(photo, found)
    assert found == {"gps"}
    assert 0xE1 not in jpeg_segments(cleaned)
    assert 0xFE not in jpeg_segments(cleaned)
    assert NAME.encode() not in cleaned
    # Nothing else changed: the same bytes without the two segments, the same pixels.
    assert len(photo) - len(cleaned) == sum(
        2 + int.from_bytes(photo[start + 2 : start + 4], "big")
        for start in (photo.index(b"\xff\xe1"), photo.index(b"\xff\xfe"))
    )
    with Image.open(io.BytesIO(cleaned)) as image:
        assert not image.getexif()
        assert image.tobytes() == pixels


def test_a_jpeg_to_be_turned_is_turned_upright_without_its_metadata():
    image = Image.new("RGB", (4, 2), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # turned 90°: viewers show it 2 wide and 4 high
    exif[0x013B] = NAME
    image.save(buffer := io.BytesIO(), format="JPEG", exif=exif)
    found = set()
    cleaned = clean_image(buffer.getvalue(), found)
    assert found == {"exif"}
    with Image.open(io.BytesIO(cleaned)) as upright:
        assert upright.size == (2, 4)
        assert not upright.getexif()


def test_a_png_with_a_text_chunk_after_its_pixels_is_written_again():
    found = set()
    cleaned = clean_image(png(text_after_pixels=True), found)
    assert found == {"exif"}
    assert b"tEXt" not in cleaned
    assert NAME.encode() not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.tobytes() == bytes(range(256)) * 48


def test_rewrite_keeps_order_names_methods_and_attributes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text")
        entry = zipfile.ZipInfo("Bilder/ნინო.xml")
        entry.external_attr = 0o100640 << 16
        archive.writestr(entry, b"<a>alt</a>" * 100, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", b"<b/>", zipfile.ZIP_DEFLATED)
    target = io.BytesIO()
    rewrite_archive(
        io.BytesIO(buffer.getvalue()),
        target,
        lambda name, data: b"<a>neu</a>" if name.endswith("ნინო.xml") else data,
    )
    with zipfile.ZipFile(io.BytesIO(target.getvalue())) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert [(info.filename, info.compress_type) for info in infos] == [
            ("mimetype", zipfile.ZIP_STORED),
            ("Bilder/ნინო.xml", zipfile.ZIP_DEFLATED),
            ("content.xml", zipfile.ZIP_DEFLATED),
        ]
        assert infos[1].external_attr == 0o100640 << 16
        assert [archive.read(info) for info in infos] == [
            b"application/vnd.oasis.opendocument.text",
            b"<a>neu</a>",
            b"<b/>",
        ]


def test_rewrite_refuses_a_damaged_entry():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/styles.xml", STYLES, zipfile.ZIP_STORED)
    damaged = buffer.getvalue().replace(b"Style 1500", b"Style 1501")
    with pytest.raises(zipfile.BadZipFile):
        rewrite_archive(io.BytesIO(damaged), io.BytesIO(), lambda name, data: data)


def jpeg_with_iptc_byline() -> bytes:
    """Return a JPEG whose only metadata is an IPTC byline (APP13, as Photoshop writes it)."""
    byline = NAME.encode()
    iptc = b"\x1c\x02\x50" + struct.pack(">H", len(byline)) + byline  # record 2:80, By-line
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    body = b"Photoshop 3.0\x00" + resource
    segment = b"\xff\xed" + struct.pack(">H", len(body) + 2) + body
    data = plain_jpeg()
    return data[:2] + segment + data[2:]


def test_a_jpeg_whose_only_metadata_is_an_iptc_byline_loses_it():
    photo = jpeg_with_iptc_byline()
    assert 0xED in jpeg_segments(photo)
    found = set()
    cleaned = clean_image(photo, found)
    assert found == {"exif"}
    assert 0xED not in jpeg_segments(cleaned)
    assert NAME.encode() not in cleaned
    assert len(photo) - len(cleaned) == 2 + int.from_bytes(photo[4:6], "big")
