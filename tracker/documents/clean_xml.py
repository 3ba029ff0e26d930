"""Blank the names in a DOCX or ODT part's XML, then prove that none is left.

Done on the bytes (clean.py's archive cleaners call these for each text part): author,
initials and account attributes, and creator elements, are blanked by pattern; the result
is searched again for any name left under any prefix, and for a DTD or an encoding the
patterns cannot see through. Anything unexpected raises ValueError, and the upload is
refused.
"""

from __future__ import annotations

import re
from xml.parsers import expat

__all__ = ["blank_attributes", "blank_elements", "prove_clean"]

# Attributes that name a person or their account: comment and tracked-change authors and
# initials (any part of word/), people.xml's accounts.
_ATTRIBUTE = re.compile(
    rb"(\s(?:[A-Za-z_][\w.-]*:)?(?:author|initials|userId|providerId))(\s*=\s*)"
    rb"(\"[^\"]*\"|'[^']*')"
)
# ODF names people in elements: dc:creator in annotations and tracked changes' change-info.
_ELEMENT = re.compile(rb"(<(dc:creator|meta:creator-initials)(?:\s[^>]*)?>)([^<]*)(</\2\s*>)")
_LEFT_ATTRIBUTE = re.compile(
    rb"[\s:](?:author|initials|userId|providerId)\s*=\s*(?:\"[^\"]+\"|'[^']+')"
)
_LEFT_ELEMENT = re.compile(rb"<(?:[^\s>/:]+:)?creator(?:-initials)?(?:\s[^>]*)?>\s*[^<\s]")
# The words each pattern needs: a part holding none of them (most parts, the large styles
# among them) is passed by a plain search for each word, ten times quicker per MB than
# the pattern, which tries every space and colon of the XML.
_ATTRIBUTE_WORDS = (b"author", b"initials", b"userId", b"providerId")
_ELEMENT_WORD = b"creator"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY", b"<!ATTLIST")


def blank_attributes(data: bytes, kind: str, found: set) -> bytes:
    """Return the DOCX part *data* with its author-like attributes emptied, proved clean;
    *kind* is added to *found* if one named somebody."""
    if not _names_left_by_attribute(data):
        # Nothing to blank: the search just made is the proof's first half.
        prove_clean(data, attributes_searched=True)
        return data

    def blank(match: re.Match) -> bytes:
        if len(match.group(3)) > 2:
            found.add(kind)
        return match.group(1) + match.group(2) + b'""'

    cleaned = _ATTRIBUTE.sub(blank, data)
    prove_clean(cleaned)
    return cleaned


def _names_left_by_attribute(data: bytes) -> bool:
    return _holds_any(data, _ATTRIBUTE_WORDS) and bool(_LEFT_ATTRIBUTE.search(data))


def _holds_any(data: bytes, words: tuple[bytes, ...]) -> bool:
    """Whether *data* holds any of *words*.

    Searched backwards: for a word of six letters or more in a large part, ``in`` and
    ``find`` take CPython's two-way search, which reads Word's 790 KB of styles at half the
    speed of ``rfind``'s skipping search (the five words 2.2 ms against 1.0; it runs more
    instructions, but fewer cycles).
    """
    return any(data.rfind(word) >= 0 for word in words)


def _has_dtd(data: bytes) -> bool:
    """Whether *data* declares a DTD, or might.

    A DTD stands in the prolog, before the root element: expat reads that far (comments
    and processing instructions as XML has them) instead of the whole part being searched,
    half a millisecond for the styles of a Word file. A part expat cannot read up to its
    root is searched whole for the marks, as a lenient reader might still find one.
    """
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _PrologRead(found_dtd=True)
    parser.StartElementHandler = _PrologRead(found_dtd=False)
    try:
        parser.Parse(data, True)
    except _PrologRead as stop:
        return stop.found_dtd
    except expat.ExpatError:
        pass
    # Each mark begins "<!", which most parts do not hold at all: one search instead of three.
    return b"<!" in data and any(mark in data for mark in _DTD_MARKS)


class _PrologRead(Exception):
    """Stops expat at a DOCTYPE or at the root element, whichever comes first."""

    def __init__(self, *, found_dtd: bool) -> None:
        self.found_dtd = found_dtd

    def __call__(self, *_) -> None:
        raise self


def blank_elements(data: bytes, kind: str, found: set) -> bytes:
    """Return the ODT XML *data* with its creator elements emptied (not yet proved clean);
    *kind* is added to *found* if one named somebody."""

    def blank(match: re.Match) -> bytes:
        if match.group(3).strip():
            found.add(kind)
        return match.group(1) + match.group(4)

    return _ELEMENT.sub(blank, data)


def prove_clean(data: bytes, *, attributes_searched: bool = False) -> None:
    """Check a cleaned part again: no attribute or element that names a person is left.

    Done on the bytes, which is quick for the largest parts: any author-like attribute
    with a value, or creator element with text, whatever its prefix, refuses the file, and
    so do encodings and DTDs (default attribute values) that the patterns cannot see
    through. Word and LibreOffice write neither.
    """
    if data[:2] in _UTF16_BOMS or b"\x00" in data[:200] or _has_dtd(data):
        raise ValueError("an XML part in an encoding or with a DTD we do not clean")
    if (not attributes_searched and _names_left_by_attribute(data)) or (
        _holds_any(data, (_ELEMENT_WORD,)) and _LEFT_ELEMENT.search(data)
    ):
        raise ValueError("a name is left in an XML part")
