"""Cursor pagination by id: an opaque cursor names the last id a page showed.

A cursor is the URL-safe base64 of ``after:<id>``; clients pass ``next_cursor`` back
unchanged and never build one. Paging by id (not by offset) neither skips nor repeats a
row when rows are added or removed between two pages.
"""

from __future__ import annotations

import base64
import binascii
import re

from pydantic import BaseModel, Field, field_validator

_AFTER = re.compile(r"after:([0-9]{1,18})")
LIMIT_DEFAULT, LIMIT_MAX = 50, 100


def encode_cursor(last_id: int) -> str:
    """Return the cursor of the page after the row *last_id*."""
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Return the id a cursor names; raise ValueError for anything not made by us."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError("not a cursor of this API") from error
    match = _AFTER.fullmatch(text)
    if match is None:
        raise ValueError("not a cursor of this API")
    return int(match.group(1))


class PageQuery(BaseModel):
    """The paging parameters of a listing: where to go on, how many rows."""

    cursor: str | None = Field(
        default=None, max_length=40, description="The next_cursor of the previous page."
    )
    limit: int = Field(default=LIMIT_DEFAULT, ge=1, le=LIMIT_MAX, description="Rows per page.")

    @field_validator("cursor")
    @classmethod
    def _known_cursor(cls, value: str | None) -> str | None:
        if value is not None:
            decode_cursor(value)
        return value

    @property
    def after(self) -> int:
        """Return the id the page starts after (0: the first page)."""
        return decode_cursor(self.cursor) if self.cursor else 0


def page_of(rows: list, limit: int, key=lambda row: row.id) -> tuple[list, str | None]:
    """Split *rows* (up to *limit* + 1, by id) into the page and the next cursor."""
    if len(rows) > limit:
        return rows[:limit], encode_cursor(key(rows[limit - 1]))
    return rows, None
