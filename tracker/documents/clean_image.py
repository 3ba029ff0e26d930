"""Remove EXIF (GPS included), XMP and text chunks from a picture inside a DOCX or ODT.

A phone's photo in a CV carries where it was taken and the camera's owner; a screenshot's
PNG may carry the software and the author in text chunks. Only a picture that carries any
of them is written again; every other picture is returned as it came, so that the archive
keeps its compressed bytes (zip_rewrite.py). An upright JPEG loses its metadata segments
and keeps every other byte (the pixels are not compressed a second time); a JPEG to be
turned upright, or another format, is written again by Pillow.
"""

from __future__ import annotations

import io
import re
import struct

__all__ = ["IMAGE_SUFFIXES", "clean_image"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")
# What Pillow reads into an image's info that can name a person: "photoshop" is a JPEG's
# APP13, where IPTC keeps a byline and a copyright notice.
_IMAGE_METADATA = frozenset({"exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop"})
_GPS_TAG = 0x8825
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The chunks Pillow reads EXIF, XMP and texts from; any other chunk is pixels or how to
# show them (palette, gamma, colour profile, resolution).
_PNG_METADATA_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf"})
_PNG_CHUNK = struct.Struct(">I4s")
_ORIENTATION_TAG = 0x0112
# The application segments a JPEG keeps when its metadata is cut out, by marker, with what
# their content starts with: JFIF (APP0), an ICC colour profile (APP2) and Adobe's colour
# transform (APP14) say how to show the picture. Every other one (EXIF and XMP in APP1,
# IPTC in APP13, makers' own) goes, and so do comments.
_JPEG_KEPT_APPS = {0xE0: b"", 0xE2: b"ICC_PROFILE\0", 0xEE: b"Adobe"}
_JPEG_COMMENT = 0xFE
_JPEG_SCAN, _JPEG_END = 0xDA, 0xD9
# In a scan's data 0xFF is followed by 0x00 (a stuffed byte), a restart marker or another
# 0xFF (fill); anything else begins the next segment.
_JPEG_MARKER_IN_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def clean_image(data: bytes, found: set) -> bytes:
    """Return the image without EXIF, XMP or text chunks; *data* itself if it has none.

    Adds "gps" or "exif" to *found* when something was removed.
    """
    if _png_without_metadata(data):
        # Pillow finds a PNG's texts only by decoding every pixel (they may follow the
        # image data): ~13 ms per MB, for nothing when no chunk can hold one.
        return data
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        extra = _IMAGE_METADATA & set(image.info)
        texts = getattr(image, "text", None) or {}
        if not exif and not extra and not texts:
            return data
        found.add("gps" if _GPS_TAG in exif else "exif")
        image_format = image.format
        if image_format == "JPEG" and exif.get(_ORIENTATION_TAG, 1) == 1:
            # Upright already: the segments are cut out, the picture's bytes kept as they
            # are (no decoding, no second compression).
            cut = _jpeg_without_metadata(data)
            if cut is not None:
                return cut
        # The orientation tag goes with the rest: turn the pixels as a viewer would have.
        upright = ImageOps.exif_transpose(image)
        buffer = io.BytesIO()
        options = {"quality": "keep"} if image_format == "JPEG" and upright is image else {}
        if image_format == "JPEG" and upright is not image:
            options = {"quality": 95}
        upright.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _png_without_metadata(data: bytes) -> bool:
    """Tell whether *data* is a whole PNG none of whose chunks can hold metadata.

    Only the chunks' headers are read. Anything unexpected (not a PNG, cut short, no end
    chunk) answers False, and Pillow judges the file as before.
    """
    if not data.startswith(_PNG_SIGNATURE):
        return False
    position = len(_PNG_SIGNATURE)
    while position + _PNG_CHUNK.size <= len(data):
        length, kind = _PNG_CHUNK.unpack_from(data, position)
        if kind in _PNG_METADATA_CHUNKS:
            return False
        if kind == b"IEND":
            return True
        # The chunk's length, type, data and CRC.
        position += _PNG_CHUNK.size + length + 4
    return False


def _jpeg_without_metadata(data: bytes) -> bytes | None:
    """Return the JPEG *data* without its metadata segments, every other byte as it was.

    None if the file is not laid out as a JPEG should be, or if Pillow still finds
    metadata in the result: the caller then writes the picture again.
    """
    from PIL import Image

    cut = _cut_jpeg_segments(data)
    if cut is None:
        return None
    with Image.open(io.BytesIO(cut)) as image:
        if image.getexif() or _IMAGE_METADATA & set(image.info):
            return None
    return cut


def _cut_jpeg_segments(data: bytes) -> bytes | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    kept = [data[:2]]
    position = 2
    while position + 1 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # a fill byte before the marker
            position += 1
            continue
        if marker == _JPEG_END:
            # Whatever follows the picture (another one, or anything) is not kept.
            kept.append(data[position : position + 2])
            return b"".join(kept)
        if position + 4 > len(data) or 0xD0 <= marker <= 0xD8 or marker == 0x01:
            return None
        end = position + 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if end > len(data) or end < position + 4:
            return None
        if marker == _JPEG_SCAN:
            following = _JPEG_MARKER_IN_SCAN.search(data, end)
            if following is None:
                return None
            end = following.start()
        elif marker == _JPEG_COMMENT or 0xE0 <= marker <= 0xEF:
            start = _JPEG_KEPT_APPS.get(marker)
            if start is None or not data.startswith(start, position + 4, end):
                position = end
                continue
        kept.append(data[position:end])
        position = end
    return None
