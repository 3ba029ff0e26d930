"""The dashboard page's model: the numbers of tracker.insights, labelled and formatted."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from tracker import insights, insights_coverage, insights_pieces
from tracker.dates import day, month, short_day
from tracker.insights import FirstAnswer, Totals
from tracker.insights_pieces import FirstPieces, PieceStages
from tracker.labels import FUNNEL_LABELS, STATUS_LABELS
from tracker.models import Call, User
from tracker.money import format_amount
from tracker.ui_languages import localized


@dataclass
class DashboardPage:
    """Everything the dashboard shows, for all calls or for one; the template's variables."""

    call: Call | None
    title: str | None  # of the chosen call
    calls: list[tuple[int, str, int]]  # every call: id, title, applications
    call_rows: list[tuple[str, int]]
    totals: Totals
    statuses: list[tuple[str, int]]
    regions: list[tuple[str, int]]
    funnel: list[tuple[str, int]]
    weeks: list[tuple[str, str, int]]  # Monday short, Monday long, applications
    first_answer: FirstAnswer
    median: str | None
    coverage: list[dict]
    gap_count: int
    pieces: list[tuple[str, PieceStages]]  # region name, stages
    pieces_total: PieceStages
    first_pieces: FirstPieces
    first_piece_days: str | None  # the median, as the page writes a number
    fees: list[tuple[str, str, str]]  # month, currency, amount as the page writes it

    def as_context(self) -> dict:
        """Return the fields as template variables."""
        return {each.name: getattr(self, each.name) for each in fields(self)}


def say_duration(seconds: float | None) -> str | None:
    """Say a duration in days and hours, or hours and minutes when under a day."""
    if seconds is None:
        return None
    minutes = int(round(seconds / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return str(_l("%(days)s d %(hours)s h", days=days, hours=hours))
    return str(_l("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes))


def dashboard_page(
    call: Call | None, *, language: str, now: datetime, viewer: User | None = None
) -> DashboardPage:
    """Return the numbers of all calls, or of *call*, labelled in *language*, as of *now*:
    all of them for admins, the applicants at risk left out for editors who may not see
    them (*viewer*; tracker.inbox.scope)."""
    call_id = call.id if call is not None else None
    seen = {"viewer": viewer}
    labels = insights_coverage.region_labels(call_id)

    def region_name(key: str) -> str:
        return localized(labels[key], language) if labels.get(key) else key

    first_answer = insights.first_answer_times(call_id, **seen)
    first_pieces = insights_pieces.days_to_first_piece(call_id, **seen)
    coverage = insights_coverage.coverage(call_id, **seen)
    active = insights_pieces.active_experts(now=now, **seen)
    pieces, pieces_total = insights_pieces.piece_stages(call_id, **seen)
    calls = [(each, localized(each.title, language), n) for each, n in insights.call_counts(**seen)]
    return DashboardPage(
        call=call,
        title=localized(call.title, language) if call is not None else None,
        calls=[(each.id, title, n) for each, title, n in calls],
        call_rows=[(title, n) for _, title, n in calls],
        totals=insights.totals(call_id, now=now, **seen),
        statuses=[(str(STATUS_LABELS[s]), n) for s, n in insights.status_counts(call_id, **seen)],
        regions=[(region_name(key), n) for key, n in insights.region_counts(call_id, **seen)],
        funnel=[
            (str(FUNNEL_LABELS[name]), n) for name, n in insights.funnel(call_id, **seen).stages()
        ],
        weeks=[
            (short_day(monday), day(monday), n)
            for monday, n in insights.weekly_counts(call_id, now=now, **seen)
        ],
        first_answer=first_answer,
        median=say_duration(first_answer.median_seconds),
        coverage=[
            {
                "name": region_name(row.key) if not row.label else localized(row.label, language),
                "target": row.target,
                "shortlisted": row.shortlisted,
                "accepted": row.accepted,
                "gap": row.gap,
                "active": active.get(row.key, 0),
            }
            for row in coverage.rows
        ],
        gap_count=len(coverage.gaps),
        pieces=[(region_name(row.key), row) for row in pieces],
        pieces_total=pieces_total,
        first_pieces=first_pieces,
        first_piece_days=(
            None
            if first_pieces.median_days is None
            else format_decimal(first_pieces.median_days, format="#,##0.#")
        ),
        fees=[
            (month(first_day), currency, format_amount(minor, currency))
            for first_day, currency, minor in insights_pieces.fees_paid(call_id, now=now, **seen)
        ],
    )
