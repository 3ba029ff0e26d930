"""Copy a zip archive, changing some entries: only those are compressed again.

Cleaning a DOCX or ODT changes a few small parts (the properties, a comment's author, a
photo's EXIF) and leaves the rest, often hundreds of kilobytes of styles and pictures,
byte for byte as it was. zipfile can only write an entry by compressing it again, which
cost some 40 ms per MB of XML on every upload. So the copy is written here: an entry whose
content is unchanged keeps its compressed bytes (read from the source, after zipfile has
inflated them and checked their CRC); only a changed one is deflated again.

Every entry of the copy, unchanged or not, gets the same fixed time and no extra fields
(they hold timestamps and the writer's file system's attributes), and the archive no
comment: what remains is the entries' names, content and the attributes they declare.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import BinaryIO

__all__ = ["rewrite_archive"]

# Entries are written with one fixed time: the archive's own times tell when it was saved.
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00:00
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_CENTRAL_HEADER = struct.Struct("<4s6H3L5H2L")
_END_RECORD = struct.Struct("<4s4H2LH")
_VERSION = 20  # deflate; what zipfile writes for archives without Zip64
_MADE_BY = (3 << 8) | _VERSION  # Unix, so that external attributes mean what they say
_UTF8_NAME = 0x800
# Upload limits keep every archive far below these; a copy that would need Zip64 is refused.
_MAX_32 = 0xFFFFFFFF
_MAX_ENTRIES = 0xFFFF


def rewrite_archive(
    source: BinaryIO, target: BinaryIO, transform: Callable[[str, bytes], bytes]
) -> None:
    """Copy the archive *source* to *target*, each entry's content passed through *transform*.

    *transform* gets an entry's name and inflated content and returns the content to
    store: the same bytes to keep the entry's compressed data as it is. Entries keep their
    order, names, compression method and external attributes.

    :raises zipfile.BadZipFile: an entry is damaged (its CRC does not match), among the
        errors zipfile raises for a broken archive.
    :raises ValueError: the copy would need Zip64.
    """
    with zipfile.ZipFile(source) as archive:
        infos = archive.infolist()
        if len(infos) > _MAX_ENTRIES:
            raise ValueError("too many entries to rewrite without Zip64")
        directory = []
        for info in infos:
            # Inflated (and its CRC checked) whether or not it changes: the transform reads
            # it, and no entry is copied without having been read whole.
            data = archive.read(info)
            cleaned = transform(info.filename, data)
            if cleaned is data or cleaned == data:
                crc, size, method = info.CRC, info.file_size, info.compress_type
                stored = _raw_entry(source, info)
            else:
                crc, size, method = zlib.crc32(cleaned), len(cleaned), info.compress_type
                stored = _compress(cleaned, method, _level(info.filename))
            directory.append(_write_entry(target, info, crc, size, method, stored))
    start = target.tell()
    for record in directory:
        target.write(record)
    end = target.tell()
    if end > _MAX_32:
        raise ValueError("the archive is too large to rewrite without Zip64")
    count = len(directory)
    target.write(_END_RECORD.pack(b"PK\x05\x06", 0, 0, count, count, end - start, start, 0))


def _level(name: str) -> int:
    # Pictures are compressed already: deflating them hard again costs time (tens of ms
    # per MB) and saves nothing. XML parts shrink well.
    return 6 if name.lower().endswith((".xml", ".rels")) else 1


def _compress(data: bytes, method: int, level: int) -> bytes:
    if method == zipfile.ZIP_STORED:
        return data
    if method != zipfile.ZIP_DEFLATED:
        raise ValueError(f"compression method {method} is not rewritten")
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _raw_entry(source: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """Return the entry's compressed bytes, found as zipfile found them to inflate them."""
    source.seek(info.header_offset)
    header = source.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"no local header for {info.filename!r}")
    fields = _LOCAL_HEADER.unpack(header)
    name_length, extra_length = fields[9], fields[10]
    source.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    data = source.read(info.compress_size)
    if len(data) != info.compress_size:
        raise zipfile.BadZipFile(f"{info.filename!r} is cut short")
    return data


def _write_entry(
    target: BinaryIO, info: zipfile.ZipInfo, crc: int, size: int, method: int, stored: bytes
) -> bytes:
    """Write one entry's local header and data to *target*; return its directory record."""
    offset = target.tell()
    if max(offset, size, len(stored)) > _MAX_32:
        raise ValueError("an entry is too large to rewrite without Zip64")
    try:
        name, flags = info.filename.encode("ascii"), 0
    except UnicodeEncodeError:
        name, flags = info.filename.encode("utf-8"), _UTF8_NAME
    common = (flags, method, _DOS_TIME, _DOS_DATE, crc, len(stored), size, len(name))
    target.write(_LOCAL_HEADER.pack(b"PK\x03\x04", _VERSION, *common, 0))
    target.write(name)
    target.write(stored)
    record = _CENTRAL_HEADER.pack(
        b"PK\x01\x02", _MADE_BY, _VERSION, *common, 0, 0, 0, 0, info.external_attr, offset
    )
    return record + name
