"""Editing an expert of the pool: availability, rate, time zone, contact, notes, coverage.

:func:`update_expert` checks everything before it writes anything, so a refused edit
changes nothing; a second editor who saved meanwhile is detected by the expert's version
(Expert.version_id) and the stale edit is refused with a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from tracker.audit import record_event
from tracker.database import begin_write
from tracker.enums import EXPERT_TIMEZONES, Availability, Currency, LanguageLevel
from tracker.experts.records import set_expertise
from tracker.extensions import db
from tracker.models import Expert, User
from tracker.money import AmountError, parse_amount

PHONE_MAX_LENGTH = 40
CITY_MAX_LENGTH = 120
NOTES_MAX_LENGTH = 5000
# "ka:native; de:B2": a language code, a colon and a level, pairs separated by ";" or ",".
_LANGUAGE = re.compile(r"\s*([a-z]{2,3})\s*:\s*([A-Za-z0-9]+)\s*")
_LEVELS = {level.value.lower(): level.value for level in LanguageLevel}


class ExpertEditError(ValueError):
    """The edit cannot be saved; *errors* maps the form's fields to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(str(message) for message in errors.values()))
        self.errors = errors


class StaleExpertError(Exception):
    """Someone saved the expert since the editor opened the page."""


@dataclass
class ExpertChanges:
    """What the expert page's form sends, as typed (checked by :func:`update_expert`)."""

    availability: str
    busy_until: date | None = None
    rate: str = ""
    currency: str = ""
    timezone: str = ""
    phone: str = ""
    city: str = ""
    notes: str = ""
    languages: str = ""
    regions: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


def parse_languages(text: str) -> list[tuple[str, str]]:
    """Return "ka:native; de:B2" as [("ka", "native"), ("de", "B2")], or raise ValueError."""
    pairs = []
    for part in re.split(r"[;,]", text or ""):
        if not part.strip():
            continue
        match = _LANGUAGE.fullmatch(part.lower())
        if match is None or match.group(2) not in _LEVELS:
            raise ValueError(part.strip())
        pairs.append((match.group(1), _LEVELS[match.group(2)]))
    return pairs


def languages_text(expert: Expert) -> str:
    """Return the expert's languages as the form edits them: "ka:native; de:B2"."""
    return "; ".join(f"{row.language}:{row.level}" for row in expert.languages)


def _rate(changes: ExpertChanges, errors: dict) -> tuple[int | None, str | None]:
    if not changes.rate.strip():
        return None, None
    if changes.currency not in set(Currency):
        errors["currency"] = _l("Please choose the currency of the rate.")
        return None, None
    try:
        return parse_amount(changes.rate, changes.currency), changes.currency
    except AmountError as error:
        errors["rate"] = str(error)
        return None, None


def _checked(changes: ExpertChanges) -> tuple[dict, list[tuple[str, str]]]:
    """Return the expert's new column values and languages, or raise ExpertEditError."""
    errors: dict[str, str] = {}
    if changes.availability not in set(Availability):
        errors["availability"] = _l("Please choose whether the expert is available.")
    busy = changes.availability == Availability.BUSY.value
    if busy and changes.busy_until is None:
        errors["busy_until"] = _l("Please give the last day the expert is busy.")
    rate_minor, currency = _rate(changes, errors)
    if changes.timezone not in EXPERT_TIMEZONES:
        errors["timezone"] = _l("Please choose one of the time zones offered.")
    for name, limit in (("phone", PHONE_MAX_LENGTH), ("city", CITY_MAX_LENGTH)):
        if len(getattr(changes, name).strip()) > limit:
            errors[name] = _l("Please shorten this to %(limit)s characters.", limit=limit)
    if len(changes.notes) > NOTES_MAX_LENGTH:
        errors["notes"] = _l("Please shorten this to %(limit)s characters.", limit=NOTES_MAX_LENGTH)
    try:
        languages = parse_languages(changes.languages)
    except ValueError as error:
        languages = []
        errors["languages"] = _l(
            "“%(part)s” is not a language with a level; write e.g. ka:native; de:B2.",
            part=str(error),
        )
    if errors:
        raise ExpertEditError(errors)
    values = {
        "availability": changes.availability,
        "busy_until": changes.busy_until if busy else None,
        "rate_minor": rate_minor,
        "rate_currency": currency,
        "timezone": changes.timezone,
        "phone": changes.phone.strip() or None,
        "city": changes.city.strip() or None,
        "notes": changes.notes.strip() or None,
    }
    return values, languages


def update_expert(
    expert: Expert, changes: ExpertChanges, *, by: User, expected_version: int | None
) -> None:
    """Save *changes* to *expert* and commit, audited as ``expert.updated``.

    :raises StaleExpertError: the expert changed since *expected_version*.
    :raises ExpertEditError: something typed cannot be saved; nothing is written.
    """
    if expected_version is not None and expert.version_id != expected_version:
        raise StaleExpertError
    values, languages = _checked(changes)
    begin_write()
    try:
        db.session.refresh(expert)
        if expected_version is not None and expert.version_id != expected_version:
            raise StaleExpertError
        changed = [name for name, value in values.items() if getattr(expert, name) != value]
        for name in changed:
            setattr(expert, name, values[name])
        set_expertise(expert, regions=changes.regions, languages=languages, topics=changes.topics)
        # Field names only: the audit log holds no personal data beyond the application's.
        record_event(
            "expert.updated",
            actor=by,
            application=expert.application,
            expert=expert.id,
            fields=changed,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
