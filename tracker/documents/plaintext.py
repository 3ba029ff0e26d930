"""Check RTF and plain-text uploads: the right start, readable encoding, no hidden objects."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from tracker.documents.refusals import unreadable
from tracker.documents.storage import CHUNK_SIZE
from tracker.enums import FileType

RTF_OBJECT_FLAG = "rtf_embedded_object"

# C0 control characters other than TAB, LF, FF and CR: never in prose, often in binaries
# and in terminal escape sequences that would run when an editor `cat`s the file.
_TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
_RTF_OBJECT = re.compile(rb"\\obj[a-z]")


def check_rtf(path: Path) -> tuple[str, ...]:
    """Check the RTF file at *path*; flag embedded objects, or raise UploadError."""
    with open(path, "rb") as handle:
        if handle.read(5) != b"{\\rtf":
            raise unreadable(FileType.RTF)
        handle.seek(0)
        # Embedded OLE objects (\object, \objdata) are the classic RTF exploit vector
        # (e.g. CVE-2017-11882). Many harmless files carry them too, so flag, not refuse.
        tail = b""
        while chunk := handle.read(CHUNK_SIZE):
            if _RTF_OBJECT.search(tail + chunk):
                return (RTF_OBJECT_FLAG,)
            tail = chunk[-8:]
    return ()


def read_text(path: Path) -> Iterator[str]:
    """Yield the text of the TXT file at *path* in chunks, as the upload rules read it.

    UTF-16 with a byte-order mark, else UTF-8 with or without one.

    :raises UnicodeError: UTF-32, or bytes that are not text in that encoding.
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
        # The UTF-32 LE mark starts with the UTF-16 LE one; test it first and refuse: no
        # editor writes UTF-32 prose, and our readers assume UTF-8 or UTF-16.
        if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            raise UnicodeError("UTF-32 text")
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        while chunk := handle.read(CHUNK_SIZE):
            yield decoder.decode(chunk)
        yield decoder.decode(b"", final=True)


def check_text(path: Path) -> tuple[str, ...]:
    """Check that *path* is UTF-8 or UTF-16 prose without control characters."""
    try:
        for text in read_text(path):
            if _TEXT_FORBIDDEN.search(text):
                raise unreadable(FileType.TXT)
    except UnicodeError as error:
        raise unreadable(FileType.TXT) from error
    return ()
