"""The inbox's filter: a URL's query arguments parsed into filters, sort and page, and back.

The whole state of the inbox lives in the query string. :class:`InboxFilter` parses it
(every invalid value is dropped, never an error) and writes it back canonically, so that
links – pagination, sort headers, status tabs, a colleague's bookmark, the candidate page's
``?from=`` – keep it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import ClassVar
from urllib.parse import parse_qsl

from tracker.enums import Status
from tracker.inbox.parsing import (
    PER_PAGE,
    ListFilter,
    arg_values,
    choice_arg,
    date_arg,
    number_arg,
    text_arg,
)

# PER_PAGE: the default page size, as the inbox counts know it.
__all__ = ["DEFAULT_SORT", "PER_PAGE", "InboxFilter"]

SORT_KEYS = ("name", "region", "status", "rating", "ratings", "assignee", "received")
DEFAULT_SORT = "-received"
# Columns whose first click sorts descending: the newest, best rated, most rated first.
DESCENDING_FIRST = frozenset({"rating", "ratings", "received"})
ASSIGNEE_CHOICES = ("me", "nobody", "someone")
RATED_CHOICES = ("me", "not_me")
# "possible copy": a writing sample flagged as near-duplicate of another's, or not.
COPY_CHOICES = ("yes", "no")
# A `?from=` query string longer than this is not one the inbox wrote.
QUERY_STRING_MAX_LENGTH = 4096

_STATUS_VALUES = frozenset(status.value for status in Status)


def _statuses(args: Mapping) -> tuple[Status, ...]:
    wanted = set()
    for value in arg_values(args, "status"):
        for part in value.split(","):
            if part.strip() in _STATUS_VALUES:
                wanted.add(Status(part.strip()))
    return tuple(status for status in Status if status in wanted)


@dataclass(frozen=True)
class InboxFilter(ListFilter):
    """What the inbox shows: filters, sort order and page, as the query string holds them.

    Region, language, topic, search, sort and page are parsed by :class:`ListFilter`, as the
    expert directory's are.
    """

    SORT_KEYS: ClassVar[tuple[str, ...]] = SORT_KEYS
    DEFAULT_SORT: ClassVar[str] = DEFAULT_SORT
    DESCENDING_FIRST: ClassVar[frozenset[str]] = DESCENDING_FIRST
    FILTERS: ClassVar[tuple[str, ...]] = (
        *ListFilter.FILTERS,
        "call",
        "status",
        "tag",
        "assignee",
        "rated",
        "received_from",
        "received_to",
        "sample_language",
        "possible_copy",
    )

    call: int | None = None
    status: tuple[Status, ...] = ()
    tag: str | None = None
    # "me", "nobody", "someone" or a user id
    assignee: str | int | None = None
    # "me" (rated by me) or "not_me"
    rated: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    # The language detected in the writing sample (tracker.sample_facts), an ISO code.
    sample_language: str | None = None
    possible_copy: str | None = None
    sort: str = DEFAULT_SORT

    @classmethod
    def from_args(cls, args: Mapping) -> InboxFilter:
        """Parse *args* (request.args or a dict); invalid values are dropped, never raised."""
        assignee = choice_arg(args, "assignee", ASSIGNEE_CHOICES) or number_arg(args, "assignee")
        return cls(
            call=number_arg(args, "call"),
            status=_statuses(args),
            tag=text_arg(args, "tag", 60),
            assignee=assignee,
            rated=choice_arg(args, "rated", RATED_CHOICES),
            received_from=date_arg(args, "received_from"),
            received_to=date_arg(args, "received_to"),
            sample_language=text_arg(args, "sample_language", 10),
            possible_copy=choice_arg(args, "possible_copy", COPY_CHOICES),
            **cls.common_args(args),
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
        for name in ("region", "language", "topic", "tag", "sample_language", "possible_copy"):
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
        return self.page_args(args)

    def with_status(self, status: Status | None) -> InboxFilter:
        """Return this filter restricted to *status* (or to no status), on page 1."""
        return replace(self, status=(status,) if status else (), page=1)
