"""The expert directory's filter: a URL's query arguments parsed as the inbox's are.

:class:`ExpertFilter` is a :class:`tracker.inbox.parsing.ListFilter` – region, language,
topic, search, sort and page are parsed by the same code as the inbox's – with the
directory's own filters: the call applied to, a minimum language level, availability and
"active" (published in the last :data:`ACTIVE_DAYS` days).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from tracker.enums import Availability, LanguageLevel
from tracker.inbox.parsing import ListFilter, choice_arg, number_arg

SORT_KEYS = ("name", "published", "availability")
DEFAULT_SORT = "name"
# An expert is active who published a piece in this many days.
ACTIVE_DAYS = 90
# Levels from the lowest: "at least B2" admits B2, C1, C2 and native speakers.
LEVEL_ORDER = tuple(level.value for level in LanguageLevel)
AVAILABILITY_CHOICES = tuple(value.value for value in Availability)


def levels_from(level: str | None) -> tuple[str, ...]:
    """Return *level* and every level above it (all levels for None)."""
    if level not in LEVEL_ORDER:
        return LEVEL_ORDER
    return LEVEL_ORDER[LEVEL_ORDER.index(level) :]


@dataclass(frozen=True)
class ExpertFilter(ListFilter):
    """What the expert directory shows, as the query string holds it."""

    SORT_KEYS: ClassVar[tuple[str, ...]] = SORT_KEYS
    DEFAULT_SORT: ClassVar[str] = DEFAULT_SORT
    DESCENDING_FIRST: ClassVar[frozenset[str]] = frozenset({"published"})
    FILTERS: ClassVar[tuple[str, ...]] = (*ListFilter.FILTERS, "call", "availability", "active")

    call: int | None = None
    # The lowest level of *language* admitted; only with a language.
    level: str | None = None
    availability: str | None = None
    active: bool = False
    sort: str = DEFAULT_SORT

    @classmethod
    def from_args(cls, args: Mapping) -> ExpertFilter:
        """Parse *args* (request.args or a dict); invalid values are dropped, never raised."""
        common = cls.common_args(args)
        return cls(
            call=number_arg(args, "call"),
            level=choice_arg(args, "level", LEVEL_ORDER) if common["language"] else None,
            availability=choice_arg(args, "availability", AVAILABILITY_CHOICES),
            active=choice_arg(args, "active", ("1",)) is not None,
            **common,
        )

    def to_args(self) -> dict[str, str | list[str]]:
        """Return the canonical query arguments of this filter (defaults left out)."""
        args: dict[str, str | list[str]] = {}
        if self.call is not None:
            args["call"] = str(self.call)
        for name in ("region", "language", "level", "topic", "availability"):
            if getattr(self, name):
                args[name] = getattr(self, name)
        if self.active:
            args["active"] = "1"
        return self.page_args(args)
