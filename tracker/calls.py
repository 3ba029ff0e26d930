"""Calls for applications: seeding, listing, and creating, editing, opening and closing them.

The lines in which an administrator writes regions, topics and targets are read and written
by tracker.call_options.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from tracker.audit import record_event
from tracker.database import PREPARE, begin_write
from tracker.extensions import db
from tracker.models import Application, ApplicationRegion, ApplicationTopic, Call, User, utcnow

DATA_FOLDER = Path(__file__).resolve().parent / "data"


def load_data(name: str):
    """Return the parsed JSON data file *name* from tracker/data."""
    return json.loads((DATA_FOLDER / name).read_text(encoding="utf-8"))


def seed_default_call() -> tuple[Call, bool]:
    """Create the outlet's standing call from data/default_call.json unless its slug exists."""
    data = load_data("default_call.json")
    existing = db.session.scalar(select(Call).where(Call.slug == data["slug"]))
    if existing is not None:
        return existing, False
    call = Call(
        slug=data["slug"],
        title=data["title"],
        description=data["description"],
        regions=data["regions"],
        topics=data["topics"],
        is_open=True,
    )
    db.session.add(call)
    db.session.flush()
    return call, True


def default_call() -> Call | None:
    """Return the outlet's standing call (the slug of data/default_call.json), if it exists."""
    slug = load_data("default_call.json")["slug"]
    return db.session.scalar(select(Call).where(Call.slug == slug))


# The call's description and privacy notice in every language: some 15 KB of JSON that only
# the pages showing them need (read on demand if another uses them), left out of a statement.
CALL_TEXTS_DEFERRED = (defer(Call.description), defer(Call.privacy_notice))
_CALL_BY_SLUG = select(Call).where(Call.slug == bindparam("slug")).execution_options(**PREPARE)
_CALL_WITHOUT_TEXTS = _CALL_BY_SLUG.options(*CALL_TEXTS_DEFERRED)


def call_by_slug(slug: str, *, with_texts: bool = True) -> Call | None:
    """Return the call whose address is *slug*, if any (by a statement built once); without
    *with_texts* its description and privacy notice are read only when first used."""
    statement = _CALL_BY_SLUG if with_texts else _CALL_WITHOUT_TEXTS
    return db.session.scalar(statement, {"slug": slug})


def list_open_calls() -> list[Call]:
    """Return the calls that accept applications now, oldest first."""
    calls = db.session.scalars(select(Call).where(Call.is_open).order_by(Call.id))
    return [call for call in calls if call.accepts_applications()]


# --- administration: creating, editing, opening and closing calls -----------------------

# Lower-case ASCII letters and digits in hyphen-separated words: the slug is part of the
# public address (/apply/<slug>) and is read aloud and typed from paper.
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = 80


class CallError(ValueError):
    """A call cannot be created or changed as asked; *field* names the form field at fault."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class SlugTakenError(CallError):
    """Another call already has this slug."""

    def __init__(self, slug: str):
        super().__init__(
            _l(
                "Another call already uses the address “%(slug)s”. Please choose another.",
                slug=slug,
            ),
            field="slug",
        )


@dataclass
class CallData:
    """Everything an administrator edits about a call, already parsed by the form."""

    slug: str
    title: dict[str, str]
    description: dict[str, str]
    regions: list[dict]
    topics: list[dict]
    targets: dict[str, int] = field(default_factory=dict)
    privacy_notice: dict[str, str] = field(default_factory=dict)
    privacy_version: str | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None


# The attributes a CallData sets on a Call, in the order the audit log lists changes.
CALL_FIELDS = (
    "slug",
    "title",
    "description",
    "regions",
    "topics",
    "targets",
    "privacy_notice",
    "privacy_version",
    "opens_at",
    "closes_at",
)


def check_call_data(data: CallData) -> None:
    """Enforce the rules the admin form checks, whoever calls: :raises CallError:"""
    if len(data.slug) > SLUG_MAX_LENGTH or not SLUG_PATTERN.match(data.slug):
        raise CallError(
            _l("The address may only contain lower-case letters a–z, digits and hyphens."),
            field="slug",
        )
    if not (data.title.get("de") or "").strip():
        raise CallError(_l("Please give the call a German title."), field="title_de")
    if not data.regions:
        raise CallError(_l("Please write at least one line."), field="regions")
    if not data.topics:
        raise CallError(_l("Please write at least one line."), field="topics")
    region_keys = {region["key"] for region in data.regions}
    unknown = sorted(set(data.targets) - region_keys)
    if unknown:
        raise CallError(
            _l("“%(key)s” is not a region of this call.", key=unknown[0]), field="targets"
        )
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise CallError(_l("The deadline must be after the opening date."), field="closes_at")
    if any(text.strip() for text in data.privacy_notice.values()) and not data.privacy_version:
        raise CallError(
            _l("Please give the privacy notice a version, such as 2026-11."),
            field="privacy_version",
        )


def starting_point(source: Call | None) -> CallData:
    """Return what a new call starts from: a copy of *source*, or of data/default_call.json.

    Texts, regions, topics, targets and the privacy notice are copied; the slug and the
    dates are not (the new call needs its own address and its own time). A deep copy, so
    that editing the new call can never change the source.
    """
    data = source if source is not None else load_data("default_call.json")

    def value(name: str, default=None):
        found = getattr(data, name) if source is not None else data.get(name)
        return copy.deepcopy(found if found is not None else default)

    return CallData(
        slug="",
        title=value("title", {}),
        description=value("description", {}),
        regions=value("regions", []),
        topics=value("topics", []),
        targets=value("targets", {}),
        privacy_notice=value("privacy_notice", {}),
        privacy_version=value("privacy_version"),
    )


def used_option_keys(call: Call) -> tuple[set[str], set[str]]:
    """Return the region keys and the topic keys that applications to *call* use."""
    regions = db.session.scalars(
        select(ApplicationRegion.region)
        .join(Application, Application.id == ApplicationRegion.application_id)
        .where(Application.call_id == call.id)
        .distinct()
    )
    topics = db.session.scalars(
        select(ApplicationTopic.topic)
        .join(Application, Application.id == ApplicationTopic.application_id)
        .where(Application.call_id == call.id)
        .distinct()
    )
    return set(regions), set(topics)


def check_used_keys(call: Call, data: CallData) -> None:
    """Refuse to drop a region or topic key that applications use: :raises CallError:

    Applications store the keys; a dropped key would leave them with a region or topic
    that no filter, export or form can name any more.
    """
    used_regions, used_topics = used_option_keys(call)
    for name, used, options in (
        ("regions", used_regions, data.regions),
        ("topics", used_topics, data.topics),
    ):
        missing = sorted(used - {option["key"] for option in options})
        if missing:
            raise CallError(
                _l(
                    "Applications use the key “%(key)s”: keep it (you may change its labels).",
                    key=missing[0],
                ),
                field=name,
            )


def _slug_taken(slug: str, *, other_than: int | None = None) -> bool:
    query = select(Call.id).where(Call.slug == slug)
    if other_than is not None:
        query = query.where(Call.id != other_than)
    return db.session.scalar(query.limit(1)) is not None


def _apply_data(call: Call, data: CallData) -> list[str]:
    """Copy *data* onto *call*; return the names of the attributes that changed."""
    changed = []
    for name in CALL_FIELDS:
        value = getattr(data, name)
        if name in ("privacy_notice", "title", "description"):
            value = {code: text for code, text in value.items() if text and text.strip()}
        if getattr(call, name) != value:
            setattr(call, name, value)
            changed.append(name)
    return changed


def _flush_slug(slug: str) -> None:
    # The unique constraint decides when two admins save the same slug at the same moment:
    # the check before it only gives the common case a kind message without an exception.
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise SlugTakenError(slug) from error


def create_call(data: CallData, *, by: User | None) -> Call:
    """Create a call, not yet open (so that it can be previewed), record it, and commit.

    :raises CallError: if *data* breaks a rule; SlugTakenError if the slug is in use.
    """
    check_call_data(data)
    begin_write()
    if _slug_taken(data.slug):
        db.session.rollback()
        raise SlugTakenError(data.slug)
    call = Call(is_open=False, targets={}, privacy_notice={})
    _apply_data(call, data)
    db.session.add(call)
    _flush_slug(data.slug)
    record_event("call.created", actor=by, call_id=call.id, slug=call.slug)
    db.session.commit()
    return call


def update_call(call: Call, data: CallData, *, by: User | None) -> list[str]:
    """Save an edited call, record which fields changed, commit; return their names.

    :raises CallError: if *data* breaks a rule; SlugTakenError if the slug is in use.
    """
    check_call_data(data)
    begin_write()
    call = db.session.get(Call, call.id, with_for_update=True)
    if _slug_taken(data.slug, other_than=call.id):
        db.session.rollback()
        raise SlugTakenError(data.slug)
    try:
        check_used_keys(call, data)
    except CallError:
        db.session.rollback()
        raise
    changed = _apply_data(call, data)
    if changed:
        _flush_slug(data.slug)
        record_event("call.updated", actor=by, call_id=call.id, slug=call.slug, changed=changed)
    db.session.commit()
    return changed


def deadline_passed(call: Call, now: datetime | None = None) -> bool:
    """Tell whether the call's deadline (closes_at) lies in the past."""
    return bool(call.closes_at and (now or utcnow()) >= call.closes_at)


def open_call(call: Call, *, by: User | None, now: datetime | None = None) -> None:
    """Open a call that is not open, record it, commit.

    A call whose opening date lies ahead stays invisible until then.

    :raises CallError: if it is open already, or its deadline has passed (reopen it).
    """
    begin_write()
    call = db.session.get(Call, call.id, with_for_update=True)
    if deadline_passed(call, now):
        db.session.rollback()
        raise CallError(
            _l("The deadline of this call has passed. Reopen it, or set a later deadline first.")
        )
    if call.is_open:
        db.session.rollback()
        raise CallError(_l("This call is open already."))
    call.is_open = True
    record_event("call.opened", actor=by, call_id=call.id, slug=call.slug)
    db.session.commit()


def close_call(call: Call, *, by: User | None) -> None:
    """Close a call at once, whatever its deadline, record it, commit.

    :raises CallError: if it is closed already.
    """
    begin_write()
    call = db.session.get(Call, call.id, with_for_update=True)
    if not call.is_open:
        db.session.rollback()
        raise CallError(_l("This call is closed already."))
    call.is_open = False
    record_event("call.closed", actor=by, call_id=call.id, slug=call.slug)
    db.session.commit()


def reopen_call(
    call: Call,
    *,
    by: User | None,
    closes_at: datetime | None = None,
    now: datetime | None = None,
) -> None:
    """Open a closed call again with a new deadline (or none), record it, commit.

    A deadline in the past is replaced: by *closes_at*, or removed when it is None.

    :raises CallError: if the call takes applications now, or *closes_at* is not ahead.
    """
    now = now or utcnow()
    begin_write()
    call = db.session.get(Call, call.id, with_for_update=True)
    if call.is_open and not deadline_passed(call, now):
        db.session.rollback()
        raise CallError(_l("This call is open already."))
    if closes_at is not None and closes_at <= now:
        db.session.rollback()
        raise CallError(_l("The new deadline must lie in the future."), field="closes_at")
    previous = call.closes_at
    if closes_at is not None or deadline_passed(call, now):
        call.closes_at = closes_at
    call.is_open = True
    record_event(
        "call.reopened",
        actor=by,
        call_id=call.id,
        slug=call.slug,
        previous_closes_at=previous.isoformat() if previous else None,
        closes_at=call.closes_at.isoformat() if call.closes_at else None,
    )
    db.session.commit()


def list_calls() -> list[Call]:
    """Return every call, newest first."""
    return list(db.session.scalars(select(Call).order_by(Call.created_at.desc(), Call.id.desc())))


def application_counts() -> dict[int, int]:
    """Return the number of applications per call id (one grouped query)."""
    rows = db.session.execute(
        select(Application.call_id, func.count()).group_by(Application.call_id)
    )
    return {call_id: count for call_id, count in rows}


def has_privacy_notice(call: Call) -> bool:
    """Tell whether *call* has a privacy notice of its own (in any language)."""
    return any((text or "").strip() for text in (call.privacy_notice or {}).values())
