"""Expert records: finding the person already in the pool, and setting what they cover.

Shared by the two ways into the pool – an accepted application and an import – so that
both match people alike: by address first (stored lower-cased), else by the
script-independent name key (applications.people), when exactly one expert has it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from tracker.applications.people import name_key, normalise_email
from tracker.enums import DEFAULT_TIMEZONE
from tracker.extensions import db
from tracker.models import Application, Expert, ExpertLanguage, ExpertRegion, ExpertTopic

MATCH_EMAIL = "email"
MATCH_NAME = "name"
# The zone an expert living in a country most likely works in (the call's country keys);
# anywhere else – Germany, the diaspora – Berlin, the newsroom's own.
COUNTRY_TIMEZONES = {
    "georgia": "Asia/Tbilisi",
    "armenia": "Asia/Yerevan",
    "azerbaijan": "Asia/Baku",
    "russia": "Europe/Moscow",
}


def timezone_for_country(country: str | None) -> str:
    """Return the time zone (one of EXPERT_TIMEZONES) to assume for *country*."""
    return COUNTRY_TIMEZONES.get(country or "", DEFAULT_TIMEZONE)


def find_expert(email: str | None, full_name: str | None) -> tuple[Expert | None, str | None]:
    """Return the expert who is this person and how they matched (MATCH_EMAIL/MATCH_NAME).

    A name key shared by two experts matches neither: a guess would merge two people.
    """
    address = normalise_email(email)
    if address:
        expert = db.session.scalar(select(Expert).where(Expert.email == address))
        if expert is not None:
            return expert, MATCH_EMAIL
    key = name_key(full_name)
    if key:
        named = db.session.scalars(select(Expert).where(Expert.name_key == key).limit(2)).all()
        if len(named) == 1:
            return named[0], MATCH_NAME
    return None, None


def expert_of(application: Application) -> Expert | None:
    """Return the expert made from *application*, else the one with its address."""
    expert = db.session.scalar(select(Expert).where(Expert.application_id == application.id))
    if expert is None:
        address = normalise_email(application.email)
        expert = db.session.scalar(select(Expert).where(Expert.email == address))
    return expert


def set_expertise(
    expert: Expert,
    *,
    regions: Iterable[str],
    languages: Iterable[tuple[str, str]],
    topics: Iterable[str],
) -> None:
    """Make *expert* cover exactly *regions*, *languages* ((key, level) pairs) and *topics*.

    Rows that stay are updated in place, not deleted and inserted again: the same primary
    key removed and added in one flush would collide.
    """
    wanted_regions = list(dict.fromkeys(regions))
    current = {row.region: row for row in expert.covered_regions}
    expert.covered_regions = [
        current.get(region) or ExpertRegion(region=region) for region in wanted_regions
    ]
    for position, row in enumerate(expert.covered_regions):
        row.position = position

    wanted_languages = dict(languages)
    by_language = {row.language: row for row in expert.languages}
    expert.languages = [
        by_language.get(language) or ExpertLanguage(language=language)
        for language in wanted_languages
    ]
    for position, row in enumerate(expert.languages):
        row.level = wanted_languages[row.language]
        row.position = position

    by_topic = {row.topic: row for row in expert.topics}
    expert.topics = [
        by_topic.get(topic) or ExpertTopic(topic=topic) for topic in dict.fromkeys(topics)
    ]


def new_expert(*, full_name: str, email: str, **fields) -> Expert:
    """Return a new expert (added to the session) with name key and address normalised."""
    expert = Expert(
        full_name=full_name, name_key=name_key(full_name), email=normalise_email(email), **fields
    )
    db.session.add(expert)
    return expert
