"""Deadlines: entered and shown in the expert's time zone, stored as naive UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import force_locale

from tracker.dates import moment_in
from tracker.enums import DEFAULT_TIMEZONE, EXPERT_TIMEZONES
from tracker.experts.records import timezone_for_country
from tracker.labels import TIMEZONE_LABELS
from tracker.models import Application, Expert

# The newsroom's own zone, in which every deadline is shown too.
NEWSROOM_TIMEZONE = "Europe/Berlin"


def default_timezone(application: Application | None = None, expert: Expert | None = None) -> str:
    """Return the zone a new assignment's deadline is entered in: the expert's own, else
    the one of the country the candidate lives in."""
    if expert is not None and expert.timezone in EXPERT_TIMEZONES:
        return expert.timezone
    if application is not None:
        return timezone_for_country(application.country)
    return DEFAULT_TIMEZONE


def to_utc(day: date, clock: time, zone: str) -> datetime:
    """Return *day* at *clock* in *zone* as a naive UTC datetime (how deadlines are stored)."""
    local = datetime.combine(day, clock).replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def local_parts(value: datetime, zone: str) -> tuple[date, time]:
    """Return the day and time of naive-UTC *value* in *zone* (to fill the edit form)."""
    local = value.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    return local.date(), local.time().replace(second=0, microsecond=0, tzinfo=None)


def deadline_text(value: datetime, zone: str, language: str | None = None) -> str:
    """Return the deadline as its reader sees it: "20 Dec 2026, 18:00 (Tbilisi time)".

    In *language* (default: the page's), for emails in the recipient's language.
    """
    if language is None:
        return f"{moment_in(value, zone)} ({TIMEZONE_LABELS.get(zone, zone)})"
    with force_locale(language):
        return f"{moment_in(value, zone, language)} ({TIMEZONE_LABELS.get(zone, zone)})"
