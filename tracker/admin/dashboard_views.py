"""The insight dashboard: large numbers, funnel, weekly arrivals, regional coverage."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l

from tracker import insights
from tracker.admin import bp
from tracker.calls import localized
from tracker.enums import Status
from tracker.extensions import db
from tracker.models import Call, utcnow
from tracker.web.access import staff

STATUS_LABELS = {
    Status.NEW: _l("New"),
    Status.IN_REVIEW: _l("In review"),
    Status.SHORTLISTED: _l("Shortlisted"),
    Status.TRIAL: _l("Trial"),
    Status.ACCEPTED: _l("Accepted"),
    Status.ON_HOLD: _l("On hold"),
    Status.REJECTED: _l("Rejected"),
    Status.WITHDRAWN: _l("Withdrawn"),
}
FUNNEL_LABELS = {
    "received": _l("Received"),
    "reviewed": _l("Reviewed"),
    "shortlisted": _l("Shortlisted"),
    "accepted": _l("Accepted"),
}


def _duration(seconds: float | None) -> str | None:
    """Say a duration in days and hours, or hours and minutes when under a day."""
    if seconds is None:
        return None
    minutes = int(round(seconds / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return str(_l("%(days)s d %(hours)s h", days=days, hours=hours))
    return str(_l("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes))


def _selected_call() -> Call | None:
    value = request.args.get("call", "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        abort(404)
    return db.get_or_404(Call, int(value))


@bp.get("/dashboard")
@staff
def dashboard():
    """Show the numbers of all calls, or of the call chosen with ?call=<id>."""
    call = _selected_call()
    call_id = call.id if call is not None else None
    language = str(get_locale())
    now = utcnow()
    labels = insights.region_labels(call_id)

    def region_name(key: str) -> str:
        return localized(labels[key], language) if labels.get(key) else key

    first_answer = insights.first_answer_times(call_id)
    coverage = insights.coverage(call_id)
    calls = insights.call_counts()
    return render_template(
        "admin/dashboard.html",
        call=call,
        calls=calls,
        call_rows=[(localized(each.title, language), n) for each, n in calls],
        totals=insights.totals(call_id, now=now),
        statuses=[(str(STATUS_LABELS[s]), n) for s, n in insights.status_counts(call_id)],
        regions=[(region_name(key), n) for key, n in insights.region_counts(call_id)],
        funnel=[(str(FUNNEL_LABELS[name]), n) for name, n in insights.funnel(call_id).stages()],
        weeks=[
            (format_date(monday, "d MMM"), format_date(monday, "d MMM y"), n)
            for monday, n in insights.weekly_counts(call_id, now=now)
        ],
        first_answer=first_answer,
        median=_duration(first_answer.median_seconds),
        coverage=[
            {
                "name": region_name(row.key) if not row.label else localized(row.label, language),
                "target": row.target,
                "shortlisted": row.shortlisted,
                "accepted": row.accepted,
                "gap": row.gap,
            }
            for row in coverage.rows
        ],
        gap_count=len(coverage.gaps),
        localized=localized,
        language=language,
    )
