"""Forgiving checks of free text: web addresses without https://, limits without a silent cut."""

from __future__ import annotations

import re

from flask_babel import format_number
from flask_babel import gettext as _
from wtforms.validators import ValidationError

WEB_ADDRESS = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# A web address written without its scheme: www.example.org, example.org/piece, тбилиси.ge.
_BARE_WEB_ADDRESS = re.compile(
    r"^(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}(?::\d+)?(?:[/?#]\S*)?$", re.IGNORECASE
)
WEB_ADDRESS_MAX = 500
# How much of a refused line an error message repeats.
_QUOTED_LINE_MAX = 60


def with_scheme(value):
    """Add https:// to a web address given without one ("www.example.org/piece").

    Anything else is left as it is for the validator to judge: another scheme
    ("javascript:…") never matches, since a bare address has no colon before its host ends.
    """
    if isinstance(value, str) and _BARE_WEB_ADDRESS.match(value):
        return f"https://{value}"
    return value


def lines_with_scheme(value):
    """Apply with_scheme to each line of a box of links, keeping every line where it is,
    so that an error's "line 3" is the third line the applicant sees."""
    if not isinstance(value, str):
        return value
    return "\n".join(with_scheme(line.strip(" \t\r")) for line in value.split("\n"))


def unix_newlines(value):
    """Count a line break as one character, as the browser's counter does.

    Browsers send a textarea's line breaks as CRLF; counted as two, a letter that the
    counter showed within the limit would be refused.
    """
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class MaxChars:
    """Refuse text longer than *limit* characters, saying how long it is and may be.

    Instead of WTForms' Length, whose maxlength flag makes browsers cut a paste silently
    at the limit: the applicant would send a letter without its end and never know.
    *message* may use %(count)s and %(limit)s, both written as numbers in the page's language.
    """

    def __init__(self, limit: int, message=None):
        self.limit = limit
        self.message = message

    def __call__(self, form, field):
        count = len(field.data or "")
        if count <= self.limit:
            return
        numbers = {"count": format_number(count), "limit": format_number(self.limit)}
        if self.message is not None:
            raise ValidationError(str(self.message) % numbers)
        raise ValidationError(
            _("This has %(count)s characters. Please shorten it to %(limit)s.", **numbers)
        )


class WebAddressPerLine:
    """Refuse a box of links unless each non-empty line is one web address; name the line.

    Lines are numbered as the box shows them, blank lines included.
    """

    def __call__(self, form, field):
        for number, line in enumerate((field.data or "").split("\n"), start=1):
            line = line.strip()
            if not line:
                continue
            if len(line) > WEB_ADDRESS_MAX:
                raise ValidationError(
                    _("Line %(number)s is too long for a web address.", number=number)
                )
            if not WEB_ADDRESS.match(line):
                shown = line if len(line) <= _QUOTED_LINE_MAX else line[:_QUOTED_LINE_MAX] + "…"
                raise ValidationError(
                    _("Line %(number)s is not a web address: “%(line)s”", number=number, line=shown)
                )
