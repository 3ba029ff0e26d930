"""Remove EXIF (GPS included), XMP and text chunks from a picture inside a DOCX or ODT.

A phone's photo in a CV carries where it was taken and the camera's owner; a screenshot's
PNG may carry the software and the author in text chunks. Only a picture that carries any
of them is written again (Pillow); every other picture is returned as it came, so that
the archive keeps its compressed bytes (zip_rewrite.py).
"""

from __future__ import annotations

import io
import struct

__all__ = ["IMAGE_SUFFIXES", "clean_image"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")
_IMAGE_METADATA = frozenset({"exif", "xmp", "XML:com.adobe.xmp", "comment"})
_GPS_TAG = 0x8825
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The chunks Pillow reads EXIF, XMP and texts from; any other chunk is pixels or how to
# show them (palette, gamma, colour profile, resolution).
_PNG_METADATA_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf"})
_PNG_CHUNK = struct.Struct(">I4s")


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
