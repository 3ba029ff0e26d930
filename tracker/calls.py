"""Calls for applications: seeding, listing, and the labels of their regions and topics."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from .extensions import db
from .models import Call

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


def list_open_calls() -> list[Call]:
    """Return the calls that accept applications now, oldest first."""
    calls = db.session.scalars(select(Call).where(Call.is_open).order_by(Call.id))
    return [call for call in calls if call.accepts_applications()]


def localized(texts: dict, language: str) -> str:
    """Pick *language* from a dict of translations, falling back to German, then any."""
    return texts.get(language) or texts.get("de") or next(iter(texts.values()), "")
