"""The inbox's filter: a URL's query arguments parsed into filters, sort and page, and back.

The whole state of the inbox lives in the query string. :class:`InboxFilter` parses it
(every invalid value is dropped, never an error) and writes it back canonically, so that
links – pagination, sort headers, status tabs, a colleague's bookmark, the candidate page's
``?from=`` – keep it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import parse_qsl, urlencode

from tracker.enums import Status

SORT_KEYS = ("name", "region", "status", "rating", "ratings", "assignee", "received")
DEFAULT_SORT = "-received"
# Columns whose first click sorts descending: the newest, best rated, most rated first.
DESCENDING_FIRST = frozenset({"rating", "ratings", "received"})
PER_PAGE = 50
PER_PAGE_MIN, PER_PAGE_MAX = 10, 100
ASSIGNEE_CHOICES = ("me", "nobody", "someone")
RATED_CHOICES = ("me", "not_me")
Q_MAX_LENGTH = 200
# A `?from=` query string longer than this is not one the inbox wrote.
QUERY_STRING_MAX_LENGTH = 4096

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"[0-9]{1,9}")
_STATUS_VALUES = frozenset(status.value for status in Status)


def _values(args: Mapping, name: str) -> list[str]:
    """Return every value of *name* in *args* (a MultiDict or a plain mapping)."""
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    else:
        value = args.get(name)
        values = list(value) if isinstance(value, list | tuple) else [value]
    return [value for value in values if isinstance(value, str)]


def _first(args: Mapping, name: str) -> str | None:
    for value in _values(args, name):
        value = value.strip()
        if value:
            return value
    return None


def _text(args: Mapping, name: str, max_length: int) -> str | None:
    value = _first(args, name)
    if value is None or len(value) > max_length or _CONTROL.search(value):
        return None
    return value


def _number(args: Mapping, name: str) -> int | None:
    value = _first(args, name)
    return int(value) if value is not None and _DIGITS.fullmatch(value) else None


def _date(args: Mapping, name: str) -> date | None:
    value = _first(args, name)
    if value is None or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _statuses(args: Mapping) -> tuple[Status, ...]:
    wanted = set()
    for value in _values(args, "status"):
        for part in value.split(","):
            if part.strip() in _STATUS_VALUES:
                wanted.add(Status(part.strip()))
    return tuple(status for status in Status if status in wanted)


def _sort(args: Mapping) -> str:
    value = _first(args, "sort")
    if value is not None and value.removeprefix("-") in SORT_KEYS:
        return value
    return DEFAULT_SORT


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows: filters, sort order and page, as the query string holds them."""

    call: int | None = None
    region: str | None = None
    status: tuple[Status, ...] = ()
    language: str | None = None
    topic: str | None = None
    tag: str | None = None
    # "me", "nobody", "someone" or a user id
    assignee: str | int | None = None
    # "me" (rated by me) or "not_me"
    rated: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    q: str | None = None
    sort: str = DEFAULT_SORT
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def from_args(cls, args: Mapping) -> InboxFilter:
        """Parse *args* (request.args or a dict); invalid values are dropped, never raised."""
        assignee = _first(args, "assignee")
        if assignee not in ASSIGNEE_CHOICES:
            assignee = _number(args, "assignee")
        rated = _first(args, "rated")
        q = _first(args, "q")
        if q is not None:
            # A search is text someone typed: control characters are noise, length is capped.
            q = " ".join(_CONTROL.sub(" ", q).split())[:Q_MAX_LENGTH] or None
        per_page = _number(args, "per_page")
        return cls(
            call=_number(args, "call"),
            region=_text(args, "region", 60),
            status=_statuses(args),
            language=_text(args, "language", 10),
            topic=_text(args, "topic", 60),
            tag=_text(args, "tag", 60),
            assignee=assignee,
            rated=rated if rated in RATED_CHOICES else None,
            received_from=_date(args, "received_from"),
            received_to=_date(args, "received_to"),
            q=q,
            sort=_sort(args),
            page=max(1, _number(args, "page") or 1),
            per_page=(
                PER_PAGE if per_page is None else min(PER_PAGE_MAX, max(PER_PAGE_MIN, per_page))
            ),
        )

    @classmethod
    def from_query_string(cls, query_string: str | None) -> InboxFilter:
        """Parse a query string such as :meth:`query_string` wrote (e.g. ``?from=``)."""
        query_string = (query_string or "").lstrip("?")
        if len(query_string) > QUERY_STRING_MAX_LENGTH:
            return cls()
        pairs: dict[str, list[str]] = {}
        for name, value in parse_qsl(query_string, keep_blank_values=False):
            pairs.setdefault(name, []).append(value)
        return cls.from_args(pairs)

    def to_args(self) -> dict[str, str | list[str]]:
        """Return the canonical query arguments of this filter (defaults left out)."""
        args: dict[str, str | list[str]] = {}
        if self.call is not None:
            args["call"] = str(self.call)
        for name in ("region", "language", "topic", "tag"):
            if getattr(self, name):
                args[name] = getattr(self, name)
        if self.status:
            args["status"] = [status.value for status in self.status]
        if self.assignee is not None:
            args["assignee"] = str(self.assignee)
        if self.rated:
            args["rated"] = self.rated
        if self.received_from:
            args["received_from"] = self.received_from.isoformat()
        if self.received_to:
            args["received_to"] = self.received_to.isoformat()
        if self.q:
            args["q"] = self.q
        if self.sort != DEFAULT_SORT:
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
    def sort_key(self) -> str:
        """The column sorted by, e.g. ``received``."""
        return self.sort.removeprefix("-")

    @property
    def sort_descending(self) -> bool:
        """Whether the sort is descending."""
        return self.sort.startswith("-")

    @property
    def is_filtered(self) -> bool:
        """Whether any filter (not sort or page) narrows the inbox."""
        return any(
            (
                self.call is not None,
                self.region,
                self.status,
                self.language,
                self.topic,
                self.tag,
                self.assignee is not None,
                self.rated,
                self.received_from,
                self.received_to,
                self.q,
            )
        )

    def with_page(self, page: int) -> InboxFilter:
        """Return this filter on *page*."""
        return replace(self, page=max(1, page))

    def with_status(self, status: Status | None) -> InboxFilter:
        """Return this filter restricted to *status* (or to no status), on page 1."""
        return replace(self, status=(status,) if status else (), page=1)

    def sorted_by(self, key: str) -> InboxFilter:
        """Return this filter sorted by *key*: the other direction if it is sorted so already."""
        if key == self.sort_key:
            sort = key if self.sort_descending else f"-{key}"
        else:
            sort = f"-{key}" if key in DESCENDING_FIRST else key
        return replace(self, sort=sort, page=1)

    def cleared(self) -> InboxFilter:
        """Return a filter without any filters, keeping the sort and page size."""
        return InboxFilter(sort=self.sort, per_page=self.per_page)
