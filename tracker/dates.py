"""Every date and time a page shows, in one format: "3. Dez. 2026", "3. Dez. 2026, 14:05".

The format is CLDR's for a day with an abbreviated month (skeleton ``yMMMd``) in the page
language, joined to the short time the way the language joins them ("3 дек. 2026 г., 14:05").
English follows British English ("3 Dec 2026" rather than "Dec 3, 2026"): day, month, year in
the same order as German and Russian, so the three languages line up in a team.

Templates use ``day`` and ``moment`` (Jinja globals and filters, registered in create_app);
a test fails if a template or module formats a date any other way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from flask_babel import format_date, format_datetime, get_locale, get_timezone
from sqlalchemy import func

# The page languages whose date order CLDR takes from a regional variant.
_CLDR_LOCALES = {"en": "en_GB"}


def _locale() -> Locale:
    return _cldr_locale(str(get_locale()))


@cache
def _cldr_locale(language: str) -> Locale:
    """Return the CLDR locale of the page *language*, parsed once (a page shows 50 dates)."""
    return Locale.parse(_CLDR_LOCALES.get(language, language))


def day_pattern() -> str:
    """Return the CLDR pattern of a day in the page language, e.g. ``d. MMM y``."""
    return _locale().datetime_skeletons["yMMMd"].pattern


def day(value: date | datetime) -> str:
    """Return the day of *value* in the page language: "3. Dez. 2026", "3 Dec 2026"."""
    return format_date(value, day_pattern())


def day_formatter() -> Callable[[date | datetime], str]:
    """Return :func:`day` for the many dates of one page, in this request's language.

    The same strings as ``day``, but the language and pattern are looked up once and each
    calendar day is formatted once: an inbox page shows 50 dates, most of them a few days.
    """
    locale, pattern, zone = get_locale(), day_pattern(), get_timezone()

    @cache
    def format_day(value: date) -> str:
        return babel_dates.format_date(value, pattern, locale=locale)

    def day_of(value: date | datetime) -> str:
        # As format_date does (to_user_timezone): a time without a zone is in UTC, and is
        # shown in the configured zone.
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            value = zone.normalize(value.astimezone(zone)).date()
        return format_day(value)

    return day_of


def short_day(value: date | datetime) -> str:
    """Return the day without its year, for a chart axis: "3. Dez.", "3 Dec"."""
    return format_date(value, _locale().datetime_skeletons["MMMd"].pattern)


def moment(value: datetime, *, zone: bool = False) -> str:
    """Return the day and time of *value*: "3. Dez. 2026, 14:05" (with *zone*: "… 14:05 UTC").

    Stored times are UTC; Flask-Babel shows them in the configured time zone.
    """
    locale = _locale()
    time = locale.time_formats["short"].pattern + (" z" if zone else "")
    return format_datetime(value, locale.datetime_formats["medium"].format(time, day_pattern()))


def moment_in(value: datetime, zone: str, language: str | None = None) -> str:
    """Return naive-UTC *value* as a day and time in time zone *zone*, in *language*
    (default: the page's): an assignment's deadline as the expert reads it."""
    locale = _cldr_locale(language) if language else _locale()
    pattern = locale.datetime_formats["medium"].format(
        locale.time_formats["short"].pattern, locale.datetime_skeletons["yMMMd"].pattern
    )
    return babel_dates.format_datetime(
        value.replace(tzinfo=UTC), pattern, tzinfo=ZoneInfo(zone), locale=locale
    )


def month(value: date | datetime) -> str:
    """Return the month of *value* in the page language: "Dez. 2026", "Dec 2026"."""
    return format_date(value, _locale().datetime_skeletons["yMMM"].pattern)


def export_moment(value: datetime, zone: str) -> str:
    """Return the UTC *value* as a clock in *zone* shows it, for machines and spreadsheets:
    "2026-12-20 18:00" (exports: a deadline in the expert's time zone)."""
    local = value.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    return local.strftime("%Y-%m-%d %H:%M")


def sql_month(column, dialect: str):
    """Return SQL for the month of the date *column* as ``YYYY-MM`` text (for grouping)."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)
