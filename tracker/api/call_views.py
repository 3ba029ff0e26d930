"""The calls: what each one asks for (regions, topics), for a CMS that mirrors them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select

from tracker.api import api_route, responses
from tracker.enums import ApiScope
from tracker.extensions import db
from tracker.models import Call


class Choice(BaseModel):
    """A region or topic a call offers: its key and its label per language."""

    key: str
    label: dict[str, str]


class CallOut(BaseModel):
    """A call for applications."""

    id: int
    slug: str
    title: dict[str, str]
    is_open: bool
    opens_at: datetime | None
    closes_at: datetime | None
    regions: list[Choice]
    topics: list[Choice]


class CallList(BaseModel):
    """Every call, the newest first."""

    items: list[CallOut]


def call_out(call: Call) -> CallOut:
    """Return *call* as the API shows it."""
    return CallOut(
        id=call.id,
        slug=call.slug,
        title=call.title,
        is_open=call.is_open,
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        regions=[Choice(key=item["key"], label=item["label"]) for item in call.regions],
        topics=[Choice(key=item["key"], label=item["label"]) for item in call.topics],
    )


@api_route(
    "/calls", scope=ApiScope.APPLICATIONS_READ, resp=responses(200, CallList), tags=("calls",)
)
def list_calls():
    """List the calls."""
    calls = db.session.scalars(select(Call).order_by(Call.id.desc()))
    return CallList(items=[call_out(call) for call in calls])
