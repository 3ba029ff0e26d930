"""Listing filters held in a URL: the parsing and the query string shared by the inbox
(tracker.inbox.filter) and the expert directory (tracker.experts.filter).

Every invalid value is dropped, never an error: a shared link or a hand-edited URL shows
the list without the broken part. :class:`ListFilter` holds what both listings filter by
(region, language, topic, a search) and how they page and sort; each listing adds its own
filters and sort keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import ClassVar, Self
from urllib.parse import urlencode

PER_PAGE = 50
PER_PAGE_MIN, PER_PAGE_MAX = 10, 100
Q_MAX_LENGTH = 200

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]{1,9}")


def arg_values(args: Mapping, name: str) -> list[str]:
    """Return every value of *name* in *args* (a MultiDict or a plain mapping)."""
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        value = args.get(name)
        values = list(value) if isinstance(value, list | tuple) else [value]
    return [value for value in values if isinstance(value, str)]


def first_arg(args: Mapping, name: str) -> str | None:
    """Return the first non-blank value of *name*, stripped, or None."""
    for value in arg_values(args, name):
        value = value.strip()
        if value:
            return value
    return None


def text_arg(args: Mapping, name: str, max_length: int) -> str | None:
    """Return *name* if it is at most *max_length* characters without control characters."""
    value = first_arg(args, name)
    if value is None or len(value) > max_length or CONTROL.search(value):
        return None
    return value


def choice_arg(args: Mapping, name: str, choices) -> str | None:
    """Return *name* if it is one of *choices*, else None."""
    value = first_arg(args, name)
    return value if value in choices else None


def number_arg(args: Mapping, name: str) -> int | None:
    """Return *name* as a whole number of at most nine digits, or None."""
    value = first_arg(args, name)
    return int(value) if value is not None and _DIGITS.fullmatch(value) else None


def date_arg(args: Mapping, name: str) -> date | None:
    """Return *name* as an ISO date (YYYY-MM-DD), or None."""
    value = first_arg(args, name)
    if value is None or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def search_arg(args: Mapping) -> str | None:
    """Return the search ``q``: control characters are noise, spaces collapsed, length capped."""
    q = first_arg(args, "q")
    if q is None:
        return None
    return " ".join(CONTROL.sub(" ", q).split())[:Q_MAX_LENGTH] or None


@dataclass(frozen=True)
class ListFilter:
    """What every listing filters by, how it sorts and which page it shows."""

    # The listing's sort keys, its default order, and the keys whose first click sorts
    # descending (the newest or best first).
    SORT_KEYS: ClassVar[tuple[str, ...]] = ()
    DEFAULT_SORT: ClassVar[str] = ""
    DESCENDING_FIRST: ClassVar[frozenset[str]] = frozenset()
    # The fields that narrow the list (not sort or page), for :attr:`is_filtered`.
    FILTERS: ClassVar[tuple[str, ...]] = ("region", "language", "topic", "q")

    region: str | None = None
    language: str | None = None
    topic: str | None = None
    q: str | None = None
    sort: str = ""
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def common_args(cls, args: Mapping) -> dict:
        """Return the shared fields parsed from *args*, as keyword arguments of *cls*."""
        sort = first_arg(args, "sort")
        if sort is None or sort.removeprefix("-") not in cls.SORT_KEYS:
            sort = cls.DEFAULT_SORT
        per_page = number_arg(args, "per_page")
        return {
            "region": text_arg(args, "region", 60),
            "language": text_arg(args, "language", 10),
            "topic": text_arg(args, "topic", 60),
            "q": search_arg(args),
            "sort": sort,
            "page": max(1, number_arg(args, "page") or 1),
            "per_page": (
                PER_PAGE if per_page is None else min(PER_PAGE_MAX, max(PER_PAGE_MIN, per_page))
            ),
        }

    def to_args(self) -> dict[str, str | list[str]]:
        """Return the canonical query arguments of this filter (defaults left out)."""
        return self.page_args({})

    def page_args(self, args: dict) -> dict[str, str | list[str]]:
        """Add the search, sort and page to *args* (defaults left out) and return it."""
        if self.q:
            args["q"] = self.q
        if self.sort != self.DEFAULT_SORT:
            args["sort"] = self.sort
        if self.page != 1:
            args["page"] = str(self.page)
        if self.per_page != PER_PAGE:
            args["per_page"] = str(self.per_page)
        return args

    def query_string(self, *, include_page: bool = True) -> str:
        """Return :meth:`to_args` as a query string (without the leading ``?``)."""
        args = self.to_args()
        if not include_page:
            args.pop("page", None)
        return urlencode(args, doseq=True)

    @property
    def is_filtered(self) -> bool:
        """Whether any filter (not sort or page) narrows the list."""
        # By identity: a filter by the id 0 is a filter.
        values = (getattr(self, name) for name in self.FILTERS)
        return any(not (value is None or value is False or value in ((), "")) for value in values)

    @property
    def sort_key(self) -> str:
        """The column sorted by, e.g. ``received``."""
        return self.sort.removeprefix("-")

    @property
    def sort_descending(self) -> bool:
        """Whether the sort is descending."""
        return self.sort.startswith("-")

    def with_page(self, page: int) -> Self:
        """Return this filter on *page*."""
        return replace(self, page=max(1, page))

    def sorted_by(self, key: str) -> Self:
        """Return this filter sorted by *key*: the other direction if it is sorted so already."""
        if key == self.sort_key:
            sort = key if self.sort_descending else f"-{key}"
        else:
            sort = f"-{key}" if key in self.DESCENDING_FIRST else key
        return replace(self, sort=sort, page=1)

    def cleared(self) -> Self:
        """Return a filter without any filters, keeping the sort and page size."""
        return type(self)(sort=self.sort, per_page=self.per_page)
