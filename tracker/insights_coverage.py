"""The dashboard's coverage grid: per region, experts wanted, shortlisted and accepted.

As tracker.insights: a fixed number of queries, aggregated in SQL; with a *viewer*, the
applicants at risk they may not see are counted nowhere (tracker.inbox.scope).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from tracker.enums import Status
from tracker.extensions import db
from tracker.insights import SHORTLISTED_NOW, count_if, for_call
from tracker.models import Application, ApplicationRegion, Call, User


@dataclass
class CoverageRow:
    """One region: experts wanted, shortlisted (or on trial) and accepted now."""

    key: str
    label: dict
    target: int | None
    shortlisted: int
    accepted: int

    @property
    def gap(self) -> int | None:
        """Experts still missing against the target; None when there is no target."""
        if self.target is None:
            return None
        return max(self.target - self.accepted, 0)


@dataclass
class Coverage:
    """Regions × experts against the targets of the call (or of all calls, summed)."""

    rows: list[CoverageRow] = field(default_factory=list)

    @property
    def gaps(self) -> list[CoverageRow]:
        """Return the regions whose target is not met yet."""
        return [row for row in self.rows if row.gap]


def coverage(call_id: int | None = None, *, viewer: User | None = None) -> Coverage:
    """Return, per region, the target and the experts shortlisted and accepted now.

    For one call: its regions in its order, with its targets. For all calls: the regions
    of every call (the first call's label wins) with their targets added up. Regions
    that have experts but are no longer offered follow at the end.
    """
    calls = db.session.scalars(
        select(Call).order_by(Call.id)
        if call_id is None
        else select(Call).where(Call.id == call_id)
    ).all()
    rows: dict[str, CoverageRow] = {}
    for call in calls:
        for region in call.regions:
            row = rows.setdefault(
                region["key"], CoverageRow(region["key"], region["label"], None, 0, 0)
            )
            target = (call.targets or {}).get(region["key"])
            if target:
                row.target = (row.target or 0) + int(target)
    # An expert who covers two regions counts in both.
    counts = db.session.execute(
        for_call(
            select(
                ApplicationRegion.region,
                count_if(Application.status.in_(SHORTLISTED_NOW)),
                count_if(Application.status == Status.ACCEPTED.value),
            )
            .join(Application, Application.id == ApplicationRegion.application_id)
            .where(Application.status.in_((*SHORTLISTED_NOW, Status.ACCEPTED.value)))
            .group_by(ApplicationRegion.region),
            call_id,
            viewer,
        )
    )
    for region, shortlisted, accepted in counts:
        row = rows.setdefault(region, CoverageRow(region, {}, None, 0, 0))
        row.shortlisted, row.accepted = int(shortlisted), int(accepted)
    return Coverage(list(rows.values()))


def region_labels(call_id: int | None = None) -> dict[str, dict]:
    """Return {region key: labels per language} over the call (or all calls)."""
    query = select(Call.regions).order_by(Call.id)
    if call_id is not None:
        query = query.where(Call.id == call_id)
    labels: dict[str, dict] = {}
    for regions in db.session.scalars(query):
        for region in regions:
            labels.setdefault(region["key"], region["label"])
    return labels
