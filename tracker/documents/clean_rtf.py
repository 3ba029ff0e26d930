"""Remove an RTF file's author details: its {\\info} group and the groups that name people.

Part of tracker.documents.clean (see there): the groups are cut out of the bytes, nothing
else of the file is touched.
"""

from __future__ import annotations

import re
from typing import BinaryIO

__all__ = ["clean_rtf"]

# Groups that name people or describe the file: {\info …}, {\*\revtbl …} (tracked
# changes' authors), {\*\atnauthor …} / {\*\atnid …} (comments'), {\*\userprops …}.
_RTF_GROUPS = {
    b"info": None,
    b"revtbl": "change_authors",
    b"atnauthor": "comment_authors",
    b"atnid": "comment_authors",
    b"userprops": "custom_fields",
}
_RTF_INFO_WORDS = {
    b"author": "author",
    b"operator": "author",
    b"company": "company",
    b"manager": "company",
    b"title": "title",
    b"subject": "title",
    b"keywords": "title",
    b"doccomm": "title",
    b"creatim": "dates",
    b"revtim": "dates",
    b"printim": "dates",
    b"buptim": "dates",
    b"version": "revisions",
    b"vern": "revisions",
    b"edmins": "revisions",
}
_RTF_GROUP_START = re.compile(rb"\{(?:\\\*)?\s*\\([a-z]+)")


def clean_rtf(source: BinaryIO, target: BinaryIO) -> set[str]:
    data = source.read()
    found: set[str] = set()
    pieces = []
    position = 0
    for match in _RTF_GROUP_START.finditer(data):
        if match.start() < position or match.group(1) not in _RTF_GROUPS:
            continue
        end = _group_end(data, match.start())
        group = data[match.start() : end]
        kind = _RTF_GROUPS[match.group(1)]
        if kind:
            found.add(kind)
        else:
            found |= {
                _RTF_INFO_WORDS.get(word, "custom_fields")
                for word in re.findall(rb"\\([a-z]+)", group)
                if word != b"info"
            }
        # An empty group in its place: a control word before it must not run on into the
        # text after it ("\\ansi{\\info…}Text" is not "\\ansiText").
        pieces.append(data[position : match.start()] + b"{}")
        position = end
    pieces.append(data[position:])
    target.write(b"".join(pieces))
    return found


def _group_end(data: bytes, start: int) -> int:
    """Return the index just after the group opened at *start* (braces escaped with \\)."""
    depth = 0
    index = start
    while index < len(data):
        char = data[index]
        if char == 0x5C:  # backslash: the next byte is escaped or starts a control word
            index += 2
            continue
        if char == 0x7B:
            depth += 1
        elif char == 0x7D:
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise ValueError("an RTF group is never closed")
