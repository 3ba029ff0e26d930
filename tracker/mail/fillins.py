"""Fill-in parts: text in a template that an editor must replace before the email goes out.

A template marks such a part with double square brackets, ``[[Describe what is missing.]]``.
Jinja leaves the brackets as plain text, so the marker survives rendering and reaches the
compose and bulk forms verbatim; there it is listed, highlighted, and any marker still in
the text refuses queueing. Double brackets do not occur in ordinary letters, so a marker is
never found by accident.

Templates saved before markers existed carry the request-for-information seed sentence in
single brackets. Those exact sentences (:data:`LEGACY_FILL_INS`) count as markers too, so
an old database row is caught without a data migration; ``flask templates seed
--overwrite`` replaces such rows with the new seed texts.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

MARKER_OPEN = "[["
MARKER_CLOSE = "]]"
# A complete marker: "[[", at least one character that opens no other marker, "]]".
_MARKER = re.compile(r"\[\[((?:(?!\[\[|\]\]).)+?)\]\]", re.DOTALL)
# The single-bracket seed sentences of the request-for-information template before markers.
LEGACY_FILL_INS = (
    "[Bitte beschreiben Sie hier, was fehlt.]",
    "[Please describe here what is missing.]",
    "[Опишите здесь, чего не хватает.]",
)


def unfilled_parts(*texts: str | None) -> list[str]:
    """Return every fill-in part left in *texts*, as written (markers included), in order."""
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        hits = [(match.start(), match.group(0)) for match in _MARKER.finditer(text)]
        covered = [(match.start(), match.end()) for match in _MARKER.finditer(text)]
        for sentence in LEGACY_FILL_INS:
            start = text.find(sentence)
            while start != -1:
                # "[Please …]" is also the inside of the marker "[[Please …]]": count once.
                if not any(begin <= start < end for begin, end in covered):
                    hits.append((start, sentence))
                start = text.find(sentence, start + 1)
        # An unclosed "[[" is unfinished text as well: it must not go out either.
        hits.extend((start, text[start : start + 60]) for start in _unclosed_openings(text))
        found.extend(part for _start, part in sorted(hits))
    return found


def _unclosed_openings(text: str) -> list[int]:
    """Return where a "[[" opens that no "]]" closes before the next "[[" (or the end)."""
    covered = [(match.start(), match.end()) for match in _MARKER.finditer(text)]
    openings = []
    for match in re.finditer(re.escape(MARKER_OPEN), text):
        start = match.start()
        if not any(begin <= start < end for begin, end in covered):
            openings.append(start)
    return openings


def marker_problems(source: str) -> list[str]:
    """Return what is wrong with the fill-in markers of template *source* (empty if none)."""
    problems = []
    for start in _unclosed_openings(source):
        problems.append(
            _(
                "Line %(line)s: a fill-in part opened with [[ is not closed with ]]. Write "
                "fill-in parts like [[Describe what is missing.]].",
                line=source.count("\n", 0, start) + 1,
            )
        )
    return problems


def refusal(parts: list[str]) -> str:
    """Return the message that refuses sending while *parts* are unfilled."""
    return _("Fill in the marked parts before sending: %(parts)s", parts=" · ".join(parts))
