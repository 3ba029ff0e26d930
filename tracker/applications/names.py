"""What an applicant's name may be: plain words in any script, nothing that acts or links.

A name is the one thing an applicant types that reaches an email (``{{ full_name }}``,
``{{ first_name }}``) and a page title, so two rules hold wherever a name is taken:

- Invisible format characters are removed, not refused: right-to-left and left-to-right
  overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069), zero-width spaces and
  joiners (U+200B–U+200F), the byte-order mark (U+FEFF), soft hyphens and the like (every
  character of Unicode category Cf). They are never part of a name the region's scripts
  write (Georgian, Armenian, Cyrillic and Latin need none), but they can reorder what staff
  see after the name or hide a link from a filter; people paste them by accident.
- A name that could carry a message is refused: a web or email address (``scheme://``,
  ``www.``, a domain-like ``word.word``, ``@``), digits or other symbols (a phone number to
  call), or more than :data:`MAX_WORDS` words ("Urgent: verify at https://… now" turned
  our acknowledgement into a phishing mail from the desk's own address).
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

MAX_WORDS = 6
# Beside letters and combining marks (any script): spaces, hyphens, apostrophes as the
# region's Latin transliterations write them (O'Neill, Ts'ereteli, Natʼela), full stops of
# initials, and the comma and brackets of "Beridze, Nino (Nina)".
_NAME_PUNCTUATION = frozenset(" -\u2010\u2011'\u2019\u02bc\u02bb.,()")
# Full stops, also the ideographic and full-width ones some mail programs link across.
_DOT = "[.\u3002\uff0e\uff61]"
_ADDRESS = re.compile(rf"(?i)[a-z][a-z0-9+.-]*:/|www{_DOT}|\w{_DOT}[^\W\d_]{{2,}}")


def clean_name(value: str | None) -> str | None:
    """Return *value* without format characters, in NFC, with single spaces between words."""
    if not isinstance(value, str):
        return value
    visible = "".join(char for char in value if unicodedata.category(char) != "Cf")
    # Spaces of any width become one; line breaks and controls stay for the form to refuse.
    spaced = "".join(
        " " if char == "\t" or unicodedata.category(char) == "Zs" else char for char in visible
    )
    return re.sub(" {2,}", " ", unicodedata.normalize("NFC", spaced)).strip(" ")


def name_problem(name: str) -> str | None:
    """Return why *name* (cleaned) cannot be a name, or None if it can."""
    # NFKC folds full-width letters and signs (ｗｗｗ．, ＠) onto the ones the checks know.
    folded = unicodedata.normalize("NFKC", name)
    if "@" in folded or _ADDRESS.search(folded):
        return _l("Please write only your name here, without web or email addresses.")
    if any(
        not (unicodedata.category(char)[0] in "LM" or char in _NAME_PUNCTUATION) for char in folded
    ):
        return _l(
            "Please write your name in letters only: spaces, hyphens and apostrophes are fine, "
            "digits and other signs are not."
        )
    if len(folded.split()) > MAX_WORDS:
        return _l("Please write your name in at most %(max)s words.", max=MAX_WORDS)
    return None
